// The connectivity store: checks from the REST list and the socket merged by id without going
// back from finished to under way, the check shown, and the result whose path is highlighted.
import { describe, expect, it } from "vitest";
import type { Check, CheckResult, ConnectivityEvent } from "../src/api/checks";
import {
  createConnectivityStore,
  isRunning,
  newestFirst,
  selectedResult,
  shownCheck,
} from "../src/store/connectivity";
import { createDocumentStore } from "../src/store/document";
import { SyncClient } from "../src/sync/sync";

function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    source: "vm1",
    target: "vm2",
    address: "10.70.0.12",
    protocol: "icmp",
    port: null,
    reachable: true,
    expected: true,
    agrees: true,
    rtt_ms: 0.4,
    detail: "",
    path: ["vm1", "lan-v4", "vm2"],
    ...overrides,
  };
}

function check(id: number, overrides: Partial<Check> = {}): Check {
  return {
    id,
    kind: "ping",
    source: "vm1",
    target: "vm2",
    port: null,
    state: "queued",
    results: [],
    findings: [],
    error: "",
    created_at: `2026-01-01T10:00:0${id}+00:00`,
    finished_at: null,
    deployment: 4,
    revision: 2,
    hosts: {},
    requested_by: { id: 1, name: "ada" },
    ...overrides,
  };
}

const event = (c: Check): ConnectivityEvent => ({ type: "connectivity", check: c });

describe("connectivity store", () => {
  it("starts empty, or with the checks it is given, and shows the newest", () => {
    const empty = createConnectivityStore().getState();
    expect(empty.checks).toEqual({});
    expect(shownCheck(empty)).toBeNull();
    expect(selectedResult(empty)).toBeNull();
    const seeded = createConnectivityStore([check(2), check(5), check(3)]).getState();
    expect(Object.keys(seeded.checks)).toEqual(["2", "3", "5"]);
    expect(shownCheck(seeded)?.id).toBe(5);
    expect(newestFirst(seeded.checks).map((c) => c.id)).toEqual([5, 3, 2]);
  });

  it("follows a check through its states from the socket", () => {
    const store = createConnectivityStore();
    store.getState().apply(event(check(7)));
    expect(isRunning(shownCheck(store.getState()))).toBe(true);
    store.getState().apply(event(check(7, { state: "running" })));
    expect(store.getState().checks[7]!.state).toBe("running");
    const done = check(7, { state: "done", results: [result()], finished_at: "x" });
    store.getState().apply(event(done));
    expect(store.getState().checks[7]).toEqual(done);
    expect(isRunning(store.getState().checks[7]!)).toBe(false);
  });

  it("never takes an earlier state of a check over a later one", () => {
    const store = createConnectivityStore();
    const done = check(7, { state: "done", results: [result()] });
    store.getState().apply(event(done));
    // The REST list answered before the check finished, and arrives after its event.
    store.getState().load([check(7, { state: "running" }), check(6, { state: "failed" })]);
    expect(store.getState().checks[7]).toBe(done);
    expect(store.getState().checks[6]!.state).toBe("failed");
    store.getState().apply(event(check(7, { state: "queued" })));
    expect(store.getState().checks[7]).toBe(done);
    // A failure after done (the same stage) is taken: the server said it last.
    store.getState().apply(event(check(7, { state: "failed", error: "gone" })));
    expect(store.getState().checks[7]!.error).toBe("gone");
  });

  it("shows the check this person started, and the one picked from the list", () => {
    const store = createConnectivityStore([check(3), check(9)]);
    store.getState().started(check(4));
    expect(shownCheck(store.getState())?.id).toBe(4);
    store.getState().apply(event(check(10)));
    expect(shownCheck(store.getState())?.id).toBe(4);
    store.getState().show(null);
    expect(shownCheck(store.getState())?.id).toBe(10);
    store.getState().show(3);
    expect(shownCheck(store.getState())?.id).toBe(3);
  });

  it("selects one result for the canvas, and drops it when another check is shown", () => {
    const blocked = result({ target: "vm3", reachable: false, agrees: false, expected: true });
    const store = createConnectivityStore([
      check(5, { kind: "matrix", state: "done", results: [result(), blocked] }),
    ]);
    store.getState().select({ check: 5, index: 1 });
    expect(selectedResult(store.getState())).toBe(blocked);
    // Showing the same check keeps it; a further event of that check keeps it.
    store.getState().show(5);
    expect(selectedResult(store.getState())).toBe(blocked);
    store.getState().select({ check: 5, index: 7 });
    expect(selectedResult(store.getState())).toBeNull();
    store.getState().select({ check: 5, index: 0 });
    store.getState().started(check(6));
    expect(store.getState().selected).toBeNull();
    store.getState().select({ check: 5, index: 0 });
    store.getState().show(6);
    expect(store.getState().selected).toBeNull();
    store.getState().select({ check: 5, index: 0 });
    store.getState().select(null);
    expect(selectedResult(store.getState())).toBeNull();
  });

  it("is fed by the socket's connectivity events, apart from the document", () => {
    const documents = createDocumentStore();
    const store = createConnectivityStore();
    const sync = new SyncClient(
      documents,
      { send: () => undefined },
      { onConnectivity: (e) => store.getState().apply(e) },
    );
    const before = documents.getState();
    sync.receive(event(check(8, { state: "running" })));
    sync.receive(event(check(8, { state: "done", results: [result()] })));
    expect(store.getState().checks[8]!.results).toEqual([result()]);
    expect(documents.getState()).toBe(before);
  });
});
