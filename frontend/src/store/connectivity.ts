/**
 * Connectivity checks as the editor shows them: every check known, by id, filled from the
 * REST list when the editor opens and from the socket's `connectivity` events after; the check
 * the panel shows; and the one result picked, whose path the canvas highlights. A check never
 * goes back from finished to under way when an older answer arrives late.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Check, CheckResult, CheckState, ConnectivityEvent } from "../api/checks";

const STAGE: Record<CheckState, number> = { queued: 0, running: 1, done: 2, failed: 2 };

/** Whether the check is still waiting or running. */
export function isRunning(check: Check | null): boolean {
  return check !== null && STAGE[check.state] < 2;
}

/** One result of one check. */
export interface ResultRef {
  check: number;
  index: number;
}

export interface ConnectivityState {
  checks: Record<number, Check>;
  /** The check the panel shows in full; null: the newest. */
  shown: number | null;
  /** The result whose path the canvas highlights. */
  selected: ResultRef | null;
  /** Take checks as the REST API lists them. */
  load(checks: readonly Check[]): void;
  /** Take a socket event. */
  apply(event: ConnectivityEvent): void;
  /** A check this person has just started: shown, and the highlight of an older one cleared. */
  started(check: Check): void;
  show(id: number | null): void;
  select(result: ResultRef | null): void;
}

export type ConnectivityStore = StoreApi<ConnectivityState>;

/** `incoming` replaces `current` unless it is an earlier stage of the same check. */
function merge(checks: Record<number, Check>, incoming: Check): Record<number, Check> {
  const current = checks[incoming.id];
  if (current !== undefined && STAGE[incoming.state] < STAGE[current.state]) return checks;
  return { ...checks, [incoming.id]: incoming };
}

export function createConnectivityStore(initial: readonly Check[] = []): ConnectivityStore {
  return createStore<ConnectivityState>()((set, get) => ({
    checks: initial.reduce(merge, {}),
    shown: null,
    selected: null,
    load(checks) {
      set({ checks: checks.reduce(merge, get().checks) });
    },
    apply(event) {
      set({ checks: merge(get().checks, event.check) });
    },
    started(check) {
      set({ checks: merge(get().checks, check), shown: check.id, selected: null });
    },
    show(id) {
      const { selected } = get();
      // The highlight belongs to the check shown: picking another clears it.
      set({ shown: id, selected: selected !== null && selected.check === id ? selected : null });
    },
    select(result) {
      set({ selected: result });
    },
  }));
}

/** The checks, newest first. */
export function newestFirst(checks: Readonly<Record<number, Check>>): Check[] {
  return Object.values(checks).sort((a, b) => b.id - a.id);
}

/** The check the panel shows: the one picked, or the newest. */
export function shownCheck(state: Pick<ConnectivityState, "checks" | "shown">): Check | null {
  if (state.shown !== null) return state.checks[state.shown] ?? null;
  const ids = Object.keys(state.checks).map(Number);
  return ids.length === 0 ? null : state.checks[Math.max(...ids)]!;
}

/** The result picked, while its check still has it. */
export function selectedResult(
  state: Pick<ConnectivityState, "checks" | "selected">,
): CheckResult | null {
  const { selected } = state;
  if (selected === null) return null;
  return state.checks[selected.check]?.results[selected.index] ?? null;
}
