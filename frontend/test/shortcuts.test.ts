// Keyboard shortcuts: which key press is which shortcut, and what the help dialog and the
// search box render (as markup: the tests run without a DOM).
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { SearchBox } from "../src/editor/SearchBox";
import { ShortcutHelp } from "../src/editor/ShortcutHelp";
import {
  ariaKeyShortcuts,
  formatCombo,
  matches,
  moveBy,
  SHORTCUT_GROUPS,
  SHORTCUTS,
  shortcutFor,
  type KeyPress,
  type ShortcutAction,
} from "../src/editor/shortcuts";

const press = (key: string, held: Partial<Omit<KeyPress, "key">> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...held,
});

const actionOf = (event: KeyPress): ShortcutAction | undefined => shortcutFor(event)?.action;

describe("shortcuts", () => {
  it("has one entry per action, each in a known group with a description", () => {
    const actions = SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
    for (const shortcut of SHORTCUTS) {
      expect(SHORTCUT_GROUPS).toContain(shortcut.group);
      expect(shortcut.description).not.toBe("");
      expect(shortcut.combos.length).toBeGreaterThan(0);
    }
  });

  it("gives no key press to two shortcuts", () => {
    for (const a of SHORTCUTS) {
      for (const combo of a.combos) {
        const event = press(combo.key, {
          ctrlKey: combo.mod ?? false,
          shiftKey: combo.shift ?? false,
        });
        expect(SHORTCUTS.filter((s) => matches(event, s)).map((s) => s.action)).toEqual([a.action]);
      }
    }
  });

  it("reads Ctrl and ⌘ alike", () => {
    expect(actionOf(press("z", { ctrlKey: true }))).toBe("undo");
    expect(actionOf(press("z", { metaKey: true }))).toBe("undo");
    expect(actionOf(press("c", { metaKey: true }))).toBe("copy");
    expect(actionOf(press("a", { ctrlKey: true }))).toBe("selectAll");
  });

  it("tells Shift apart where it makes another shortcut", () => {
    expect(actionOf(press("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(actionOf(press("y", { ctrlKey: true }))).toBe("redo");
    expect(actionOf(press("Tab"))).toBe("focusNext");
    expect(actionOf(press("Tab", { shiftKey: true }))).toBe("focusPrevious");
    expect(actionOf(press("ArrowLeft"))).toBe("move");
    expect(actionOf(press("ArrowLeft", { shiftKey: true }))).toBe("moveFar");
    expect(actionOf(press("L", { shiftKey: true }))).toBeUndefined();
  });

  it("tells a letter alone from the letter with Ctrl", () => {
    expect(actionOf(press("c"))).toBe("startLink");
    expect(actionOf(press("f"))).toBe("fitView");
    expect(actionOf(press("f", { ctrlKey: true }))).toBe("search");
    expect(actionOf(press("l"))).toBe("autoLayout");
    expect(actionOf(press("l", { ctrlKey: true }))).toBeUndefined();
    expect(actionOf(press("m"))).toBe("toggleMinimap");
    // Caps Lock gives capitals without Shift.
    expect(actionOf(press("M"))).toBe("toggleMinimap");
  });

  it("takes symbols whichever Shift the layout needs for them", () => {
    expect(actionOf(press("?", { shiftKey: true }))).toBe("help");
    expect(actionOf(press("?"))).toBe("help");
    expect(actionOf(press("/"))).toBe("search");
    expect(actionOf(press("/", { shiftKey: true }))).toBe("search");
  });

  it("ignores Alt, and keys it does not know", () => {
    expect(actionOf(press("z", { ctrlKey: true, altKey: true }))).toBeUndefined();
    expect(actionOf(press("q"))).toBeUndefined();
    expect(actionOf(press("Delete"))).toBe("delete");
    expect(actionOf(press("Backspace"))).toBe("delete");
    expect(actionOf(press("Escape"))).toBe("clearSelection");
    expect(actionOf(press("Enter"))).toBe("activate");
  });

  it("moves by a step, or a larger one with Shift", () => {
    expect(moveBy(press("ArrowUp"))).toEqual({ x: 0, y: -10 });
    expect(moveBy(press("ArrowRight", { shiftKey: true }))).toEqual({ x: 50, y: 0 });
    expect(moveBy(press("a"))).toBeNull();
  });

  it("writes combos as people read them", () => {
    const redo = SHORTCUTS.find((s) => s.action === "redo")!;
    expect(redo.combos.map((c) => formatCombo(c))).toEqual(["Ctrl+Shift+Z", "Ctrl+Y"]);
    expect(redo.combos.map((c) => formatCombo(c, true))).toEqual(["⌘⇧Z", "⌘Y"]);
    expect(formatCombo({ key: "Escape" })).toBe("Esc");
    const search = SHORTCUTS.find((s) => s.action === "search")!;
    expect(ariaKeyShortcuts(search)).toBe("Control+F Meta+F /");
  });
});

describe("the shortcut help dialog", () => {
  it("is a labelled modal dialog listing every shortcut by group", () => {
    const html = renderToStaticMarkup(createElement(ShortcutHelp, { onClose: () => {} }));
    expect(html).toMatch(/role="dialog"/);
    expect(html).toMatch(/aria-modal="true"/);
    const label = /aria-labelledby="([^"]+)"/.exec(html)?.[1];
    expect(label).toBeDefined();
    expect(html).toContain(`id="${label}">Keyboard shortcuts</h2>`);
    for (const group of SHORTCUT_GROUPS) expect(html).toContain(`<h3>${group}</h3>`);
    for (const shortcut of SHORTCUTS) expect(html).toContain(shortcut.description);
    expect(html).toContain("<kbd>Ctrl+Shift+Z or Ctrl+Y</kbd>");
    expect(html).toContain("<kbd>Arrow keys</kbd>");
  });
});

describe("the search box", () => {
  it("is a combobox controlling a listbox, closed until something is typed", () => {
    const html = renderToStaticMarkup(
      createElement(SearchBox, { document: {} as TopologyDocument, onPick: () => {} }),
    );
    expect(html).toMatch(/role="combobox"/);
    expect(html).toMatch(/aria-expanded="false"/);
    const list = /aria-controls="([^"]+)"/.exec(html)?.[1];
    expect(html).toContain(`id="${list}" role="listbox"`);
    expect(html).toMatch(/aria-keyshortcuts="Control\+F Meta\+F \/"/);
  });
});
