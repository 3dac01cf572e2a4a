// The keyboard shortcuts, listed by group in a modal dialog: focus moves into it when it
// opens, stays in it, and returns where it was when Escape or Close shuts it.
import { useEffect, useId, useRef, type KeyboardEvent } from "react";
import { formatCombo, SHORTCUT_GROUPS, SHORTCUTS, type Shortcut } from "./shortcuts";
import "./keyboard.css";

function keysOf(shortcut: Shortcut, apple: boolean): string {
  return (
    shortcut.keysLabel ?? shortcut.combos.map((combo) => formatCombo(combo, apple)).join(" or ")
  );
}

function isApple(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
}

/** Shown while mounted; `onClose` asks the owner to unmount it. */
export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement;
    closeRef.current?.focus();
    return () => {
      if (before instanceof HTMLElement) before.focus();
    };
  }, []);

  const keydown = (event: KeyboardEvent) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
    } else if (event.key === "Tab") {
      // The only control is Close: Tab keeps focus in the dialog.
      event.preventDefault();
      closeRef.current?.focus();
    }
  };
  const apple = isApple();

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal shortcut-help"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={keydown}
        onClick={(event) => event.stopPropagation()}
      >
        <header>
          <h2 id={titleId}>Keyboard shortcuts</h2>
          <button type="button" ref={closeRef} onClick={onClose}>
            Close
          </button>
        </header>
        {SHORTCUT_GROUPS.map((group) => (
          <section key={group} aria-label={group}>
            <h3>{group}</h3>
            <dl>
              {SHORTCUTS.filter((shortcut) => shortcut.group === group).map((shortcut) => (
                <div key={shortcut.action}>
                  <dt>
                    <kbd>{keysOf(shortcut, apple)}</kbd>
                  </dt>
                  <dd>{shortcut.description}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </div>
  );
}
