// The document store on its own: optimistic edits, in-order revisions, replaying pending
// edits on a new base.
import { describe, expect, it } from "vitest";
import { OperationError } from "../src/model/operations";
import { createDocumentStore } from "../src/store/document";
import { base, names } from "./fakeServer";

function loaded() {
  const store = createDocumentStore();
  store.getState().load(1, base());
  return store;
}

describe("document store", () => {
  it("shows pending edits on top of the confirmed document", () => {
    const store = loaded();
    store.getState().propose("e1", [{ op: "update", list: "networks", id: "lan", set: { name: "x" } }]);
    const state = store.getState();
    expect(names(state.document, "networks")).toEqual(["lan:x", "dmz:dmz"]);
    expect(names(state.confirmed, "networks")).toEqual(["lan:lan", "dmz:dmz"]);
  });

  it("refuses an edit that does not apply and changes nothing", () => {
    const store = loaded();
    const before = store.getState();
    expect(() =>
      store.getState().propose("e1", [
        { op: "add", list: "routers", element: { id: "lan" } },
      ]),
    ).toThrow(OperationError);
    expect(() =>
      store.getState().propose("e2", [{ op: "remove", list: "ports", id: "nope" }]),
    ).toThrow(/ops\[0\]\.id: there is no element 'nope' in ports/);
    expect(store.getState()).toBe(before);
  });

  it("takes revisions only in order", () => {
    const store = loaded();
    expect(() =>
      store.getState().applyRevision(3, { ops: [{ op: "set_description", description: "x" }] }),
    ).toThrow(/does not follow/);
    store.getState().applyRevision(2, { ops: [{ op: "set_description", description: "x" }] });
    expect(store.getState()).toMatchObject({ revision: 2, document: { description: "x" } });
  });

  it("drops an unsent edit that no longer applies, keeps a sent one for the server to judge", () => {
    const store = loaded();
    const touchWeb = [{ op: "update", list: "instances", id: "web", set: { name: "w" } }] as const;
    store.getState().propose("sent", [...touchWeb]);
    store.getState().markSent("sent");
    store.getState().propose("unsent", [...touchWeb]);
    store.getState().applyRevision(2, { ops: [{ op: "remove", list: "instances", id: "web" }] });
    const state = store.getState();
    expect(state.pending.map((e) => e.id)).toEqual(["sent"]);
    expect(state.problems).toMatchObject([{ editId: "unsent", code: "conflict" }]);
    expect(state.document).toEqual(state.confirmed);
  });

  it("confirms an edit with the operations as stored", () => {
    const store = loaded();
    store.getState().propose("e1", [
      { op: "add", list: "networks", element: { id: "wan", kind: "self_service" } },
    ]);
    store.getState().confirm("e1", 2, [
      { op: "add", list: "networks", element: { id: "wan", kind: "self_service", name: "" } },
    ]);
    const state = store.getState();
    expect(state.pending).toEqual([]);
    expect(state.revision).toBe(2);
    expect(names(state.document, "networks")).toEqual(["lan:lan", "dmz:dmz", "wan:"]);
  });
});
