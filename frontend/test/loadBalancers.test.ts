// Load balancers in the editor's edits: adding one from the palette, linking instances and a
// subnet to it, removing what it depends on, and copying it.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { balancerSummary } from "../src/canvas/ElementNode";
import { removalEdit } from "../src/model/cascade";
import { copy, paste } from "../src/model/clipboard";
import { linkEdit } from "../src/model/links";
import { addFromPalette } from "../src/model/palette";
import { applyOperations, elementsOf, findElement, type Operation } from "../src/model/operations";
import { search } from "../src/model/search";

function lab(): TopologyDocument {
  return {
    networks: [{ id: "lan", name: "lan", kind: "self_service" }],
    subnets: [
      { id: "lan4", name: "lan4", network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" },
      { id: "dmz4", name: "dmz4", network: "lan", cidr: "10.0.1.0/24", gateway_ip: "10.0.1.1" },
    ],
    instances: [
      { id: "web1", name: "web1", image: "nginx:1.27" },
      { id: "web2", name: "web2", image: "nginx:1.27" },
    ],
    load_balancers: [
      {
        id: "lb1",
        name: "front",
        subnet: "lan4",
        vip_address: "10.0.0.9",
        port: 8080,
        members: [{ instance: "web1", port: 8080, weight: 1 }],
      },
    ],
  } as unknown as TopologyDocument;
}

const at = { at: { x: 10.4, y: 20.6 }, selection: [] as string[], positions: {} };

function ops(outcome: ReturnType<typeof linkEdit>): Operation[] {
  if ("refused" in outcome) throw new Error(outcome.refused);
  return outcome.ops;
}

describe("load balancers in the palette", () => {
  it("adds one on the selected subnet with port 80 and no members", () => {
    const outcome = addFromPalette(lab(), "load_balancer", { ...at, selection: ["dmz4"] });
    if ("refused" in outcome) throw new Error(outcome.refused);
    expect(outcome.id).toMatch(/^lb-/);
    expect(outcome.ops[0]).toEqual({
      op: "add",
      list: "load_balancers",
      element: {
        id: outcome.id,
        name: "Load balancer 1",
        subnet: "dmz4",
        port: 80,
        algorithm: "round_robin",
        members: [],
      },
    });
    expect(outcome.ops[1]).toEqual({ op: "move", positions: { [outcome.id]: { x: 10, y: 21 } } });
  });

  it("refuses without a subnet to put the VIP on", () => {
    expect(addFromPalette({ networks: [] } as TopologyDocument, "load_balancer", at)).toEqual({
      refused: "Add a subnet first: a load balancer's VIP is an address on one.",
    });
  });
});

describe("linking load balancers", () => {
  it("makes an instance a member on the balancer's port, from either end", () => {
    for (const [a, b] of [
      ["web2", "lb1"],
      ["lb1", "web2"],
    ] as const) {
      expect(ops(linkEdit(lab(), a, b))).toEqual([
        {
          op: "update",
          list: "load_balancers",
          id: "lb1",
          set: {
            members: [
              { instance: "web1", port: 8080, weight: 1 },
              { instance: "web2", port: 8080, weight: 1 },
            ],
          },
        },
      ]);
    }
  });

  it("refuses a member twice", () => {
    expect(linkEdit(lab(), "web1", "lb1")).toEqual({
      refused: 'Instance "web1" is already a member of load balancer "front".',
    });
  });

  it("puts the VIP on a linked subnet, letting the address be allocated there", () => {
    expect(ops(linkEdit(lab(), "dmz4", "lb1"))).toEqual([
      {
        op: "update",
        list: "load_balancers",
        id: "lb1",
        set: { subnet: "dmz4", vip_address: null },
      },
    ]);
  });

  it("refuses other pairs with the reason", () => {
    expect(linkEdit(lab(), "lb1", "lan")).toEqual({
      refused:
        "A load balancer links to its members' instances and its VIP's subnet, not a network.",
    });
  });
});

describe("removing what a load balancer depends on", () => {
  it("clears a removed instance from the members", () => {
    const edit = removalEdit(lab(), ["web1"]);
    expect(edit).toEqual([
      { op: "update", list: "load_balancers", id: "lb1", set: { members: [] } },
      { op: "remove", list: "instances", id: "web1" },
    ]);
  });

  it("removes the balancer with its VIP's subnet, and with the subnet's network", () => {
    expect(removalEdit(lab(), ["lan4"])).toEqual([
      { op: "remove", list: "subnets", id: "lan4" },
      { op: "remove", list: "load_balancers", id: "lb1" },
    ]);
    const after = applyOperations(lab(), removalEdit(lab(), ["lan"]));
    expect(elementsOf(after, "load_balancers")).toEqual([]);
    expect(elementsOf(after, "subnets")).toEqual([]);
  });
});

describe("load balancers elsewhere in the editor", () => {
  it("copies a balancer with a fresh id and an allocated VIP, keeping members that exist", () => {
    const clip = copy(lab(), ["lb1"]);
    const pasted = paste(lab(), clip, { x: 40, y: 40 });
    const added = pasted.ops.find((op) => op.op === "add" && op.list === "load_balancers");
    expect(added).toMatchObject({
      element: { subnet: "lan4", vip_address: null, members: [{ instance: "web1" }] },
    });
    expect(findElement(lab(), pasted.ids[0]!)).toBeUndefined();
  });

  it("finds a balancer by its VIP", () => {
    expect(search(lab(), "10.0.0.9")[0]).toMatchObject({ id: "lb1", list: "load_balancers" });
  });

  it("sums a balancer up on the canvas", () => {
    expect(balancerSummary(findElement(lab(), "lb1")!.element)).toBe(
      "10.0.0.9:8080 · round robin · 1 member",
    );
  });
});
