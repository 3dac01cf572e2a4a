// Undo and redo as buttons, for those who do not use the keyboard shortcuts.
import { useStore } from "zustand";
import type { UndoStore } from "../store/undo";

export function UndoButtons({ undo }: { undo: UndoStore }) {
  const canUndo = useStore(undo, (s) => s.undoStack.length > 0);
  const canRedo = useStore(undo, (s) => s.redoStack.length > 0);
  return (
    <span className="undo-buttons">
      <button
        type="button"
        disabled={!canUndo}
        aria-keyshortcuts="Control+Z"
        onClick={() => undo.getState().undo()}
      >
        Undo
      </button>
      <button
        type="button"
        disabled={!canRedo}
        aria-keyshortcuts="Control+Shift+Z"
        onClick={() => undo.getState().redo()}
      >
        Redo
      </button>
    </span>
  );
}
