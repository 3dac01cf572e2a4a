// The VRRP store: the timeline read over REST and the `vrrp` events merge without repeats, in
// time order; each instance's state is the last it reported; a destroy that finished starts
// the history again, and anything from before it, arriving late, is ignored; the list keeps
// only the newest transitions, without losing the state of an instance whose last one fell off.
import { describe, expect, it } from "vitest";
import type { VrrpTimeline, VrrpTransition } from "../src/api/vrrp";
import type { Deployment, VrrpEvent, VrrpState } from "../src/model/events";
import { createVrrpStore, TRANSITION_LIMIT } from "../src/store/vrrp";

const START = Date.parse("2026-03-01T12:00:00+00:00");

function at(second: number): string {
  return new Date(START + second * 1000).toISOString();
}

function transition(
  host: string,
  old_state: VrrpState | null,
  new_state: VrrpState,
  second: number,
  { router = "r1", deployment = 5 } = {},
): VrrpTransition {
  return { deployment, router, host, old_state, new_state, at: at(second) };
}

function event(t: VrrpTransition): VrrpEvent {
  return { type: "vrrp", ...t };
}

function timelineOf(
  transitions: VrrpTransition[],
  states: VrrpTimeline["states"],
  after: number | null = null,
): VrrpTimeline {
  return { after, transitions, earlier: 0, states };
}

function attempt(id: number, action: "deploy" | "destroy", state: Deployment["state"]): Deployment {
  return {
    id,
    action,
    state,
    revision: action === "deploy" ? 1 : null,
    progress: 100,
    hosts: {},
    error: "",
    requested_by: null,
    started_at: null,
    finished_at: null,
  };
}

const ELECTION = [
  transition("net1", null, "backup", 0),
  transition("net2", null, "backup", 0.5),
  transition("net1", "backup", "master", 3),
];

describe("the VRRP store", () => {
  it("starts empty, or with the timeline it is given", () => {
    const state = createVrrpStore().getState();
    expect(state.transitions).toEqual([]);
    expect(state.states).toEqual({});
    expect(state.after).toBe(0);
    const given = createVrrpStore(timelineOf([ELECTION[2]!, ELECTION[0]!], {}, 4)).getState();
    expect(given.transitions).toEqual([ELECTION[0], ELECTION[2]]);
    expect(given.states).toEqual({ r1: { net1: "master" } });
    expect(given.after).toBe(4);
  });

  it("takes the timeline, then events, and knows who is master", () => {
    const store = createVrrpStore();
    store.getState().load(timelineOf(ELECTION, { r1: { net1: "master", net2: "backup" } }));
    expect(store.getState().states).toEqual({ r1: { net1: "master", net2: "backup" } });
    store.getState().apply(event(transition("net1", "master", "stop", 60)));
    store.getState().apply(event(transition("net2", "backup", "master", 63)));
    const state = store.getState();
    expect(state.states).toEqual({ r1: { net1: "stop", net2: "master" } });
    expect(state.takenOver).toEqual({});
    expect(state.transitions.map((t) => [t.host, t.new_state])).toEqual([
      ["net1", "backup"],
      ["net2", "backup"],
      ["net1", "master"],
      ["net1", "stop"],
      ["net2", "master"],
    ]);
  });

  it("keeps a transition heard both as an event and in the timeline once", () => {
    const store = createVrrpStore();
    // Events while the timeline is being read: one it has, one after it.
    store.getState().apply(event(ELECTION[2]!));
    const late = transition("net1", "master", "fault", 9);
    store.getState().apply(event(late));
    store.getState().load(timelineOf(ELECTION, { r1: { net1: "master", net2: "backup" } }));
    const state = store.getState();
    expect(state.transitions).toEqual([...ELECTION, late]);
    expect(state.states).toEqual({ r1: { net1: "fault", net2: "backup" } });
    // The same event again changes nothing, not even the objects.
    const before = store.getState();
    store.getState().apply(event(late));
    expect(store.getState()).toBe(before);
  });

  it("orders an event that arrives late by the time its host saw it", () => {
    const store = createVrrpStore();
    store.getState().apply(event(ELECTION[2]!));
    store.getState().apply(event(ELECTION[0]!));
    expect(store.getState().transitions).toEqual([ELECTION[0], ELECTION[2]]);
    expect(store.getState().states).toEqual({ r1: { net1: "master" } });
  });

  it("knows a master killed outright was taken over", () => {
    const store = createVrrpStore();
    store.getState().load(timelineOf(ELECTION, { r1: { net1: "master", net2: "backup" } }));
    expect(store.getState().takenOver).toEqual({});
    store.getState().apply(event(transition("net2", "backup", "master", 61)));
    expect(store.getState().states).toEqual({ r1: { net1: "master", net2: "master" } });
    expect(store.getState().takenOver).toEqual({ r1: { net1: Date.parse(at(61)) } });
    // Started again, it reports backup: one master again.
    store.getState().apply(event(transition("net1", "master", "backup", 90)));
    expect(store.getState().takenOver).toEqual({});
  });

  it("keeps each router's instances apart", () => {
    const store = createVrrpStore();
    store.getState().apply(event(transition("net1", null, "master", 1, { router: "r1" })));
    store.getState().apply(event(transition("net1", null, "backup", 1, { router: "r2" })));
    expect(store.getState().states).toEqual({ r1: { net1: "master" }, r2: { net1: "backup" } });
  });

  it("starts again after a destroy finished and ignores what came before it", () => {
    const store = createVrrpStore();
    store.getState().load(timelineOf(ELECTION, { r1: { net1: "master", net2: "backup" } }));
    store.getState().deploymentMoved(attempt(6, "destroy", "applying"));
    expect(store.getState().states).toEqual({ r1: { net1: "master", net2: "backup" } });
    store.getState().apply(event(transition("net1", "master", "stop", 20, { deployment: 6 })));
    store.getState().deploymentMoved(attempt(6, "destroy", "destroyed"));
    expect(store.getState().transitions).toEqual([]);
    expect(store.getState().states).toEqual({});
    expect(store.getState().after).toBe(6);
    // Late news of the instances the destroy removed.
    store.getState().apply(event(transition("net2", "backup", "stop", 20, { deployment: 6 })));
    store.getState().load(timelineOf(ELECTION, { r1: { net1: "master", net2: "backup" } }));
    expect(store.getState().transitions).toEqual([]);
    // A deploy after it, and a timeline that knows of the destroy.
    const fresh = transition("net2", null, "master", 40, { deployment: 7 });
    store.getState().apply(event(fresh));
    store.getState().load(timelineOf([fresh], { r1: { net2: "master" } }, 6));
    expect(store.getState().transitions).toEqual([fresh]);
    expect(store.getState().states).toEqual({ r1: { net2: "master" } });
    // A deploy finishing, or a destroy that failed, ends nothing.
    store.getState().deploymentMoved(attempt(7, "deploy", "deployed"));
    store.getState().deploymentMoved(attempt(8, "destroy", "failed"));
    expect(store.getState().transitions).toEqual([fresh]);
  });

  it("drops live transitions of instances a destroy in the timeline removed", () => {
    const store = createVrrpStore();
    store.getState().apply(event(transition("net1", null, "master", 1, { deployment: 3 })));
    const fresh = transition("net1", null, "backup", 30, { deployment: 5 });
    store.getState().load(timelineOf([fresh], { r1: { net1: "backup" } }, 4));
    expect(store.getState().transitions).toEqual([fresh]);
    expect(store.getState().after).toBe(4);
  });

  it("takes the state of an instance with no transition listed from the timeline", () => {
    const store = createVrrpStore();
    const listed = transition("net2", "master", "backup", 100);
    store.getState().load({
      after: null,
      transitions: [listed],
      earlier: 7,
      states: { r1: { net1: "master", net2: "backup" } },
    });
    expect(store.getState().states).toEqual({ r1: { net1: "master", net2: "backup" } });
    expect(store.getState().earlier).toBe(7);
  });

  it("leaves transitions older than a timeline to its count of earlier ones", () => {
    const store = createVrrpStore();
    store.getState().apply(event(ELECTION[0]!));
    store.getState().load({
      after: null,
      transitions: [ELECTION[2]!],
      earlier: 2,
      states: { r1: { net1: "master", net2: "backup" } },
    });
    expect(store.getState().transitions).toEqual([ELECTION[2]]);
    expect(store.getState().earlier).toBe(2);
  });

  it("keeps the newest transitions and the states of those it drops", () => {
    const store = createVrrpStore();
    store.getState().apply(event(transition("net9", null, "fault", 0)));
    for (let i = 1; i <= TRANSITION_LIMIT; i++) {
      const state = i % 2 === 0 ? "master" : "backup";
      store.getState().apply(event(transition("net1", null, state, i)));
    }
    const state = store.getState();
    expect(state.transitions).toHaveLength(TRANSITION_LIMIT);
    expect(state.transitions[0]!.at).toBe(at(1));
    expect(state.earlier).toBe(1);
    expect(state.states).toEqual({ r1: { net9: "fault", net1: "master" } });
  });
});
