// HA drills: which drills a router allows now and why not the others; how a drill, its
// probe's measure of the outage and each HA event read; the store merging the REST history
// with live drills and events, reading again as a router's events settle; and the controls as
// rendered HTML, with buttons for those who may drill and none for the others.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import {
  refusalText,
  type Drill,
  type DrillHistory,
  type DrillProbe,
  type HaEvent,
} from "../src/api/drills";
import { ApiError } from "../src/api/client";
import { DrillControls } from "../src/editor/DrillControls";
import { FailoverTimeline } from "../src/editor/FailoverTimeline";
import type { TopologyDocument } from "../src/generated/document";
import {
  availability,
  drillStateText,
  drillTitle,
  eventNotes,
  eventTitle,
  masterOf,
  outageText,
  PROBE_WAIT_MS,
  settling,
  switchoverTargets,
  type RouterSituation,
  UNDER_WAY_MS,
} from "../src/model/drills";
import type { Deployment } from "../src/model/events";
import { AFTER_TRANSITION_MS, createDrillStore, SETTLING_MS } from "../src/store/drills";
import { createVrrpStore } from "../src/store/vrrp";

const DEPLOYED: Deployment = {
  id: 4,
  action: "deploy",
  state: "deployed",
  revision: 1,
  progress: 100,
  hosts: {},
  error: "",
  requested_by: null,
  started_at: "2026-03-01T11:59:00+00:00",
  finished_at: "2026-03-01T11:59:30+00:00",
};
const DESTROYED: Deployment = { ...DEPLOYED, id: 9, action: "destroy", state: "destroyed" };
const T0 = Date.parse("2026-03-01T12:00:00+00:00");
const at = (second: number) => new Date(T0 + second * 1000).toISOString();

function drill(id: number, change: Partial<Drill> = {}): Drill {
  return {
    id,
    deployment: 4,
    router: "r1",
    kind: "crash_master",
    target_host: null,
    host: "net1",
    state: "done",
    hosts: { net1: "done" },
    requested_at: at(0),
    at: at(0.2),
    finished_at: at(0.5),
    error: "",
    hold_seconds: null,
    outage_seconds: null,
    probe: null,
    ...change,
  };
}

/** The probe of a drill, in `state`, having measured `gap` seconds (null: not yet). */
function probeOf(state: DrillProbe["state"], gap: number | null): DrillProbe {
  return {
    source: "app-1",
    target: "outside",
    address: "203.0.113.2",
    state,
    sent: gap === null ? null : 100,
    received: gap === null ? null : 96,
    longest_gap_seconds: gap,
    gap_started_at: gap === null ? null : at(0.2),
    error: "",
  };
}

function failover(change: Partial<Extract<HaEvent, { type: "failover" }>> = {}): HaEvent {
  return {
    type: "failover",
    deployment: 4,
    router: "r1",
    from_host: "net1",
    to_host: "net2",
    at: at(0.6),
    no_master_since: at(0.2),
    no_master_seconds: 0.37,
    measured_from: "last_known",
    drill: 7,
    ...change,
  };
}

function situation(change: Partial<RouterSituation> = {}): RouterSituation {
  return {
    deployment: DEPLOYED,
    states: { net1: "master", net2: "backup" },
    takenOver: {},
    nopreempt: false,
    latest: null,
    now: T0 + 1000,
    ...change,
  };
}

function enabled(s: RouterSituation): string[] {
  return Object.entries(availability(s))
    .filter(([, a]) => a.enabled)
    .map(([kind]) => kind);
}

describe("which drills a router allows", () => {
  it("allows every drill with one master and another instance to move to", () => {
    expect(enabled(situation())).toEqual([
      "crash_master",
      "cut_link",
      "host_failure",
      "switchover",
      "failback",
    ]);
    expect(switchoverTargets(situation())).toEqual(["net2"]);
    expect(availability(situation()).crash_master.reason).toBeNull();
  });

  it("allows none when nothing is deployed, or the deploy was destroyed", () => {
    for (const deployment of [null, DESTROYED]) {
      const allowed = availability(situation({ deployment, states: {} }));
      for (const kind of Object.values(allowed)) {
        expect(kind).toEqual({
          enabled: false,
          reason: "Nothing is deployed: deploy the topology first.",
        });
      }
    }
  });

  it("allows none before any instance has reported", () => {
    expect(enabled(situation({ states: {} }))).toEqual([]);
    expect(availability(situation({ states: {} })).failback.reason).toMatch(/reported/);
  });

  it("allows only a failback when no instance is master", () => {
    const s = situation({ states: { net1: "stop", net2: "backup" } });
    expect(enabled(s)).toEqual(["failback"]);
    expect(availability(s).crash_master.reason).toBe("No instance reports master now.");
    expect(availability(s).switchover.reason).toBe("No instance reports master now.");
  });

  it("takes a master taken over for gone, and two masters for no one master", () => {
    const over = situation({
      states: { net1: "master", net2: "master" },
      takenOver: { net1: T0 },
    });
    expect(masterOf(over.states, over.takenOver)).toBe("net2");
    expect(enabled(over)).toContain("crash_master");
    expect(switchoverTargets(over)).toEqual(["net1"]);
    const split = situation({ states: { net1: "master", net2: "master" } });
    expect(masterOf(split.states)).toBeNull();
    expect(availability(split).crash_master.reason).toMatch(/More than one instance/);
  });

  it("refuses a switchover on a router with nopreempt, or with one instance", () => {
    expect(availability(situation({ nopreempt: true })).switchover.reason).toMatch(/nopreempt/);
    expect(availability(situation({ states: { net1: "master" } })).switchover.reason).toMatch(
      /no other instance/,
    );
    expect(enabled(situation({ nopreempt: true }))).not.toContain("switchover");
  });

  it("allows only a failback while a drill is under way, which ends it", () => {
    const s = situation({ latest: drill(7, { state: "queued", finished_at: null }) });
    expect(enabled(s)).toEqual(["failback"]);
    expect(availability(s).crash_master.reason).toBe(
      "A drill is under way: wait for it to finish.",
    );
    expect(enabled(situation({ latest: drill(7) }))).toHaveLength(5);
  });

  it("allows none while a failback is under way", () => {
    const s = situation({ latest: drill(7, { kind: "failback", state: "queued" }) });
    expect(enabled(s)).toEqual([]);
    expect(availability(s).failback.reason).toBe("A drill is under way: wait for it to finish.");
  });

  it("waits for the last drill's probe to finish measuring", () => {
    const measuring = situation({ latest: drill(7, { probe: probeOf("running", null) }) });
    expect(enabled(measuring)).toEqual(["failback"]);
    expect(availability(measuring).cut_link.reason).toMatch(/probe is still measuring/);
    const measured = situation({ latest: drill(7, { probe: probeOf("done", 0.4) }) });
    expect(enabled(measured)).toHaveLength(5);
  });

  it("no longer waits for a drill lost long ago, as the server does not", () => {
    const lost = drill(7, { state: "queued", finished_at: null, probe: probeOf("running", null) });
    expect(enabled(situation({ latest: lost, now: T0 + UNDER_WAY_MS - 1 }))).toEqual(["failback"]);
    expect(enabled(situation({ latest: lost, now: T0 + UNDER_WAY_MS }))).toHaveLength(5);
  });
});

describe("how drills and events read", () => {
  it("names a drill by what it acts on", () => {
    expect(drillTitle(drill(1))).toBe("Crash master on net1");
    expect(drillTitle(drill(2, { kind: "switchover", target_host: "net2", host: "net2" }))).toBe(
      "Switchover to net2",
    );
    expect(drillTitle(drill(3, { kind: "failback" }))).toBe("Failback to net1");
    expect(drillTitle(drill(4, { kind: "cut_link" }))).toBe("Cut link on net1");
  });

  it("tells each host's part of a drill under way on several", () => {
    const failback = drill(3, {
      kind: "failback",
      state: "queued",
      hosts: { net2: "queued", net1: "done" },
      finished_at: null,
    });
    expect(drillStateText(failback)).toBe("under way (net1 done, net2 under way)");
    expect(drillStateText({ ...failback, state: "done" })).toBe("done");
    expect(drillStateText(drill(1, { state: "failed" }))).toBe("failed");
  });

  it("shows the probe's outage once it has measured, and reads again until then", () => {
    const now = T0 + 2000;
    expect(outageText(drill(1))).toBeNull();
    expect(outageText(drill(1, { outage_seconds: null, probe: null }))).toBeNull();
    const probe = probeOf("done", 0.412);
    const measured = drill(1, { outage_seconds: 0.412, probe });
    expect(outageText(measured)).toBe("outage 0.41 s (96 of 100 pings answered)");
    expect(settling([measured], now)).toBe(false);
    const running = drill(1, {
      outage_seconds: null,
      probe: { ...probe, state: "running", sent: null, received: null, longest_gap_seconds: null },
    });
    expect(outageText(running)).toBe("measuring the outage…");
    expect(settling([running], now)).toBe(true);
    // Read again for a while after the drill's end, not for ever.
    expect(settling([running], T0 + 500 + PROBE_WAIT_MS + 1)).toBe(false);
    const failed = drill(1, {
      outage_seconds: null,
      probe: { ...probe, state: "failed", longest_gap_seconds: null, error: "no route" },
    });
    expect(outageText(failed)).toBe("outage not measured: no route");
    expect(settling([drill(1)], now)).toBe(false);
  });

  it("puts the drill, the time without a master and the outage beside a move", () => {
    const drills = [drill(7, { outage_seconds: 0.5, probe: probeOf("done", 0.5) })];
    expect(eventTitle(failover())).toBe("Failover net1 → net2");
    expect(eventNotes(failover(), drills)).toEqual({
      drill: "drill #7 (Crash master)",
      noMaster: "0.37 s without a master",
      lasted: null,
      outage: "outage 0.50 s (96 of 100 pings answered)",
    });
    expect(eventNotes(failover({ drill: null, no_master_seconds: 0 }), drills)).toEqual({
      drill: "no drill",
      noMaster: "no time without a master",
      lasted: null,
      outage: null,
    });
    const split: HaEvent = {
      type: "split_brain",
      deployment: 4,
      router: "r1",
      hosts: ["net1", "net2"],
      since: at(1),
      ended_at: null,
      drill: null,
    };
    expect(eventTitle(split)).toBe("Split brain: net1, net2 master at once");
    expect(eventNotes(split, drills)).toEqual({
      drill: "no drill",
      noMaster: null,
      lasted: "not over",
      outage: null,
    });
    // A cut link leaves two masters for as long as it holds.
    const cut = [drill(8, { kind: "cut_link", hold_seconds: 5, probe: probeOf("done", 5.1) })];
    expect(eventNotes({ ...split, drill: 8, ended_at: at(6.2) }, cut)).toEqual({
      drill: "drill #8 (Cut link)",
      noMaster: null,
      lasted: "lasted 5.20 s",
      outage: "outage 5.10 s (96 of 100 pings answered)",
    });
  });

  it("gives the API's words on a refused request", () => {
    const one = new ApiError(409, "no_master", "No instance of router r1 reports MASTER now.", []);
    expect(refusalText(one)).toBe("No instance of router r1 reports MASTER now.");
    const two = new ApiError(400, "invalid_input", "target_host: is the master already", [
      { path: "target_host", message: "is the master already" },
      { path: "kind", message: "the router has nopreempt" },
    ]);
    expect(refusalText(two)).toBe(
      "target_host: is the master already; kind: the router has nopreempt",
    );
  });
});

/** A store whose reads answer from `answers` and whose timers a test fires by hand. */
function harness(answers: DrillHistory[]) {
  const reads: string[] = [];
  const timers: { callback: () => void; ms: number; cleared: boolean }[] = [];
  let now = T0 + 1000;
  const store = createDrillStore(
    (router) => {
      reads.push(router);
      const answer = answers.shift();
      return answer ? Promise.resolve(answer) : Promise.reject(new Error("unavailable"));
    },
    {
      setTimer: (callback, ms) => {
        const timer = { callback, ms, cleared: false };
        timers.push(timer);
        return timer;
      },
      clearTimer: (timer) => void ((timer as (typeof timers)[number]).cleared = true),
      now: () => now,
    },
  );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { store, reads, timers, settle, advance: (ms: number) => (now += ms) };
}

describe("the drill store", () => {
  it("keeps the furthest copy of each drill and each event once", async () => {
    const { store, settle } = harness([{ drills: [drill(7)], events: [failover()] }]);
    store.getState().applyDrill(drill(7, { state: "queued", finished_at: null }));
    store.getState().applyEvent(failover());
    store.getState().refresh("r1");
    await settle();
    const r1 = store.getState().routers.r1!;
    expect(r1.drills).toEqual([drill(7)]);
    expect(r1.events).toEqual([failover()]);
    // A queued copy arriving late does not undo the end; a measured one adds to it.
    store.getState().applyDrill(drill(7, { state: "queued", finished_at: null }));
    expect(store.getState().routers.r1!.drills[0]!.state).toBe("done");
    store.getState().applyEvent({
      type: "drill",
      drill: drill(7, { outage_seconds: 0.3, probe: probeOf("done", 0.3) }),
    });
    expect(store.getState().routers.r1!.drills[0]!.outage_seconds).toBe(0.3);
  });

  it("forgets what came before a destroy that finished", () => {
    const { store } = harness([]);
    store.getState().applyDrill(drill(7));
    store.getState().applyEvent(failover());
    store.getState().deploymentMoved(DESTROYED);
    expect(store.getState().routers.r1).toEqual({ drills: [], events: [], error: null });
    store.getState().applyEvent(failover());
    store.getState().load("r1", { drills: [drill(7)], events: [failover()] });
    expect(store.getState().routers.r1!.events).toEqual([]);
    expect(store.getState().routers.r1!.drills).toEqual([]);
  });

  it("reads once at a time, and again after a transition as its events settle", async () => {
    const history = { drills: [], events: [] };
    const { store, reads, timers, settle } = harness([history, history, history]);
    store.getState().watch("r1");
    store.getState().watch("r1");
    store.getState().refresh("r1");
    expect(reads).toEqual(["r1"]);
    await settle();
    await settle();
    // The read asked for while one was on its way followed it.
    expect(reads).toEqual(["r1", "r1"]);
    const transition = {
      type: "vrrp" as const,
      deployment: 4,
      router: "r1",
      host: "net2",
      old_state: "backup" as const,
      new_state: "master" as const,
      at: at(1),
    };
    store.getState().heard(transition);
    store.getState().heard(transition);
    const live = timers.filter((t) => !t.cleared);
    expect(live.map((t) => t.ms)).toEqual([...AFTER_TRANSITION_MS]);
    live[0]!.callback();
    expect(reads).toEqual(["r1", "r1", "r1"]);
    store.getState().stop();
    expect(timers.every((t) => t.cleared)).toBe(true);
  });

  it("reads every second while a drill is under way or its measure is to come", async () => {
    const queued = drill(7, { state: "queued", finished_at: null, outage_seconds: null });
    const done = drill(7, {
      outage_seconds: null,
      probe: probeOf("running", null),
      finished_at: at(1),
    });
    const measured = drill(7, {
      outage_seconds: 0.4,
      probe: probeOf("done", 0.4),
      finished_at: at(1),
    });
    const { store, reads, timers, settle } = harness([
      { drills: [done], events: [] },
      { drills: [measured], events: [] },
    ]);
    store.getState().applyDrill(queued);
    expect(timers.map((t) => t.ms)).toEqual([SETTLING_MS]);
    timers[0]!.callback();
    await settle();
    expect(timers.map((t) => t.ms)).toEqual([SETTLING_MS, SETTLING_MS]);
    timers[1]!.callback();
    await settle();
    expect(reads).toEqual(["r1", "r1"]);
    expect(store.getState().routers.r1!.drills).toEqual([measured]);
    expect(timers).toHaveLength(2);
  });

  it("says why a read failed", async () => {
    const { store, settle } = harness([]);
    store.getState().refresh("r1");
    await settle();
    expect(store.getState().routers.r1!.error).toBe("unavailable");
  });
});

const DOCUMENT = {
  schema_version: 1,
  routers: [{ id: "r1", name: "edge", mode: "ha" }],
} as unknown as TopologyDocument;

function controls(canAct: boolean, deployment: Deployment | null, states = {}) {
  // Rendered on the server, a store shows its initial state.
  const drills = createDrillStore(() => Promise.resolve({ drills: [], events: [] }), {
    initial: {
      r1: {
        drills: [drill(7, { outage_seconds: 0.42, probe: probeOf("done", 0.42) })],
        events: [failover()],
      },
    },
  });
  const vrrp = createVrrpStore({
    after: null,
    transitions: [],
    earlier: 0,
    states: { r1: states },
  });
  return renderToStaticMarkup(
    createElement(DrillControls, {
      topologyId: 1,
      canAct,
      router: { id: "r1", label: "edge" },
      document: DOCUMENT,
      deployment,
      drills,
      vrrp,
    }),
  );
}

describe("the drill controls", () => {
  it("stand under each HA router in the failover timeline, reported or not", () => {
    const vrrp = createVrrpStore({
      after: null,
      transitions: [],
      earlier: 0,
      states: { r1: { net1: "master", net2: "backup" } },
    });
    const html = renderToStaticMarkup(
      createElement(FailoverTimeline, {
        store: vrrp,
        routers: [
          { id: "r1", label: "edge" },
          { id: "r2", label: "core" },
        ],
        drills: (router) => createElement("p", { className: "here" }, `drills of ${router.label}`),
      }),
    );
    expect(html).toContain('<p class="here">drills of edge</p>');
    expect(html).toContain('<p class="here">drills of core</p>');
  });

  it("give owners and editors a button per drill, in the HA vocabulary", () => {
    const html = controls(true, DEPLOYED, { net1: "master", net2: "backup" });
    for (const word of ["Crash master", "Cut link", "Host failure", "Switchover", "Failback"]) {
      expect(html).toContain(`>${word}</button>`);
    }
    expect(html).not.toMatch(/<button[^>]*disabled/);
    expect(html).toContain('<option value="net2" selected="">net2</option>');
  });

  it("disable them with the reason when nothing is deployed", () => {
    const html = controls(true, null);
    expect(html.match(/<button[^>]*disabled=""/g)).toHaveLength(5);
    expect(html).toContain("Nothing is deployed: deploy the topology first.");
  });

  it("show viewers and share links the results, without a button", () => {
    const html = controls(false, DEPLOYED, { net1: "backup", net2: "master" });
    expect(html).not.toContain("<button");
    expect(html).toContain("Drill #7, Crash master on net1");
    expect(html).toContain("Failover net1 → net2");
    expect(html).toContain("drill #7 (Crash master)");
    expect(html).toContain("0.37 s without a master");
    expect(html).toContain("outage 0.42 s");
  });
});
