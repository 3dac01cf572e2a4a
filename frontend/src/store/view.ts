/**
 * View state: what the person is looking at, not what the topology is. Positions while a
 * drag is under way (the document changes once, when the drag ends), the selection, the
 * viewport, and a notice about something the editor refused to do. Nothing here is sent to
 * the server except through an action on the document.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Position } from "../generated/document";

export interface Size {
  width: number;
  height: number;
}

export interface ViewState {
  dragging: Record<string, Position>;
  /** Each node's size as the browser drew it: the canvas needs it back on every redraw. */
  sizes: Record<string, Size>;
  selection: string[];
  viewport: { x: number; y: number; zoom: number };
  /** Why the last action was refused, shown until the next one. */
  notice: string | null;
  /** Drawing a link from the keyboard: the element it starts from, until a target is chosen. */
  linkFrom: string | null;
  dragTo(id: string, position: Position): void;
  /** End the drag: returns where the dragged items ended up, and forgets them. */
  endDrag(): Record<string, Position>;
  select(ids: string[]): void;
  measure(sizes: Record<string, Size>): void;
  setViewport(viewport: ViewState["viewport"]): void;
  notify(notice: string | null): void;
  startLink(from: string | null): void;
}

export type ViewStore = StoreApi<ViewState>;

export function createViewStore(): ViewStore {
  return createStore<ViewState>()((set, get) => ({
    dragging: {},
    sizes: {},
    selection: [],
    viewport: { x: 0, y: 0, zoom: 1 },
    notice: null,
    linkFrom: null,
    dragTo(id, position) {
      set({ dragging: { ...get().dragging, [id]: { x: position.x, y: position.y } } });
    },
    endDrag() {
      const ended = get().dragging;
      set({ dragging: {} });
      return ended;
    },
    select(ids) {
      const sorted = [...new Set(ids)].sort();
      const current = get().selection;
      // The same selection again keeps its identity, so the canvas does not redraw.
      if (sorted.length === current.length && sorted.every((id, i) => id === current[i])) return;
      set({ selection: sorted });
    },
    measure(sizes) {
      set({ sizes: { ...get().sizes, ...sizes } });
    },
    setViewport(viewport) {
      set({ viewport });
    },
    notify(notice) {
      set({ notice });
    },
    startLink(from) {
      set({ linkFrom: from });
    },
  }));
}
