// Load balancer members' health: the REST list and the `lb_member` events merge, each member
// keeping its newest change whichever arrives first; a destroy that finished starts the health
// again and ignores what comes late from before it; the canvas lists a deployed load
// balancer's members in the design's order, up unless a checker said otherwise.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { ReactFlowProvider } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import type { MemberHealth } from "../src/api/balancers";
import { ElementNode } from "../src/canvas/ElementNode";
import type { ElementNodeData } from "../src/canvas/adapter";
import { memberBadges } from "../src/model/badges";
import type { Deployment, LbMemberEvent } from "../src/model/events";
import { createBalancerStore } from "../src/store/balancers";

const START = Date.parse("2026-03-01T12:00:00+00:00");

function change(
  member: string,
  state: "up" | "down",
  second: number,
  { lb = "web", deployment = 5 } = {},
): MemberHealth {
  const at = new Date(START + second * 1000).toISOString();
  return { deployment, load_balancer: lb, member, host: "network-1", state, at };
}

function event(health: MemberHealth): LbMemberEvent {
  return { type: "lb_member", ...health };
}

function destroyed(id: number): Deployment {
  return {
    id,
    action: "destroy",
    state: "destroyed",
    revision: null,
    progress: 100,
    hosts: {},
    error: "",
    requested_by: null,
    started_at: null,
    finished_at: null,
  };
}

const stateOf = (store: ReturnType<typeof createBalancerStore>, lb: string, member: string) =>
  store.getState().health[lb]?.[member]?.state;

describe("the members' health store", () => {
  it("takes the list, then the events after it", () => {
    const store = createBalancerStore();
    store.getState().load({ after: null, members: [change("vm1:80", "down", 1)] });
    expect(stateOf(store, "web", "vm1:80")).toBe("down");
    store.getState().apply(event(change("vm1:80", "up", 5)));
    store.getState().apply(event(change("vm2:80", "down", 6, { lb: "api" })));
    expect(stateOf(store, "web", "vm1:80")).toBe("up");
    expect(stateOf(store, "api", "vm2:80")).toBe("down");
  });

  it("keeps an event newer than the list read after it", () => {
    const store = createBalancerStore();
    store.getState().apply(event(change("vm1:80", "up", 9)));
    store.getState().load({ after: null, members: [change("vm1:80", "down", 4)] });
    expect(stateOf(store, "web", "vm1:80")).toBe("up");
  });

  it("starts again after a destroy and ignores what comes late from before it", () => {
    const store = createBalancerStore();
    store.getState().apply(event(change("vm1:80", "down", 1)));
    store.getState().deploymentMoved(destroyed(7));
    expect(store.getState().health).toEqual({});
    store.getState().apply(event(change("vm1:80", "down", 2, { deployment: 6 })));
    store.getState().load({ after: null, members: [change("vm1:80", "down", 1)] });
    expect(store.getState().health).toEqual({});
    store.getState().apply(event(change("vm1:80", "down", 30, { deployment: 8 })));
    expect(stateOf(store, "web", "vm1:80")).toBe("down");
  });
});

const BALANCERS = [
  {
    id: "web",
    members: [
      { instance: "vm2", port: 80 },
      { instance: "vm1", port: 80 },
    ],
  },
  { id: "api", members: [{ instance: "vm3", port: 8080 }] },
  { id: "idle", members: [] },
];

describe("the canvas's member badges", () => {
  it("list a deployed load balancer's members in the design's order, up by default", () => {
    const health = { web: { "vm1:80": { state: "down" as const } } };
    expect(memberBadges(BALANCERS, health, new Set(["web", "idle"]))).toEqual({
      web: [
        { member: "vm2:80", state: "up" },
        { member: "vm1:80", state: "down" },
      ],
    });
  });

  it("show on the load balancer's node, each member with its state", () => {
    const data: ElementNodeData = {
      list: "load_balancers",
      label: "web",
      element: { id: "web", subnet: "s", port: 80, vip_address: "10.0.0.9", members: [] },
      severity: null,
      badge: [],
      presence: [],
      deploy: "up",
      vrrp: [],
      members: [
        { member: "vm2:80", state: "up" },
        { member: "vm1:80", state: "down" },
      ],
    };
    const html = renderToStaticMarkup(
      createElement(
        ReactFlowProvider,
        null,
        createElement(ElementNode, {
          id: "web",
          data,
          type: "element",
          selected: false,
          dragging: false,
          zIndex: 0,
          isConnectable: false,
          positionAbsoluteX: 0,
          positionAbsoluteY: 0,
          selectable: true,
          deletable: true,
          draggable: true,
        } as unknown as Parameters<typeof ElementNode>[0]),
      ),
    );
    expect(html).toContain('data-member="vm1:80" data-state="down"');
    expect(html).toContain('data-member="vm2:80" data-state="up"');
    expect(html).toContain("members: vm2:80 up, vm1:80 down");
  });
});
