// Hosts as groups on the canvas, address badges and other people's selections.
import { describe, expect, it } from "vitest";
import { onNodesChange, presenceMarks, toFlow } from "../src/canvas/adapter";
import { hostAt, hostBoxes, hostNames } from "../src/canvas/hosts";
import type { TopologyDocument } from "../src/generated/document";
import { addressBadges } from "../src/model/badges";
import { createUndoStore } from "../src/store/undo";
import { createViewStore } from "../src/store/view";
import { base, FakeServer } from "./fakeServer";

function pinned(): TopologyDocument {
  const document = base();
  document.instances = [
    { id: "web", name: "web", host: "compute-1" },
    // The server stores every field, defaults included.
    { id: "db", name: "db", host: null },
  ];
  document.layout = {
    positions: {
      web: { x: 100, y: 100 },
      db: { x: 600, y: 100 },
      "host:compute-1": { x: 60, y: 40 },
      "host:compute-2": { x: 500, y: 400 },
    },
  };
  return document;
}

function editor(document: TopologyDocument) {
  const server = new FakeServer(document);
  const client = server.connect("alice");
  server.settle();
  const view = createViewStore();
  const undo = createUndoStore(client.store, client.sync);
  const hosts = ["compute-1", "compute-2"];
  const drag = (id: string, to: { x: number; y: number }) => {
    const context = { document: client.store.getState().document, hosts };
    onNodesChange([{ type: "position", id, position: to, dragging: true }], view, undo, context);
    onNodesChange([{ type: "position", id, dragging: false }], view, undo, context);
    server.settle();
  };
  return { server, undo, drag };
}

describe("host boxes", () => {
  it("lists registered hosts and those instances name, and boxes each around its instances", () => {
    const document = pinned();
    expect(hostNames(document, ["compute-2"])).toEqual(["compute-1", "compute-2"]);
    const positions = document.layout!.positions!;
    const [one, two] = hostBoxes(document, ["compute-1", "compute-2"], (id) => positions[id]);
    expect(one).toMatchObject({ name: "compute-1", x: 60, y: 40, members: ["web"] });
    // The box reaches past its instance on every side.
    expect(one!.x + one!.width).toBeGreaterThan(100 + 190);
    expect(one!.y + one!.height).toBeGreaterThan(100 + 46);
    expect(two).toMatchObject({ name: "compute-2", x: 500, y: 400, members: [] });
    expect(hostAt([one!, two!], { x: 150, y: 120 })?.name).toBe("compute-1");
    expect(hostAt([one!, two!], { x: 10, y: 10 })).toBeNull();
  });

  it("reaches around an instance as wide as the canvas measured it", () => {
    const document = pinned();
    const positions = document.layout!.positions!;
    const wide = (id: string) => (id === "web" ? { width: 320, height: 60 } : undefined);
    const [box] = hostBoxes(document, ["compute-1"], (id) => positions[id], { sizeOf: wide });
    expect(box!.x + box!.width).toBeGreaterThan(100 + 320);
    expect(box!.y + box!.height).toBeGreaterThan(100 + 60);
  });

  it("places a host with no stored corner and no instances in a row under the rest", () => {
    const document = pinned();
    const boxes = hostBoxes(document, ["spare"], (id) => document.layout!.positions![id]);
    expect(boxes[0]!.y).toBeGreaterThan(146);
  });

  it("places an empty host's box under every element drawn, networks as well as instances", () => {
    const document = pinned();
    document.layout!.positions!.lan = { x: 0, y: 700 };
    const [spare] = hostBoxes(document, ["spare"], (id) => document.layout!.positions![id]);
    expect(spare!.y).toBeGreaterThan(700 + 46);
  });

  it("places an empty host's box under unplaced instances too, where a drag does not move it", () => {
    const document = { ...pinned(), layout: { positions: {} } };
    const boxOf = (dragging: Record<string, { x: number; y: number }>) =>
      toFlow(document, dragging, [], {}, { hosts: ["spare"] }).nodes.find(
        (node) => node.id === "host:spare",
      )!;
    const lowest = Math.max(...toFlow(document, {}, []).nodes.map((node) => node.position.y + 46));
    expect(boxOf({}).position.y).toBeGreaterThan(lowest);
    expect(boxOf({ web: { x: 300, y: 20 } }).position).toEqual(boxOf({}).position);
  });

  it("holds an empty host's box still while an instance is dragged into it, and marks it", () => {
    const document = { ...pinned(), layout: { positions: { web: { x: 100, y: 50 } } } };
    const boxOf = (dragging: Record<string, { x: number; y: number }>) =>
      toFlow(document, dragging, [], {}, { hosts: ["spare"] }).nodes.find(
        (node) => node.id === "host:spare",
      )!;
    const resting = boxOf({});
    // Dragged down into the box (below every element): the box stays and would take it.
    const into = { x: resting.position.x + 20, y: resting.position.y + 40 };
    const during = boxOf({ web: into });
    expect(during.position).toEqual(resting.position);
    expect(during.data.dropTarget).toBe(true);
  });

  it("draws host boxes under the elements and marks the box a dragged instance would join", () => {
    const document = pinned();
    const { nodes } = toFlow(
      document,
      { db: { x: 520, y: 440 } },
      [],
      {},
      {
        hosts: ["compute-1", "compute-2"],
      },
    );
    expect(nodes.slice(0, 2).map((n) => [n.id, n.type, n.data.dropTarget])).toEqual([
      ["host:compute-1", "host", false],
      ["host:compute-2", "host", true],
    ]);
  });

  it("pins an instance dropped into a host's box, as one undoable edit", () => {
    const { server, undo, drag } = editor(pinned());
    drag("db", { x: 520, y: 440 });
    expect(server.document.instances!.find((i) => i.id === "db")!.host).toBe("compute-2");
    expect(server.document.layout!.positions!.db).toEqual({ x: 520, y: 440 });
    undo.getState().undo();
    server.settle();
    expect(server.document.instances!.find((i) => i.id === "db")!.host).toBeNull();
    expect(server.document.layout!.positions!.db).toEqual({ x: 600, y: 100 });
  });

  it("keeps the pin while the instance moves inside its box, and unpins it dragged out", () => {
    const { server, drag } = editor(pinned());
    drag("web", { x: 110, y: 110 });
    expect(server.document.instances!.find((i) => i.id === "web")!.host).toBe("compute-1");
    drag("web", { x: 900, y: 900 });
    expect(server.document.instances!.find((i) => i.id === "web")!.host).toBeNull();
  });

  it("moves a host's instances with its box", () => {
    const { server, drag } = editor(pinned());
    drag("host:compute-1", { x: 160, y: 240 });
    expect(server.document.layout!.positions!["host:compute-1"]).toEqual({ x: 160, y: 240 });
    expect(server.document.layout!.positions!.web).toEqual({ x: 200, y: 300 });
    expect(server.document.instances!.find((i) => i.id === "web")!.host).toBe("compute-1");
  });
});

describe("segments as groups of hosts", () => {
  it("adds a host to a segment when its box is dropped over the segment", () => {
    const document = pinned();
    document.segments = [
      { id: "seg1", network: "lan", physical_network: "physnet1", hosts: ["compute-9"] },
    ];
    document.layout!.positions!.seg1 = { x: 900, y: 900 };
    const { server, drag } = editor(document);
    drag("host:compute-2", { x: 880, y: 860 });
    expect(server.document.segments![0]!.hosts).toEqual(["compute-9", "compute-2"]);
    // Dropped there again, it is not added twice; dropped elsewhere, it stays a member.
    drag("host:compute-2", { x: 870, y: 850 });
    drag("host:compute-2", { x: 0, y: 600 });
    expect(server.document.segments![0]!.hosts).toEqual(["compute-9", "compute-2"]);
  });
});

describe("address badges", () => {
  it("shows fixed and floating IPs on devices, gateways, VLANs and VNIs", () => {
    const document: TopologyDocument = {
      networks: [
        { id: "lan", kind: "self_service", vni: 5001 },
        { id: "ext", kind: "provider", physical_network: "physnet1", segmentation_id: 101 },
      ] as TopologyDocument["networks"],
      subnets: [{ id: "s1", network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" }],
      instances: [{ id: "web" }],
      routers: [
        {
          id: "r1",
          external_gateway: {
            network: "ext",
            fixed_ips: [{ subnet: "s2", ip_address: "203.0.113.2" }],
          },
        },
      ],
      ports: [
        {
          id: "p1",
          network: "lan",
          device: "web",
          fixed_ips: [{ subnet: "s1", ip_address: "10.0.0.5" }],
        },
        {
          id: "p2",
          network: "lan",
          device: "r1",
          fixed_ips: [{ subnet: "s1", ip_address: "10.0.0.1" }],
        },
      ],
      floating_ips: [{ id: "f1", network: "ext", port: "p1", floating_ip_address: "203.0.113.9" }],
    };
    expect(addressBadges(document)).toEqual({
      web: ["10.0.0.5", "fip 203.0.113.9"],
      r1: ["10.0.0.1", "gw 203.0.113.2"],
      f1: ["203.0.113.9"],
      s1: ["gw 10.0.0.1"],
      lan: ["VNI 5001"],
      ext: ["VLAN 101"],
    });
  });
});

describe("presence", () => {
  it("outlines what the others have selected, not what this client has", () => {
    const person = (id: number, name: string) => ({ id, name });
    const marks = presenceMarks(
      [
        {
          client_id: "me",
          color: "#111",
          selection: ["web"],
          user: person(1, "alice"),
          can_edit: true,
        },
        {
          client_id: "b",
          color: "#222",
          selection: ["web", "lan"],
          user: person(2, "bob"),
          can_edit: true,
        },
        { client_id: "c", color: "#333", selection: ["lan"], user: null, can_edit: false },
      ],
      "me",
    );
    expect(marks).toEqual({
      web: [{ name: "bob", color: "#222" }],
      lan: [
        { name: "bob", color: "#222" },
        { name: "guest", color: "#333" },
      ],
    });
  });
});
