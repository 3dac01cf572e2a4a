/**
 * The VRRP state of the topology's HA routers: each state change their instances reported,
 * oldest first, and the state each instance is in now. Filled from the REST timeline whenever
 * the socket opens (the first time, and after losing it) and from the socket's `vrrp` events
 * in between; a transition heard both ways is kept once.
 *
 * The history starts again after a destroy finishes: it removed every instance. A `vrrp` event
 * or a timeline from before that destroy is of instances that no longer exist, and is ignored.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { VrrpStates, VrrpTimeline, VrrpTransition } from "../api/vrrp";
import type { Deployment, VrrpEvent } from "../model/events";
import { takenOver, type TakenOver } from "../model/vrrp";

/** The store keeps this many of the newest transitions. */
export const TRANSITION_LIMIT = 1000;

export interface VrrpStoreState {
  /** The destroy the history comes after; 0 when there has been none. */
  after: number;
  /** Oldest first, by the time their host saw them. */
  transitions: VrrpTransition[];
  /** How many older transitions are not in `transitions`. */
  earlier: number;
  /** The states known apart from `transitions`: the timeline's, and those of transitions
   * dropped off its old end. */
  settled: VrrpStates;
  /** Each router's instances by host, in the state each last reported. */
  states: VrrpStates;
  /** The masters another instance took over from, silent since (see model/vrrp.ts). */
  takenOver: TakenOver;
  /** Take the timeline as the REST API gives it. */
  load(timeline: VrrpTimeline): void;
  /** Take a socket `vrrp` event. */
  apply(event: VrrpEvent): void;
  /** Take a deploy or destroy that moved on: a destroy that finished ends the history. */
  deploymentMoved(deployment: Deployment): void;
}

export type VrrpStore = StoreApi<VrrpStoreState>;

function keyOf(t: VrrpTransition): string {
  return [t.deployment, t.router, t.host, t.at, t.old_state ?? "", t.new_state].join("|");
}

function timeOf(t: VrrpTransition): number {
  return Date.parse(t.at);
}

/** `transitions` without repeats, in time order; among equal times, in the order given. */
function ordered(transitions: readonly VrrpTransition[]): VrrpTransition[] {
  const seen = new Set<string>();
  const unique = transitions.filter((t) => {
    const key = keyOf(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  // Array.prototype.sort is stable.
  return unique.sort((a, b) => timeOf(a) - timeOf(b));
}

function setState(states: VrrpStates, t: Pick<VrrpTransition, "router" | "host" | "new_state">) {
  states[t.router] = { ...states[t.router], [t.host]: t.new_state };
}

function copyStates(states: VrrpStates): VrrpStates {
  return Object.fromEntries(
    Object.entries(states).map(([router, hosts]) => [router, { ...hosts }]),
  );
}

type Held = Pick<VrrpStoreState, "transitions" | "earlier" | "settled" | "states" | "takenOver">;

/** What the store holds, given the states known apart from the list and the transitions in
 * time order: the newest `TRANSITION_LIMIT` of them (the states of those dropped off the old
 * end become settled), and each instance's state now. */
function held(settled: VrrpStates, transitions: VrrpTransition[], earlier: number): Held {
  const kept = copyStates(settled);
  const extra = Math.max(0, transitions.length - TRANSITION_LIMIT);
  for (const dropped of transitions.slice(0, extra)) setState(kept, dropped);
  const listed = transitions.slice(extra);
  const states = copyStates(kept);
  for (const t of listed) setState(states, t);
  return {
    transitions: listed,
    earlier: earlier + extra,
    settled: kept,
    states,
    takenOver: takenOver(listed, states),
  };
}

const EMPTY = { transitions: [], earlier: 0, settled: {}, states: {}, takenOver: {} };

/** A store showing `initial`, or nothing until the first `load` or `apply`. */
export function createVrrpStore(initial: VrrpTimeline | null = null): VrrpStore {
  return createStore<VrrpStoreState>()((set, get) => ({
    after: initial?.after ?? 0,
    ...(initial === null
      ? EMPTY
      : held(initial.states, ordered(initial.transitions), initial.earlier)),
    load(timeline) {
      const after = timeline.after ?? 0;
      const current = get();
      // Taken before a destroy this store has seen finish: its instances are gone.
      if (after < current.after) return;
      // Live events are newer than the timeline or in it. Those older than its first
      // transition are in its `earlier` and its states; those from before a destroy it knows
      // of are gone with their instances.
      const first = timeline.transitions[0];
      const live = current.transitions.filter(
        (t) => t.deployment > after && (first === undefined || timeOf(t) >= timeOf(first)),
      );
      const transitions = ordered([...timeline.transitions, ...live]);
      set({ after, ...held(timeline.states, transitions, timeline.earlier) });
    },
    apply(event) {
      const current = get();
      if (event.deployment <= current.after) return;
      const { type: _type, ...transition } = event;
      const transitions = ordered([...current.transitions, transition]);
      if (transitions.length === current.transitions.length) return;
      set(held(current.settled, transitions, current.earlier));
    },
    deploymentMoved(deployment) {
      const ended = deployment.action === "destroy" && deployment.state === "destroyed";
      if (!ended || deployment.id <= get().after) return;
      set({ after: deployment.id, ...EMPTY });
    },
  }));
}
