// The sync queue against a simulated server: acks, stale edits with catch-up, gaps, resyncs,
// refused edits, reconnects, many editors converging on the server's document, and
// deployment events handed to their listener.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import type { ClientEvent, DeploymentEvent } from "../src/model/events";
import type { Operation } from "../src/model/operations";
import { elementsOf } from "../src/model/operations";
import { createDocumentStore } from "../src/store/document";
import { ReadOnlyError, SyncClient } from "../src/sync/sync";
import { base, FakeServer, names, type Client } from "./fakeServer";

const rename = (
  id: string,
  name: string,
  list: "networks" | "instances" = "networks",
): Operation[] => [{ op: "update", list, id, set: { name } }];
const addNetwork = (id: string): Operation[] => [
  { op: "add", list: "networks", element: { id, kind: "self_service" } },
];
const edits = (client: Client) => client.sent.filter((m) => m.type === "edit");
const syncs = (client: Client) => client.sent.filter((m) => m.type === "sync");

function expectInStep(server: FakeServer, ...clients: Client[]): void {
  for (const client of clients) {
    expect(client.store.getState().revision).toBe(server.head);
    expect(client.store.getState().pending).toEqual([]);
    expect(client.store.getState().document).toEqual(server.document);
    expect(client.store.getState().confirmed).toEqual(server.document);
  }
}

describe("sync", () => {
  it("loads the welcome and shows an edit at once, then adopts the stored ops", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    expect(alice.store.getState().revision).toBe(1);
    expect(alice.store.getState().topology).toEqual({ id: 7, name: "Campus", project: 3 });

    alice.sync.submit(addNetwork("wan"));
    const shown = alice.store.getState();
    expect(names(shown.document, "networks")).toContain("wan:undefined");
    expect(shown.revision).toBe(1);
    expect(shown.pending).toHaveLength(1);

    server.deliver(alice);
    // The ack carries the element as stored, defaults filled: the client keeps those.
    expect(names(alice.store.getState().document, "networks")).toContain("wan:");
    expectInStep(server, alice);
  });

  it("keeps one edit in flight, each on the revision before it", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    alice.sync.submit(rename("lan", "a"));
    alice.sync.submit(rename("lan", "b"));
    alice.sync.submit(rename("dmz", "c"));
    expect(edits(alice)).toHaveLength(1);
    expect(names(alice.store.getState().document, "networks")).toEqual(["lan:b", "dmz:c"]);
    server.deliver(alice, 1);
    expect(edits(alice)).toHaveLength(2);
    server.settle();
    expect(edits(alice).map((e) => e.type === "edit" && e.base_revision)).toEqual([1, 2, 3]);
    expectInStep(server, alice);
  });

  it("applies others' revisions under its own pending edits", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    const bob = server.connect("bob");
    bob.sync.submit(rename("dmz", "bob's"));
    server.deliver(bob);
    alice.sync.submit(rename("lan", "alice's"));
    // Alice's edit is in flight on revision 1; Bob's revision 2 has not reached her yet.
    expect(alice.store.getState().document).not.toEqual(server.document);
    server.settle();
    expectInStep(server, alice, bob);
    expect(names(server.document, "networks")).toEqual(["lan:alice's", "dmz:bob's"]);
  });

  it("on a stale answer with catch-up, applies the missed revisions and resends", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    const bob = server.connect("bob");
    // Bob's revision is stored but alice's socket is not told (as if it came later).
    bob.sync.submit(rename("dmz", "bob's"));
    server.deliver(bob);
    alice.delivered.clear();
    alice.inbox = [];
    alice.sync.submit(rename("lan", "alice's"));
    const rejected = alice.inbox[0];
    expect(rejected?.type === "rejected" && rejected.catch_up?.length).toBe(1);
    server.deliver(alice);
    expect(edits(alice).map((e) => e.type === "edit" && e.base_revision)).toEqual([1, 2]);
    server.settle();
    expectInStep(server, alice, bob);
  });

  it("on a stale answer whose revisions are already on the socket, waits for them", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    const bob = server.connect("bob");
    bob.sync.submit(rename("dmz", "bob's"));
    server.deliver(bob);
    alice.sync.submit(rename("lan", "alice's"));
    // Her inbox: Bob's revision 2, then the rejection with an empty catch-up.
    expect(alice.inbox.map((m) => m.type)).toEqual(["revision", "findings", "rejected"]);
    server.settle();
    expect(edits(alice)).toHaveLength(2);
    expectInStep(server, alice, bob);
  });

  it("never applies out of order: a jump in revisions asks for sync", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    const bob = server.connect("bob");
    bob.sync.submit(rename("dmz", "one"));
    server.deliver(bob);
    bob.sync.submit(rename("dmz", "two"));
    server.deliver(bob);
    server.lose(alice); // revision 2 never arrives
    alice.sync.submit(rename("lan", "mine"));
    server.deliver(alice, 1); // revision 3: a gap
    expect(alice.store.getState().revision).toBe(1);
    expect(syncs(alice)).toEqual([{ type: "sync", since_revision: 1 }]);
    expect(edits(alice)).toHaveLength(1);
    server.settle();
    expect(syncs(alice)).toHaveLength(1);
    expectInStep(server, alice, bob);
    expect(names(server.document, "networks")).toEqual(["lan:mine", "dmz:two"]);
  });

  it("on a resync replaces the document and drops pending edits that no longer apply", () => {
    const server = new FakeServer(base());
    server.catchUpLimit = 1;
    const alice = server.connect("alice");
    const bob = server.connect("bob");
    bob.sync.submit([{ op: "remove", list: "instances", id: "web" }]);
    server.deliver(bob);
    bob.sync.submit(rename("dmz", "two"));
    server.deliver(bob);
    // Both broadcasts to Alice are lost.
    while (server.lose(alice) !== undefined);
    // Alice has not seen either revision; she edits what Bob removed, then something else.
    alice.sync.submit(rename("web", "www", "instances"));
    alice.sync.submit(rename("lan", "kept"));
    server.settle();
    expect(alice.sent.map((m) => m.type)).toEqual(["edit", "edit"]);
    const problems = alice.store.getState().problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "conflict", errors: [{ path: "ops[0].id" }] });
    expectInStep(server, alice, bob);
    expect(names(server.document, "networks")).toEqual(["lan:kept", "dmz:two"]);
  });

  it("takes a whole-document revision (a restore) in order", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    server.restore({ ...base(), description: "restored" });
    // Sent on revision 1 before the restore reached her: stale, then resent on revision 2.
    alice.sync.submit(rename("lan", "pending"));
    server.settle();
    expect(edits(alice).map((e) => e.type === "edit" && e.base_revision)).toEqual([1, 2]);
    expectInStep(server, alice);
    expect(server.document.description).toBe("restored");
    expect(names(server.document, "networks")[0]).toBe("lan:pending");
  });

  it("drops a refused edit, restores the document and shows the field errors", () => {
    const server = new FakeServer(base());
    server.validate = (document) =>
      elementsOf(document, "networks").some((n) => n.name === "bad") ? "name not allowed" : null;
    const alice = server.connect("alice");
    const before = alice.store.getState().document;
    alice.sync.submit(rename("lan", "bad"));
    alice.sync.submit(rename("dmz", "fine"));
    server.settle();
    const state = alice.store.getState();
    expect(state.problems).toEqual([
      {
        editId:
          edits(alice)[0]!.type === "edit" ? (edits(alice)[0] as { edit_id: string }).edit_id : "",
        code: "invalid_edit",
        detail: "invalid_edit",
        errors: [{ path: "ops[0]", message: "name not allowed" }],
      },
    ]);
    expect(names(state.document, "networks")).toEqual(["lan:lan", "dmz:fine"]);
    expect(before).not.toBe(state.document);
    expectInStep(server, alice);
  });

  it("lets a viewer see but not edit", () => {
    const server = new FakeServer(base());
    const viewer = server.connect("viewer", false);
    expect(() => viewer.sync.submit(rename("lan", "x"))).toThrow(ReadOnlyError);
    expect(viewer.store.getState().pending).toEqual([]);
  });

  it("drops queued edits when the role is taken away", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    alice.canEdit = false;
    alice.sync.submit(rename("lan", "x"));
    alice.sync.submit(rename("dmz", "y"));
    server.settle();
    const state = alice.store.getState();
    expect(state.canEdit).toBe(false);
    expect(state.pending).toEqual([]);
    expect(state.problems.map((p) => p.code)).toEqual(["forbidden", "forbidden"]);
    expect(state.document).toEqual(server.document);
  });

  it("after a reconnect, recognises its own stored edit instead of applying it twice", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    alice.sync.submit(addNetwork("wan"));
    alice.sync.submit(rename("wan", "uplink"));
    // The first edit is stored, but the socket drops before the ack arrives.
    server.disconnect(alice);
    expect(server.head).toBe(2);
    server.reconnect(alice);
    server.settle();
    expect(syncs(alice)).toEqual([{ type: "sync", since_revision: 1 }]);
    expect(alice.store.getState().problems).toEqual([]);
    expectInStep(server, alice);
    expect(names(server.document, "networks")).toEqual(["lan:lan", "dmz:dmz", "wan:uplink"]);
  });

  it("after a reconnect with nothing stored meanwhile, resends its pending edit", () => {
    const server = new FakeServer(base());
    const alice = server.connect("alice");
    server.disconnect(alice);
    alice.sync.submit(rename("lan", "offline"));
    expect(edits(alice)).toHaveLength(0);
    server.reconnect(alice);
    server.settle();
    expectInStep(server, alice);
    expect(names(server.document, "networks")[0]).toBe("lan:offline");
  });

  it("hands deployment events to its listener, apart from the document and the queue", () => {
    const store = createDocumentStore();
    const sent: ClientEvent[] = [];
    const heard: DeploymentEvent[] = [];
    const sync = new SyncClient(
      store,
      { send: (message) => sent.push(message) },
      { onDeployment: (event) => heard.push(event) },
    );
    sync.connectionOpened();
    sync.receive({
      type: "welcome",
      client_id: "c1",
      user: { id: 1, name: "alice" },
      role: "editor",
      can_edit: true,
      topology: { id: 7, name: "Campus", project: 3 },
      revision: 4,
      document: base() as Record<string, unknown>,
      findings: [],
      presence: [],
    });
    const before = store.getState();
    const event: DeploymentEvent = {
      type: "deployment",
      deployment: {
        id: 2,
        action: "deploy",
        state: "applying",
        revision: 4,
        progress: 30,
        hosts: { alpha: { done: 3, total: 10, state: "pending" } },
        error: "",
        requested_by: { id: 1, name: "alice" },
        started_at: "2026-01-01T10:00:00+00:00",
        finished_at: null,
      },
      elements: { lan: "creating" },
      log: [{ at: "2026-01-01T10:00:01+00:00", host: "alpha", level: "info", message: "go" }],
    };
    sync.receive(event);
    expect(heard).toEqual([event]);
    expect(store.getState()).toBe(before);
    expect(sent).toEqual([]);
    // Without a listener the event is ignored.
    const quiet = new SyncClient(createDocumentStore(), { send: () => undefined });
    expect(() => quiet.receive(event)).not.toThrow();
  });

  it("converges: three editors, random edits, random delivery, lost broadcasts", () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const seen = { stale: 0, syncs: 0, resyncs: 0 };
    for (let round = 0; round < 20; round++) {
      const server = new FakeServer(base());
      server.catchUpLimit = 3;
      const clients = ["a", "b", "c"].map((name) => server.connect(name));
      for (let step = 0; step < 60; step++) {
        const client = clients[Math.floor(random() * clients.length)]!;
        const roll = random();
        if (roll < 0.45) {
          const target = random() < 0.5 ? "lan" : "dmz";
          client.sync.submit(rename(target, `${client.name}${step}`));
        } else if (roll < 0.6) {
          client.sync.submit([{ op: "move", positions: { web: { x: step, y: -step } } }]);
        } else if (roll < 0.65) {
          server.lose(client);
        } else {
          server.deliver(client, 1 + Math.floor(random() * 3));
        }
      }
      server.settle();
      // A lost broadcast with nothing after it goes unnoticed until the next change: one
      // more edit by someone whose messages all arrive tells everyone.
      const last = server.connect("last");
      last.sync.submit(rename("lan", "last"));
      server.settle();
      expectInStep(server, last, ...clients);
      for (const client of clients) {
        seen.syncs += syncs(client).length;
      }
      seen.stale += server.rejections.stale_revision;
      seen.resyncs += server.resyncs;
    }
    // The interleavings did reach every path.
    expect(seen.stale).toBeGreaterThan(10);
    expect(seen.syncs).toBeGreaterThan(5);
    expect(seen.resyncs).toBeGreaterThan(0);
  });
});

export type { TopologyDocument };
