/**
 * The editor's keyboard shortcuts, in one table: what the key handler dispatches on and what
 * the help dialog lists. Ctrl stands for Ctrl or ⌘, so each combo works on every platform.
 */
import type { Position } from "../generated/document";

export type ShortcutAction =
  | "delete"
  | "undo"
  | "redo"
  | "cut"
  | "copy"
  | "paste"
  | "selectAll"
  | "clearSelection"
  | "focusNext"
  | "focusPrevious"
  | "activate"
  | "startLink"
  | "move"
  | "moveFar"
  | "autoLayout"
  | "search"
  | "fitView"
  | "toggleMinimap"
  | "help";

export type ShortcutGroup = "Edit" | "Select" | "Arrange and link" | "View" | "Help";

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = [
  "Edit",
  "Select",
  "Arrange and link",
  "View",
  "Help",
];

/** One key with its modifiers. `mod` is Ctrl or ⌘. Shift is compared for letters and named
 * keys only: a symbol such as `?` or `/` needs Shift on some layouts and not on others. */
export interface KeyCombo {
  key: string;
  mod?: boolean;
  shift?: boolean;
}

export interface Shortcut {
  action: ShortcutAction;
  /** Any of these does it. */
  combos: readonly KeyCombo[];
  description: string;
  group: ShortcutGroup;
  /** How the help shows the keys, when listing each combo would say it worse. */
  keysLabel?: string;
}

const ARROWS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"] as const;

export const SHORTCUTS: readonly Shortcut[] = [
  {
    action: "delete",
    combos: [{ key: "Delete" }, { key: "Backspace" }],
    description: "Delete the selection and what depends on it",
    group: "Edit",
  },
  { action: "undo", combos: [{ key: "z", mod: true }], description: "Undo", group: "Edit" },
  {
    action: "redo",
    combos: [
      { key: "z", mod: true, shift: true },
      { key: "y", mod: true },
    ],
    description: "Redo",
    group: "Edit",
  },
  {
    action: "cut",
    combos: [{ key: "x", mod: true }],
    description: "Cut the selection",
    group: "Edit",
  },
  {
    action: "copy",
    combos: [{ key: "c", mod: true }],
    description: "Copy the selection",
    group: "Edit",
  },
  {
    action: "paste",
    combos: [{ key: "v", mod: true }],
    description: "Paste, beside the original",
    group: "Edit",
  },
  {
    action: "selectAll",
    combos: [{ key: "a", mod: true }],
    description: "Select everything",
    group: "Select",
  },
  {
    action: "clearSelection",
    combos: [{ key: "Escape" }],
    description: "Clear the selection, or cancel a link being drawn",
    group: "Select",
  },
  {
    action: "focusNext",
    combos: [{ key: "Tab" }],
    description: "Focus the next element",
    group: "Select",
  },
  {
    action: "focusPrevious",
    combos: [{ key: "Tab", shift: true }],
    description: "Focus the previous element",
    group: "Select",
  },
  {
    action: "activate",
    combos: [{ key: "Enter" }],
    description: "Select the focused element, or finish the link started with C on it",
    group: "Select",
  },
  {
    action: "startLink",
    combos: [{ key: "c" }],
    description: "Start a link from the selected element; focus the other end and press Enter",
    group: "Arrange and link",
  },
  {
    action: "move",
    combos: ARROWS.map((key) => ({ key })),
    description: "Move the selection by one grid step",
    group: "Arrange and link",
    keysLabel: "Arrow keys",
  },
  {
    action: "moveFar",
    combos: ARROWS.map((key) => ({ key, shift: true })),
    description: "Move the selection by a large step",
    group: "Arrange and link",
    keysLabel: "Shift + arrow keys",
  },
  {
    action: "autoLayout",
    combos: [{ key: "l" }],
    description: "Lay the topology out automatically",
    group: "Arrange and link",
  },
  {
    action: "search",
    combos: [{ key: "f", mod: true }, { key: "/" }],
    description: "Search by name, id or address",
    group: "View",
  },
  {
    action: "fitView",
    combos: [{ key: "f" }],
    description: "Fit the topology in view",
    group: "View",
  },
  {
    action: "toggleMinimap",
    combos: [{ key: "m" }],
    description: "Show or hide the minimap",
    group: "View",
  },
  { action: "help", combos: [{ key: "?" }], description: "Show these shortcuts", group: "Help" },
];

/** What `matches` reads of a keyboard event. */
export type KeyPress = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">;

function comboMatches(event: KeyPress, combo: KeyCombo): boolean {
  if (event.altKey) return false;
  if ((event.ctrlKey || event.metaKey) !== (combo.mod ?? false)) return false;
  const named = combo.key.length > 1;
  const letter = /^[a-z]$/i.test(combo.key);
  if ((named || letter) && event.shiftKey !== (combo.shift ?? false)) return false;
  // With Shift (or Caps Lock) a letter comes as its capital.
  return letter ? event.key.toLowerCase() === combo.key : event.key === combo.key;
}

export function matches(event: KeyPress, shortcut: Shortcut): boolean {
  return shortcut.combos.some((combo) => comboMatches(event, combo));
}

/** The shortcut `event` is, if any. */
export function shortcutFor(event: KeyPress): Shortcut | undefined {
  return SHORTCUTS.find((shortcut) => matches(event, shortcut));
}

/** How far the arrow keys move the selection, in canvas units. */
export const MOVE_STEP = { near: 10, far: 50 };

/** The move an arrow key asks for: one step, or a large one with Shift. */
export function moveBy(event: KeyPress): Position | null {
  const step = event.shiftKey ? MOVE_STEP.far : MOVE_STEP.near;
  const direction: Record<string, Position> = {
    ArrowUp: { x: 0, y: -step },
    ArrowDown: { x: 0, y: step },
    ArrowLeft: { x: -step, y: 0 },
    ArrowRight: { x: step, y: 0 },
  };
  return direction[event.key] ?? null;
}

const KEY_NAMES: Record<string, string> = {
  ArrowUp: "↑",
  ArrowDown: "↓",
  ArrowLeft: "←",
  ArrowRight: "→",
  Escape: "Esc",
};

/** A combo as people write it: "Ctrl+Shift+Z", or "⌘⇧Z" on a Mac. */
export function formatCombo(combo: KeyCombo, apple = false): string {
  const key =
    KEY_NAMES[combo.key] ?? (combo.key.length === 1 ? combo.key.toUpperCase() : combo.key);
  const parts = [
    ...(combo.mod ? [apple ? "⌘" : "Ctrl"] : []),
    ...(combo.shift ? [apple ? "⇧" : "Shift"] : []),
    key,
  ];
  return parts.join(apple ? "" : "+");
}

/** The combos of a shortcut as `aria-keyshortcuts` wants them: "Control+Z Meta+Z". */
export function ariaKeyShortcuts(shortcut: Shortcut): string {
  return shortcut.combos
    .flatMap((combo) => {
      const key = combo.key.length === 1 ? combo.key.toUpperCase() : combo.key;
      const shift = combo.shift ? "Shift+" : "";
      return combo.mod ? [`Control+${shift}${key}`, `Meta+${shift}${key}`] : [`${shift}${key}`];
    })
    .join(" ");
}
