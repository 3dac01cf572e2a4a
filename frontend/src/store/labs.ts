/**
 * A lab's dashboard: every student's copy with its last check, kept live by the lab's socket
 * (/ws/labs/{id}/). The socket sends all copies when it opens and then each copy as it is
 * started, checked or reset; the dashboard takes the first as the whole class and merges the
 * others in. When the socket closes it opens again, with a growing pause, and the snapshot it
 * sends then replaces whatever the dashboard missed.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { LabCopy } from "../api/labs";

export interface LabProgressEvent {
  type: "lab_progress";
  lab: number;
  copies: LabCopy[];
}

/** "connecting" before the first snapshot and after a close; "refused": the server will not
 * let the caller watch (not an instructor or staff, or no such lab), so it is not tried again. */
export type DashboardLink = "connecting" | "live" | "refused";

export interface DashboardState {
  lab: number;
  /** By student name, as the server lists them. */
  copies: LabCopy[];
  link: DashboardLink;
  /** Take a message from the socket; `snapshot`: the first one since it opened. */
  receive(event: LabProgressEvent, snapshot: boolean): void;
  /** Take a copy as a REST answer gave it (after an instructor's reset, say). */
  put(copy: LabCopy): void;
  setLink(link: DashboardLink): void;
}

function byStudent(a: LabCopy, b: LabCopy): number {
  return a.student < b.student ? -1 : a.student > b.student ? 1 : a.id - b.id;
}

/** The copies after `event`: a snapshot replaces them all; otherwise each copy it carries
 * takes the place of the one with its id, unless that one was checked later (messages from
 * before a reconnect may arrive after the snapshot's answer to the same check). */
export function mergeProgress(
  copies: LabCopy[],
  event: LabProgressEvent,
  snapshot: boolean,
): LabCopy[] {
  if (snapshot) return [...event.copies].sort(byStudent);
  const merged = new Map(copies.map((copy) => [copy.id, copy]));
  for (const copy of event.copies) {
    const known = merged.get(copy.id);
    if (known === undefined || !newer(known, copy)) merged.set(copy.id, copy);
  }
  return [...merged.values()].sort(byStudent);
}

/** Whether `a` holds a later state of the copy than `b`. */
function newer(a: LabCopy, b: LabCopy): boolean {
  const stamp = (copy: LabCopy) =>
    Math.max(
      Date.parse(copy.checked_at ?? "") || 0,
      Date.parse(copy.reset_at ?? "") || 0,
      Date.parse(copy.started_at) || 0,
    );
  return stamp(a) > stamp(b);
}

export function createDashboardStore(lab: number): StoreApi<DashboardState> {
  return createStore<DashboardState>((set) => ({
    lab,
    copies: [],
    link: "connecting",
    receive: (event, snapshot) => {
      if (event.type !== "lab_progress" || event.lab !== lab) return;
      set((state) => ({ copies: mergeProgress(state.copies, event, snapshot), link: "live" }));
    },
    put: (copy) =>
      set((state) => ({
        copies: mergeProgress(state.copies, { type: "lab_progress", lab, copies: [copy] }, false),
      })),
    setLink: (link) => set({ link }),
  }));
}

/** What the dashboard needs of a WebSocket (the browser's, or a test's). */
export interface DashboardSocket {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number }) => void) | null;
  close(): void;
}

/** Close codes after which trying again cannot help. */
const REFUSED = new Set([4401, 4403, 4404]);
export const RETRY_MS = (attempt: number) => Math.min(15_000, 500 * 2 ** attempt);

export function dashboardUrl(lab: number, location: { protocol: string; host: string }): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/labs/${lab}/`;
}

/** Keep `store` live over the lab's socket until the returned function is called. */
export function connectDashboard(
  store: StoreApi<DashboardState>,
  open: () => DashboardSocket = () =>
    new WebSocket(dashboardUrl(store.getState().lab, window.location)) as DashboardSocket,
  later: (run: () => void, ms: number) => unknown = setTimeout,
): () => void {
  let socket: DashboardSocket | null = null;
  let attempts = 0;
  let stopped = false;
  const connect = () => {
    if (stopped) return;
    let first = true;
    socket = open();
    socket.onmessage = (message) => {
      if (typeof message.data !== "string") return;
      let event: LabProgressEvent;
      try {
        event = JSON.parse(message.data) as LabProgressEvent;
      } catch {
        return;
      }
      store.getState().receive(event, first);
      first = false;
      attempts = 0;
    };
    socket.onclose = (event) => {
      socket = null;
      if (stopped) return;
      if (REFUSED.has(event.code)) {
        store.getState().setLink("refused");
        return;
      }
      store.getState().setLink("connecting");
      later(connect, RETRY_MS(attempts));
      attempts += 1;
    };
  };
  connect();
  return () => {
    stopped = true;
    socket?.close();
  };
}
