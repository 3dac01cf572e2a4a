/**
 * View state: what the person is looking at, not what the topology is. Positions while a
 * drag is under way (the document changes once, when the drag ends), the selection and the
 * viewport. Nothing here is sent to the server except through an action on the document.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Position } from "../generated/document";

export interface ViewState {
  dragging: Record<string, Position>;
  selection: string[];
  viewport: { x: number; y: number; zoom: number };
  dragTo(id: string, position: Position): void;
  /** End the drag: returns where the dragged items ended up, and forgets them. */
  endDrag(): Record<string, Position>;
  select(ids: string[]): void;
  setViewport(viewport: ViewState["viewport"]): void;
}

export type ViewStore = StoreApi<ViewState>;

export function createViewStore(): ViewStore {
  return createStore<ViewState>()((set, get) => ({
    dragging: {},
    selection: [],
    viewport: { x: 0, y: 0, zoom: 1 },
    dragTo(id, position) {
      set({ dragging: { ...get().dragging, [id]: { x: position.x, y: position.y } } });
    },
    endDrag() {
      const ended = get().dragging;
      set({ dragging: {} });
      return ended;
    },
    select(ids) {
      set({ selection: [...ids].sort() });
    },
    setViewport(viewport) {
      set({ viewport });
    },
  }));
}
