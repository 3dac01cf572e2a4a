// The failover timeline: each instance's stretches of time in each state, from its transitions
// and its state now, up to now; the panel as rendered HTML, a lane per host with coloured
// stretches and the transitions listed newest first; the instances on a router's canvas node,
// master first; and `vrrp` events handed to their listener by the sync client.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { VrrpTransition } from "../src/api/vrrp";
import { FailoverTimeline } from "../src/editor/FailoverTimeline";
import { vrrpBadges } from "../src/model/badges";
import type { HaRouterEvent, VrrpEvent, VrrpState } from "../src/model/events";
import { MIN_SPAN_MS, percentOf, routersInHa, takenOver, timeline } from "../src/model/vrrp";
import { createDocumentStore } from "../src/store/document";
import { createVrrpStore } from "../src/store/vrrp";
import { SyncClient } from "../src/sync/sync";

const START = Date.parse("2026-03-01T12:00:00+00:00");
const s = (second: number) => START + second * 1000;

function transition(
  host: string,
  old_state: VrrpState | null,
  new_state: VrrpState,
  second: number,
  router = "r1",
): VrrpTransition {
  return {
    deployment: 5,
    router,
    host,
    old_state,
    new_state,
    at: new Date(s(second)).toISOString(),
  };
}

const FAILOVER = [
  transition("net1", null, "backup", 0),
  transition("net2", null, "backup", 0),
  transition("net1", "backup", "master", 3),
  transition("net1", "master", "stop", 60),
  transition("net2", "backup", "master", 63),
];
const NOW_STATES = { r1: { net1: "stop", net2: "master" } } as const;
// The master's keepalived killed outright: it reports nothing, and net2 takes over.
const KILLED = [
  transition("net1", null, "backup", 0),
  transition("net2", null, "backup", 0),
  transition("net1", "backup", "master", 3),
  transition("net2", "backup", "master", 61),
];
const KILLED_STATES = { r1: { net1: "master", net2: "master" } } as const;

describe("the timeline's stretches", () => {
  it("runs from the first transition to now, a lane per instance, by host", () => {
    const plotted = timeline(FAILOVER, NOW_STATES, s(100));
    expect(plotted.start).toBe(s(0));
    expect(plotted.end).toBe(s(100));
    expect(plotted.lanes).toEqual([
      {
        router: "r1",
        host: "net1",
        state: "stop",
        takenOver: null,
        segments: [
          { state: "backup", from: s(0), to: s(3) },
          { state: "master", from: s(3), to: s(60) },
          { state: "stop", from: s(60), to: s(100) },
        ],
      },
      {
        router: "r1",
        host: "net2",
        state: "master",
        takenOver: null,
        segments: [
          { state: "backup", from: s(0), to: s(63) },
          { state: "master", from: s(63), to: s(100) },
        ],
      },
    ]);
  });

  it("shows a master that was taken over as not known since, not as a second master", () => {
    const over = takenOver(KILLED, KILLED_STATES);
    expect(over).toEqual({ r1: { net1: s(61) } });
    const plotted = timeline(KILLED, KILLED_STATES, s(100), over);
    expect(plotted.lanes.map((lane) => [lane.host, lane.takenOver, lane.segments])).toEqual([
      [
        "net1",
        s(61),
        [
          { state: "backup", from: s(0), to: s(3) },
          { state: "master", from: s(3), to: s(61) },
          { state: "unknown", from: s(61), to: s(100) },
        ],
      ],
      [
        "net2",
        null,
        [
          { state: "backup", from: s(0), to: s(61) },
          { state: "master", from: s(61), to: s(100) },
        ],
      ],
    ]);
  });

  it("takes over nobody with a single master, or masters it cannot tell apart", () => {
    expect(takenOver(FAILOVER, NOW_STATES)).toEqual({});
    // Both masters' reports are older than the list: which is newer is not known.
    expect(takenOver([], { r1: { net1: "master", net2: "master" } })).toEqual({});
    // One listed, one older than the list: the listed one is newer.
    expect(
      takenOver([transition("net2", "backup", "master", 5)], {
        r1: { net1: "master", net2: "master" },
      }),
    ).toEqual({ r1: { net1: s(5) } });
    // Each router on its own.
    expect(
      takenOver(
        [transition("net1", null, "master", 1, "r1"), transition("net2", null, "master", 2, "r2")],
        { r1: { net1: "master" }, r2: { net2: "master" } },
      ),
    ).toEqual({});
  });

  it("starts an instance in the old state of its first transition listed", () => {
    // The list begins with net1's transition; net2 was master until its own.
    const listed = [
      transition("net1", "master", "backup", 10),
      transition("net2", "master", "backup", 50),
    ];
    const plotted = timeline(listed, {}, s(55));
    expect(plotted.start).toBe(s(10));
    expect(plotted.lanes[1]!.segments).toEqual([
      { state: "master", from: s(10), to: s(50) },
      { state: "backup", from: s(50), to: s(55) },
    ]);
  });

  it("shows only the last stretch of time when asked, cutting the stretches at its start", () => {
    const plotted = timeline(FAILOVER, NOW_STATES, s(100), {}, 50_000);
    expect(plotted.start).toBe(s(50));
    expect(plotted.lanes.map((lane) => lane.segments)).toEqual([
      [
        { state: "master", from: s(50), to: s(60) },
        { state: "stop", from: s(60), to: s(100) },
      ],
      [
        { state: "backup", from: s(50), to: s(63) },
        { state: "master", from: s(63), to: s(100) },
      ],
    ]);
    // A span longer than the history shows all of it.
    expect(timeline(FAILOVER, NOW_STATES, s(100), {}, 600_000).start).toBe(s(0));
  });

  it("shows an instance with a state and no transition listed in it all along", () => {
    const plotted = timeline(
      [transition("net2", "master", "backup", 50)],
      { r1: { net1: "master", net2: "backup" } },
      s(60),
    );
    expect(plotted.lanes.map((lane) => [lane.host, lane.state, lane.segments])).toEqual([
      ["net1", "master", [{ state: "master", from: plotted.start, to: s(60) }]],
      ["net2", "backup", expect.any(Array)],
    ]);
  });

  it("gives a lone transition room, and reaches a host clock ahead of this one", () => {
    const lone = timeline([transition("net1", null, "master", 10)], {}, s(10));
    expect(lone.end - lone.start).toBe(MIN_SPAN_MS);
    expect(lone.lanes[0]!.segments).toEqual([]);
    const ahead = timeline(
      [transition("net1", null, "backup", 0), transition("net1", "backup", "master", 30)],
      {},
      s(20),
    );
    expect(ahead.end).toBe(s(30));
    expect(ahead.lanes[0]!.segments).toEqual([{ state: "backup", from: s(0), to: s(30) }]);
  });

  it("has no lanes before anything reported, and puts routers in order", () => {
    expect(timeline([], {}, s(0)).lanes).toEqual([]);
    const two = timeline(
      [transition("net2", null, "master", 1, "r2"), transition("net1", null, "backup", 2, "r1")],
      {},
      s(5),
    );
    expect(two.lanes.map((lane) => `${lane.router}/${lane.host}`)).toEqual(["r1/net1", "r2/net2"]);
  });

  it("places times as percentages of the span", () => {
    expect(percentOf(s(25), s(0), s(100))).toBe(25);
    expect(percentOf(s(5), s(5), s(5))).toBe(0);
  });
});

describe("the routers the panel names", () => {
  it("are the document's HA routers, by name or else by id", () => {
    const routers = routersInHa({
      routers: [
        { id: "r1", name: "edge", mode: "ha" },
        { id: "r2", mode: "ha" },
        { id: "r3", name: "core" },
        { id: "r4", name: "dvr", mode: "distributed" },
      ],
    } as Parameters<typeof routersInHa>[0]);
    expect(routers).toEqual([
      { id: "r1", label: "edge" },
      { id: "r2", label: "r2" },
    ]);
  });
});

describe("the failover timeline panel", () => {
  function render(transitions: VrrpTransition[], routers = [{ id: "r1", label: "edge" }]) {
    const store = createVrrpStore({ after: null, transitions, earlier: 0, states: {} });
    return renderToStaticMarkup(createElement(FailoverTimeline, { store, routers }));
  }

  it("draws a lane per host with a stretch per state and lists the transitions newest first", () => {
    const html = render(FAILOVER);
    expect(html).toContain("Failover timeline");
    expect(html).toContain("<h3>edge</h3>");
    const lanes = [
      ...html.matchAll(/<li data-host="(\w+)" data-state="(\w+)"><span class="failover-host"/g),
    ];
    expect(lanes.map((m) => [m[1], m[2]])).toEqual([
      ["net1", "stop"],
      ["net2", "master"],
    ]);
    const stretches = [...html.matchAll(/class="failover-segment vrrp-(\w+)"/g)].map((m) => m[1]);
    expect(stretches).toEqual(["backup", "master", "stop", "backup", "master"]);
    const listed = html.slice(html.indexOf("VRRP transitions"));
    const order = [...listed.matchAll(/<li data-host="(\w+)" data-state="(\w+)">/g)];
    expect(order.map((m) => `${m[1]} ${m[2]}`)).toEqual([
      "net2 master",
      "net1 stop",
      "net1 master",
      "net2 backup",
      "net1 backup",
    ]);
    expect(listed).toContain(
      'edge on net2: backup → <span class="vrrp-state vrrp-master">master</span>',
    );
    expect(listed).toContain("edge on net1: started as ");
  });

  it("reads a master taken over as master? with its lane no longer master", () => {
    const store = createVrrpStore({ after: null, transitions: KILLED, earlier: 0, states: {} });
    const html = renderToStaticMarkup(
      createElement(FailoverTimeline, { store, routers: [{ id: "r1", label: "edge" }] }),
    );
    expect(html).toContain('data-host="net1" data-state="master" data-taken-over="true"');
    expect(html).toContain('<span class="vrrp-state vrrp-unknown">master?</span>');
    const stretches = [...html.matchAll(/class="failover-segment vrrp-(\w+)"/g)].map((m) => m[1]);
    expect(stretches).toEqual(["backup", "master", "unknown", "backup", "master"]);
  });

  it("says a router has not reported yet, and shows nothing without HA routers", () => {
    expect(render([])).toContain("edge: no instance has reported a VRRP state");
    expect(render([], [])).toBe("");
  });

  it("shows a router that reported even when the design no longer has it", () => {
    const html = render([transition("net1", null, "master", 1, "gone")], []);
    expect(html).toContain("<h3>gone</h3>");
  });
});

describe("the instances on a router's node", () => {
  it("come master first, then backups, then the rest, each by host", () => {
    expect(
      vrrpBadges({ r1: { net3: "backup", net2: "stop", net1: "backup", net4: "master" } }),
    ).toEqual({
      r1: [
        { host: "net4", state: "master", takenOver: false },
        { host: "net1", state: "backup", takenOver: false },
        { host: "net3", state: "backup", takenOver: false },
        { host: "net2", state: "stop", takenOver: false },
      ],
    });
  });

  it("put a master taken over after the backups", () => {
    const badges = vrrpBadges(
      { r1: { net1: "master", net2: "master", net3: "backup" } },
      { r1: { net1: s(61) } },
    );
    expect(badges.r1!.map((b) => [b.host, b.state, b.takenOver])).toEqual([
      ["net2", "master", false],
      ["net3", "backup", false],
      ["net1", "master", true],
    ]);
  });
});

describe("the sync client", () => {
  it("hands vrrp events to their listener and leaves the document alone", () => {
    const store = createDocumentStore();
    const heard: VrrpEvent[] = [];
    const sync = new SyncClient(store, { send: () => undefined }, { onVrrp: (e) => heard.push(e) });
    const before = store.getState();
    const vrrp: VrrpEvent = { type: "vrrp", ...FAILOVER[2]! };
    sync.receive(vrrp);
    expect(heard).toEqual([vrrp]);
    expect(store.getState()).toBe(before);
    expect(() => new SyncClient(store, { send: () => undefined }).receive(vrrp)).not.toThrow();
  });

  it("hands HA router events and drill events to their own listener", () => {
    const store = createDocumentStore();
    const heard: HaRouterEvent[] = [];
    const sync = new SyncClient(store, { send: () => undefined }, { onHa: (e) => heard.push(e) });
    const failover: HaRouterEvent = {
      type: "failover",
      deployment: 3,
      router: "r1",
      from_host: "net1",
      to_host: "net2",
      at: "2026-01-01T00:00:01Z",
      no_master_since: "2026-01-01T00:00:00.6Z",
      no_master_seconds: 0.4,
      measured_from: "last_known",
      drill: 7,
    };
    sync.receive(failover);
    expect(heard).toEqual([failover]);
    expect(() => new SyncClient(store, { send: () => undefined }).receive(failover)).not.toThrow();
  });
});
