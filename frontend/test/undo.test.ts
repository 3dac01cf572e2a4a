// The undo stack: one edit per action, inverses from the state before, redo, and edits by
// others in between left alone.
import { describe, expect, it } from "vitest";
import { elementsOf, findElement } from "../src/model/operations";
import { createUndoStore } from "../src/store/undo";
import { base, FakeServer, names, type Client } from "./fakeServer";

function editor(server: FakeServer, name: string) {
  const client = server.connect(name);
  const undo = createUndoStore(client.store, client.sync);
  return { client, undo };
}
const editCount = (client: Client) => client.sent.filter((m) => m.type === "edit").length;
const doc = (client: Client) => client.store.getState().document;

describe("undo", () => {
  it("undoes and redoes an update, one edit each", () => {
    const server = new FakeServer(base());
    const { client, undo } = editor(server, "alice");
    undo.getState().perform("rename", [
      { op: "update", list: "networks", id: "lan", set: { name: "inside", mtu: 1400 } },
    ]);
    server.settle();
    expect(editCount(client)).toBe(1);
    expect(undo.getState().undo()).toBe(true);
    server.settle();
    expect(editCount(client)).toBe(2);
    const lan = findElement(server.document, "lan")!.element;
    expect(lan.name).toBe("lan");
    // mtu was not a field of lan before: an update cannot unset it, so it stays.
    expect(lan.mtu).toBe(1400);
    expect(undo.getState().redo()).toBe(true);
    server.settle();
    expect(findElement(server.document, "lan")!.element.name).toBe("inside");
    expect(doc(client)).toEqual(server.document);
  });

  it("undoes a removal: the element, its position and its group memberships", () => {
    const server = new FakeServer(base());
    const { client, undo } = editor(server, "alice");
    const before = structuredClone(server.document);
    undo.getState().perform("delete web", [{ op: "remove", list: "instances", id: "web" }]);
    server.settle();
    expect(findElement(server.document, "web")).toBeUndefined();
    expect(server.document.layout?.groups?.[0]?.members).toEqual(["dmz"]);
    undo.getState().undo();
    server.settle();
    expect(server.document.layout?.positions).toEqual(before.layout?.positions);
    expect(server.document.layout?.groups).toEqual([
      { id: "g1", label: "front", members: ["dmz", "web"] },
    ]);
    expect(findElement(server.document, "web")!.element).toMatchObject({ image: "nginx:1.27" });
    undo.getState().redo();
    server.settle();
    expect(findElement(server.document, "web")).toBeUndefined();
    expect(doc(client)).toEqual(server.document);
  });

  it("undoes an add, a move, groups and the description", () => {
    const server = new FakeServer(base());
    const { client, undo } = editor(server, "alice");
    const before = structuredClone(server.document);
    const { perform } = undo.getState();
    perform("add", [{ op: "add", list: "networks", element: { id: "wan", kind: "self_service" } }]);
    perform("move", [{ op: "move", positions: { lan: { x: 5, y: 5 }, web: { x: 1, y: 1 } } }]);
    perform("group", [{ op: "set_groups", groups: [{ id: "g9", members: ["lan"] }] }]);
    perform("describe", [{ op: "set_description", description: "new" }]);
    server.settle();
    for (let i = 0; i < 4; i++) expect(undo.getState().undo()).toBe(true);
    expect(undo.getState().undo()).toBe(false);
    server.settle();
    expect(server.document).toEqual(before);
    expect(doc(client)).toEqual(before);
    expect(undo.getState().redoStack).toHaveLength(4);
  });

  it("leaves edits made by others in between", () => {
    const server = new FakeServer(base());
    const alice = editor(server, "alice");
    const bob = editor(server, "bob");
    alice.undo.getState().perform("rename lan", [
      { op: "update", list: "networks", id: "lan", set: { name: "alice" } },
    ]);
    alice.undo.getState().perform("delete web", [
      { op: "remove", list: "instances", id: "web" },
    ]);
    server.settle();
    bob.undo.getState().perform("bob", [
      { op: "update", list: "networks", id: "lan", set: { description: "bob's note" } },
      { op: "update", list: "networks", id: "dmz", set: { name: "bob" } },
      { op: "set_groups", groups: [{ id: "g1", label: "renamed by bob", members: ["dmz", "lan"] }] },
    ]);
    server.settle();
    alice.undo.getState().undo();
    alice.undo.getState().undo();
    server.settle();
    const lan = findElement(server.document, "lan")!.element;
    expect(lan).toMatchObject({ name: "lan", description: "bob's note" });
    expect(names(server.document, "networks")).toEqual(["lan:lan", "dmz:bob"]);
    expect(server.document.layout?.groups).toEqual([
      { id: "g1", label: "renamed by bob", members: ["dmz", "lan", "web"] },
    ]);
    expect(doc(alice.client)).toEqual(server.document);
  });

  it("refuses to undo when someone removed what the action changed", () => {
    const server = new FakeServer(base());
    const alice = editor(server, "alice");
    const bob = editor(server, "bob");
    alice.undo.getState().perform("rename web", [
      { op: "update", list: "instances", id: "web", set: { name: "www" } },
    ]);
    server.settle();
    bob.client.sync.submit([{ op: "remove", list: "instances", id: "web" }]);
    server.settle();
    expect(alice.undo.getState().undo()).toBe(false);
    expect(alice.undo.getState().undoStack).toEqual([]);
    expect(alice.client.store.getState().problems).toMatchObject([
      { code: "conflict", errors: [{ path: "ops[0].id" }] },
    ]);
    expect(editCount(alice.client)).toBe(1);
  });

  it("forgets the entry of an edit the server refused, and a new action clears redo", () => {
    const server = new FakeServer(base());
    server.validate = (document) =>
      elementsOf(document, "networks").length > 2 ? "too many networks" : null;
    const { client, undo } = editor(server, "alice");
    undo.getState().perform("rename", [
      { op: "update", list: "networks", id: "lan", set: { name: "a" } },
    ]);
    undo.getState().perform("add", [
      { op: "add", list: "networks", element: { id: "wan", kind: "self_service" } },
    ]);
    expect(undo.getState().undoStack).toHaveLength(2);
    server.settle();
    expect(undo.getState().undoStack.map((e) => e.label)).toEqual(["rename"]);
    expect(client.store.getState().problems[0]?.code).toBe("invalid_edit");
    undo.getState().undo();
    expect(undo.getState().redoStack).toHaveLength(1);
    undo.getState().perform("describe", [{ op: "set_description", description: "x" }]);
    expect(undo.getState().redoStack).toEqual([]);
    server.settle();
    expect(doc(client)).toEqual(server.document);
  });
});
