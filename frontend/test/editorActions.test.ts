// The canvas adapter's editing actions against a simulated server: a palette drop, a link,
// a refused link (nothing sent), a delete with dependents, each one undoable edit.
import { describe, expect, it } from "vitest";
import {
  freeSpot,
  onConnect,
  onDelete,
  onLinkTarget,
  onPaletteDrop,
  severities,
  toFlow,
} from "../src/canvas/adapter";
import { createUndoStore } from "../src/store/undo";
import { createViewStore } from "../src/store/view";
import { base, FakeServer } from "./fakeServer";

function editor() {
  const server = new FakeServer(base());
  const client = server.connect("alice");
  server.settle();
  const view = createViewStore();
  const undo = createUndoStore(client.store, client.sync);
  const edits = () => client.sent.filter((m) => m.type === "edit");
  const document = () => client.store.getState().document;
  return { server, client, view, undo, edits, document };
}

describe("editing actions", () => {
  it("a palette drop adds the element where it fell, selected, as one edit", () => {
    const { server, view, undo, edits, document } = editor();
    view.getState().select(["lan"]);
    onPaletteDrop("subnet", { x: 40.4, y: 80 }, document(), {}, view, undo);
    server.settle();
    expect(edits()).toHaveLength(1);
    const [subnet] = server.document.subnets ?? [];
    expect(subnet).toMatchObject({ network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" });
    expect(server.document.layout?.positions?.[subnet!.id]).toEqual({ x: 40, y: 80 });
    expect(view.getState().selection).toEqual([subnet!.id]);
  });

  it("a link makes a port; a refused one shows why and sends nothing", () => {
    const { server, view, undo, edits, document } = editor();
    onConnect(
      { source: "web", target: "web", sourceHandle: null, targetHandle: null },
      document(),
      view,
      undo,
    );
    onConnect(
      { source: "lan", target: "dmz", sourceHandle: null, targetHandle: null },
      document(),
      view,
      undo,
    );
    expect(view.getState().notice).toBe("Two networks cannot be linked.");
    expect(edits()).toHaveLength(0);
    onConnect(
      { source: "web", target: "lan", sourceHandle: null, targetHandle: null },
      document(),
      view,
      undo,
    );
    server.settle();
    expect(view.getState().notice).toBeNull();
    expect(server.document.ports).toEqual([
      expect.objectContaining({ device: "web", network: "lan" }),
    ]);
  });

  it("delete removes the selection with its ports as one edit; undo brings all back", () => {
    const { server, view, undo, edits, document } = editor();
    onConnect(
      { source: "web", target: "lan", sourceHandle: null, targetHandle: null },
      document(),
      view,
      undo,
    );
    server.settle();
    view.getState().select(["lan"]);
    onDelete(document(), view, undo);
    server.settle();
    expect(edits()).toHaveLength(2);
    expect(server.document.networks?.map((n) => n.id)).toEqual(["dmz"]);
    expect(server.document.ports).toEqual([]);
    expect(view.getState().selection).toEqual([]);
    undo.getState().undo();
    server.settle();
    expect(server.document.networks?.map((n) => n.id).sort()).toEqual(["dmz", "lan"]);
    expect(server.document.ports).toHaveLength(1);
  });

  it("outlines each element with its worst finding, and places new ones apart", () => {
    const worst = severities([
      { code: "a", severity: "warning", elements: ["lan", "web"], message: "", data: {} },
      { code: "b", severity: "error", elements: ["lan"], message: "", data: {} },
      { code: "c", severity: "info", elements: ["dmz"], message: "", data: {} },
    ]);
    expect(worst).toEqual({ lan: "error", web: "warning" });
    const { nodes } = toFlow(base(), {}, [], worst);
    expect(nodes.find((n) => n.id === "lan")?.className).toBe("finding-error");
    expect(nodes.find((n) => n.id === "dmz")?.className).toBeUndefined();
    const first = freeSpot([], { x: 500, y: 300 });
    const second = freeSpot([first], { x: 500, y: 300 });
    expect(second).not.toEqual(first);
  });

  it("a link drawn from the keyboard: start on one element, choose the other", () => {
    const { server, view, undo, edits, document } = editor();
    view.getState().select(["web"]);
    view.getState().startLink("web");
    // Choosing the same element again, or nothing, waits for a real target.
    expect(onLinkTarget(document(), view, undo)).toBe(false);
    view.getState().select([]);
    expect(onLinkTarget(document(), view, undo)).toBe(false);
    view.getState().select(["lan"]);
    expect(onLinkTarget(document(), view, undo)).toBe(true);
    server.settle();
    expect(edits()).toHaveLength(1);
    expect(server.document.ports).toMatchObject([{ device: "web", network: "lan" }]);
    expect(view.getState().linkFrom).toBeNull();
    // Once linked, choosing another element is an ordinary selection.
    view.getState().select(["dmz"]);
    expect(onLinkTarget(document(), view, undo)).toBe(false);
  });
});
