// The pure parts of editing: ids, free CIDRs and addresses, palette defaults, what a link
// means, and removing with what depends on the removed.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { freeCidr, freeHost, parseCidr } from "../src/model/addresses";
import { removalEdit } from "../src/model/cascade";
import { ID_PATTERN, newId } from "../src/model/ids";
import { linkEdit } from "../src/model/links";
import { addFromPalette, PALETTE } from "../src/model/palette";
import { applyOperations, findElement } from "../src/model/operations";

const lab = (): TopologyDocument =>
  ({
    networks: [
      { id: "lan", kind: "self_service", name: "lan" },
      { id: "ext", kind: "provider", name: "ext", physical_network: "physnet1", external: true },
      { id: "host", kind: "docker_host", name: "host" },
      { id: "rp", kind: "routed_provider", name: "rp" },
    ],
    subnets: [{ id: "lan4", network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" }],
    instances: [
      { id: "vm1", name: "web" },
      { id: "vm2", name: "db" },
    ],
    routers: [{ id: "r1", name: "edge" }],
    ports: [
      {
        id: "p1",
        network: "lan",
        device: "vm1",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.10" }],
      },
    ],
    floating_ips: [{ id: "f1", network: "ext", port: "p1" }],
  }) as TopologyDocument;

const at = { at: { x: 5, y: 5 }, selection: [], positions: {} };

describe("ids", () => {
  it("match the server's pattern, carry the kind prefix and avoid taken ids", () => {
    const id = newId("sub");
    expect(id).toMatch(ID_PATTERN);
    expect(id).toMatch(/^sub-[a-z0-9]{6}$/);
    let calls = 0;
    const fixed = () => (calls++ < 6 ? 0 : 0.5);
    expect(newId("vm", (candidate) => candidate === "vm-aaaaaa", fixed)).not.toBe("vm-aaaaaa");
  });
});

describe("addresses", () => {
  it("finds the first 10.x.y.0/24 that overlaps nothing", () => {
    expect(freeCidr([])).toBe("10.0.0.0/24");
    expect(freeCidr(["10.0.0.0/24", "10.0.1.128/25"])).toBe("10.0.2.0/24");
    expect(freeCidr(["10.0.0.0/16", "bad", "fd00::/64"])).toBe("10.1.0.0/24");
    expect(() => freeCidr(["10.0.0.0/8"])).toThrow();
  });

  it("finds a free host from .10 up", () => {
    expect(freeHost("10.0.0.0/24", ["10.0.0.1", "10.0.0.10"])).toBe("10.0.0.11");
    expect(freeHost("10.0.0.0/30", ["10.0.0.1"])).toBe("10.0.0.2");
    expect(freeHost("fd00::/64", [])).toBeNull();
    expect(parseCidr("10.0.0.5/24")).toEqual({ first: 167772160, last: 167772415 });
  });
});

describe("palette", () => {
  it("offers every kind, each adding one element and moving it to the drop", () => {
    for (const item of PALETTE) {
      const outcome = addFromPalette(lab(), item.kind, at);
      if ("refused" in outcome) throw new Error(`${item.kind}: ${outcome.refused}`);
      expect(outcome.id).toMatch(new RegExp(`^${item.prefix}-`));
      expect(outcome.ops.map((op) => op.op)).toEqual(["add", "move"]);
      expect(outcome.ops[0]).toMatchObject({ list: item.list, element: { id: outcome.id } });
      if (item.list === "networks")
        expect(outcome.ops[0]).toMatchObject({ element: { kind: item.kind } });
    }
    expect(new Set(PALETTE.map((item) => item.kind)).size).toBe(15);
  });

  it("gives a subnet a free CIDR on the selected network, and refuses without one", () => {
    const outcome = addFromPalette(lab(), "subnet", { ...at, selection: ["lan"] });
    if ("refused" in outcome) throw new Error(outcome.refused);
    const after = applyOperations(lab(), outcome.ops);
    expect(findElement(after, outcome.id)?.element).toMatchObject({
      network: "lan",
      cidr: "10.0.1.0/24",
      gateway_ip: "10.0.1.1",
    });
    expect(after.layout?.positions?.[outcome.id]).toEqual({ x: 5, y: 5 });
    expect(addFromPalette({}, "subnet", at)).toEqual({
      refused: expect.stringMatching(/network first/),
    });
  });

  it("puts a subnet on the nearest network when none is selected", () => {
    const outcome = addFromPalette(lab(), "subnet", {
      at: { x: 300, y: 0 },
      selection: [],
      positions: { lan: { x: 0, y: 0 }, ext: { x: 290, y: 10 } },
    });
    expect("ops" in outcome && outcome.ops[0]).toMatchObject({ element: { network: "ext" } });
  });
});

describe("links", () => {
  const ops = (outcome: ReturnType<typeof linkEdit>) => {
    if ("refused" in outcome) throw new Error(outcome.refused);
    return outcome.ops;
  };

  it("an instance to a subnet makes a port with a free fixed IP, either way round", () => {
    expect(ops(linkEdit(lab(), "lan4", "vm2"))[0]).toMatchObject({
      op: "add",
      list: "ports",
      element: {
        network: "lan",
        device: "vm2",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.11" }],
      },
    });
    expect(ops(linkEdit(lab(), "vm2", "lan"))[0]).toMatchObject({
      element: { network: "lan", fixed_ips: [] },
    });
  });

  it("a router to a subnet takes the gateway; to an external network sets its gateway", () => {
    expect(ops(linkEdit(lab(), "r1", "lan4"))[0]).toMatchObject({
      element: { device: "r1", fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.1" }] },
    });
    expect(ops(linkEdit(lab(), "ext", "r1"))).toEqual([
      {
        op: "update",
        list: "routers",
        id: "r1",
        set: { external_gateway: { network: "ext", fixed_ips: [] } },
      },
    ]);
  });

  it("a floating IP to an instance maps it to the instance's first port", () => {
    expect(ops(linkEdit(lab(), "f1", "vm1"))).toEqual([
      { op: "update", list: "floating_ips", id: "f1", set: { port: "p1" } },
    ]);
  });

  it("refuses pairs that mean nothing, saying why", () => {
    expect(linkEdit(lab(), "vm1", "vm2")).toEqual({ refused: "Two instances cannot be linked." });
    expect(linkEdit(lab(), "r1", "lan")).toEqual({
      refused: expect.stringMatching(/not external/),
    });
    expect(linkEdit(lab(), "f1", "vm2")).toEqual({ refused: expect.stringMatching(/no port yet/) });
    expect(linkEdit(lab(), "vm1", "host")).toEqual({
      refused: expect.stringMatching(/Docker host/),
    });
    expect(linkEdit(lab(), "lan4", "ext")).toEqual({
      refused: expect.stringMatching(/Nothing joins/),
    });
    expect(linkEdit(lab(), "vm1", "r1")).toEqual({
      refused: expect.stringMatching(/not a router/),
    });
  });
});

describe("removal", () => {
  it("a network takes its subnets, ports and floating IPs, and clears references", () => {
    const document = lab();
    document.routers = [{ id: "r1", external_gateway: { network: "ext", fixed_ips: [] } }];
    const edit = removalEdit(document, ["lan"]);
    expect(
      edit
        .filter((op) => op.op === "remove")
        .map((op) => "id" in op && op.id)
        .sort(),
    ).toEqual(["lan", "lan4", "p1"]);
    expect(edit).toContainEqual({
      op: "update",
      list: "floating_ips",
      id: "f1",
      set: { port: null },
    });
    const after = applyOperations(document, edit);
    expect(findElement(after, "vm1")).toBeDefined();
    expect(removalEdit(document, ["ext"])).toContainEqual({
      op: "update",
      list: "routers",
      id: "r1",
      set: { external_gateway: null },
    });
  });

  it("a subnet leaves the ports but drops their fixed IPs on it", () => {
    expect(removalEdit(lab(), ["lan4"])).toEqual([
      { op: "update", list: "ports", id: "p1", set: { fixed_ips: [] } },
      { op: "remove", list: "subnets", id: "lan4" },
    ]);
  });
});
