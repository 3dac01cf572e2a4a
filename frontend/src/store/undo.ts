/**
 * The undo stack. Each person's action is one edit; undoing it sends its inverse (computed
 * from the document before the action) as a new edit, and redoing sends the action again.
 * Inverses touch only what the action changed, so edits by others in between stay.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import {
  invertOperations,
  resolveInverse,
  type InverseOperation,
} from "../model/inverse";
import { OperationError, type Operation } from "../model/operations";
import type { DocumentStore } from "./document";

/** What the undo stack sends edits through: the sync module. */
export interface Submitter {
  submit(ops: Operation[]): string;
}

interface Entry {
  label: string;
  /** What to apply to go back (on the undo stack) or forward (on the redo stack). */
  ops: InverseOperation[];
  /** The edit that made this entry; if the server refuses it, the entry goes. */
  editId: string;
}

export interface UndoState {
  undoStack: Entry[];
  redoStack: Entry[];
  /** Do `ops` as one undoable action. Returns the edit id. Throws like `submit`. */
  perform(label: string, ops: Operation[]): string;
  /** Returns false when there was nothing (left) to undo. */
  undo(): boolean;
  redo(): boolean;
}

export type UndoStore = StoreApi<UndoState>;

const MAX_ENTRIES = 200;

export function createUndoStore(documents: DocumentStore, submitter: Submitter): UndoStore {
  const store = createStore<UndoState>()((set, get) => {
    /** Apply `entry`, and return the entry that takes it back, or null if nothing to do. */
    const replay = (entry: Entry, verb: string): Entry | null => {
      const document = documents.getState().document;
      try {
        const ops = resolveInverse(document, entry.ops);
        if (ops.length === 0) return null;
        const back = invertOperations(document, ops);
        const editId = submitter.submit(ops);
        return { label: entry.label, ops: back, editId };
      } catch (error) {
        if (!(error instanceof OperationError)) throw error;
        documents.getState().report({
          editId: null,
          code: "conflict",
          detail: `Cannot ${verb} "${entry.label}": what it changed was changed by someone else.`,
          errors: [{ path: error.path, message: error.detail }],
        });
        return null;
      }
    };

    return {
      undoStack: [],
      redoStack: [],

      perform(label, ops) {
        const inverse = invertOperations(documents.getState().document, ops);
        const editId = submitter.submit(ops);
        set({
          undoStack: [...get().undoStack, { label, ops: inverse, editId }].slice(-MAX_ENTRIES),
          redoStack: [],
        });
        return editId;
      },

      undo() {
        const entry = get().undoStack.at(-1);
        if (entry === undefined) return false;
        const redo = replay(entry, "undo");
        set({
          undoStack: get().undoStack.slice(0, -1),
          redoStack: redo ? [...get().redoStack, redo] : get().redoStack,
        });
        return redo !== null;
      },

      redo() {
        const entry = get().redoStack.at(-1);
        if (entry === undefined) return false;
        const undo = replay(entry, "redo");
        set({
          redoStack: get().redoStack.slice(0, -1),
          undoStack: undo ? [...get().undoStack, undo] : get().undoStack,
        });
        return undo !== null;
      },
    };
  });

  // An edit the server refused, or that no longer applied, did not happen: forget its entry.
  documents.subscribe((state, previous) => {
    if (state.problems === previous.problems) return;
    const refused = new Set(
      state.problems.filter((p) => !previous.problems.includes(p)).map((p) => p.editId),
    );
    if (refused.size === 0) return;
    const keep = (entry: Entry) => !refused.has(entry.editId);
    const { undoStack, redoStack } = store.getState();
    store.setState({ undoStack: undoStack.filter(keep), redoStack: redoStack.filter(keep) });
  });
  return store;
}
