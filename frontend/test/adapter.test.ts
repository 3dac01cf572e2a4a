// The canvas adapter: nodes and edges from the document, drags as one move edit at the end.
import { describe, expect, it } from "vitest";
import { onNodesChange, toFlow } from "../src/canvas/adapter";
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

  it("keeps a drag in the view and sends one move when it ends", () => {
    const server = new FakeServer(base());
    const client = server.connect("alice");
    const view = createViewStore();
    const undo = createUndoStore(client.store, client.sync);
    for (const x of [110, 120, 130]) {
      onNodesChange([{ type: "position", id: "web", position: { x, y: 50 }, dragging: true }], view, undo);
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
