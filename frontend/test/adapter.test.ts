// The canvas adapter: nodes and edges from the document, drags as one move edit at the end.
import { describe, expect, it } from "vitest";
import { onNodesChange, sketchLines, toEdges, toFlow, toNodes } from "../src/canvas/adapter";
import { createUndoStore } from "../src/store/undo";
import { createViewStore } from "../src/store/view";
import { base, FakeServer } from "./fakeServer";

describe("canvas adapter", () => {
  it("draws elements as nodes and ports as edges, with drag positions on top", () => {
    const document = {
      ...base(),
      subnets: [{ id: "lan4", network: "lan", cidr: "10.0.0.0/24", name: "" }],
      ports: [{ id: "p1", network: "dmz", device: "web", name: "eth0" }],
    };
    const { nodes, edges } = toFlow(document, { lan: { x: 9, y: 9 } }, ["web"]);
    expect(nodes.map((n) => [n.id, n.data.label, n.selected])).toEqual([
      ["lan", "lan", false],
      ["dmz", "dmz", false],
      ["lan4", "lan4 10.0.0.0/24", false],
      ["web", "web", true],
    ]);
    expect(nodes.find((n) => n.id === "lan")!.position).toEqual({ x: 9, y: 9 });
    expect(nodes.find((n) => n.id === "web")!.position).toEqual({ x: 100, y: 50 });
    expect(edges.map((e) => [e.source, e.target])).toEqual([
      ["web", "dmz"],
      ["lan4", "lan"],
    ]);
  });

  it("draws unplaced elements in columns per kind, wrapped to keep a large topology square", () => {
    const vms = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: `vm${i}`, name: "", kind: "vm" as const }));
    const small = toNodes(
      { networks: [{ id: "lan", kind: "self_service" }], instances: vms(3) },
      {},
      [],
    );
    expect(small.map((n) => [n.id, n.position.x, n.position.y])).toEqual([
      ["lan", 0, 0],
      ["vm0", 660, 0],
      ["vm1", 660, 120],
      ["vm2", 660, 240],
    ]);
    // 400 elements: at most 28 rows (the root of 400 * 220 / 120, up), so 15 columns.
    const large = toNodes({ instances: vms(400), layout: { positions: {} } }, {}, []);
    const xs = new Set(large.map((n) => n.position.x));
    const ys = new Set(large.map((n) => n.position.y));
    expect([xs.size, ys.size]).toEqual([15, 28]);
    expect(large.find((n) => n.id === "vm28")!.position).toEqual({ x: 660 + 220, y: 0 });
    // An element placed by hand moves no other.
    const placed = toNodes(
      { instances: vms(400), layout: { positions: { vm0: { x: -500, y: -500 } } } },
      {},
      [],
    );
    expect(placed.find((n) => n.id === "vm28")!.position).toEqual({ x: 880, y: 0 });
  });

  it("sketches the lines between the boxes' handles, the selected and the dashed apart", () => {
    const document = {
      ...base(),
      ports: [
        { id: "p1", network: "dmz", device: "web", name: "eth0" },
        { id: "p2", network: "lan", device: "web", name: "eth1" },
      ],
      floating_ips: [{ id: "fip", network: "dmz", port: "p1" }],
    };
    const nodes = toNodes(document, {}, [], {}, { sizes: { web: { width: 100, height: 40 } } });
    const at = Object.fromEntries(nodes.map((node) => [node.id, node.position]));
    const lines = sketchLines(nodes, toEdges(document, ["p2"]));
    const [web, dmz, lan, fip] = [at.web!, at.dmz!, at.lan!, at.fip!];
    // web is measured; the others are as big as an element is assumed to be (190 by 46).
    expect(lines.plain).toBe(`M${web.x + 50} ${web.y + 40}L${dmz.x + 95} ${dmz.y}`);
    expect(lines.selected).toBe(`M${web.x + 50} ${web.y + 40}L${lan.x + 95} ${lan.y}`);
    expect(lines.dashed).toBe(`M${fip.x + 95} ${fip.y + 46}L${web.x + 50} ${web.y}`);
    expect(lines.moving).toBe("");
    // The lines of a dragged element are drawn apart.
    const dragged = sketchLines(nodes, toEdges(document, []), { fip: { x: 0, y: 0 } });
    expect(dragged.dashed).toBe("");
    expect(dragged.moving).toBe(lines.dashed);
    expect(dragged.plain).toBe(lines.plain + lines.selected);
  });

  it("keeps a drag in the view and sends one move when it ends", () => {
    const server = new FakeServer(base());
    const client = server.connect("alice");
    const view = createViewStore();
    const undo = createUndoStore(client.store, client.sync);
    for (const x of [110, 120, 130]) {
      onNodesChange(
        [{ type: "position", id: "web", position: { x, y: 50 }, dragging: true }],
        view,
        undo,
      );
    }
    expect(view.getState().dragging).toEqual({ web: { x: 130, y: 50 } });
    expect(client.sent.filter((m) => m.type === "edit")).toHaveLength(0);
    onNodesChange([{ type: "position", id: "web", dragging: false }], view, undo);
    server.settle();
    expect(client.sent.filter((m) => m.type === "edit")).toHaveLength(1);
    expect(server.document.layout?.positions?.web).toEqual({ x: 130, y: 50 });
    expect(view.getState().dragging).toEqual({});
    onNodesChange([{ type: "select", id: "lan", selected: true }], view, undo);
    expect(view.getState().selection).toEqual(["lan"]);
  });
});
