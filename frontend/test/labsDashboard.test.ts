// The lab dashboard: progress messages merged into the class's copies, and the socket opened
// again after a close until the server refuses.
import { describe, expect, it } from "vitest";
import type { LabCopy } from "../src/api/labs";
import { goalRows } from "../src/pages/labs/GoalResults";
import {
  connectDashboard,
  createDashboardStore,
  mergeProgress,
  RETRY_MS,
  type DashboardSocket,
  type LabProgressEvent,
} from "../src/store/labs";

const copy = (id: number, student: string, fields: Partial<LabCopy> = {}): LabCopy => ({
  id,
  lab: 4,
  student,
  topology: 100 + id,
  project: 200 + id,
  started_at: "2026-11-27T10:00:00Z",
  reset_at: null,
  checked_at: null,
  checked_revision: null,
  passed: 0,
  total: 2,
  results: [],
  checking: false,
  ...fields,
});
const progress = (...copies: LabCopy[]): LabProgressEvent => ({
  type: "lab_progress",
  lab: 4,
  copies,
});

describe("merging lab progress", () => {
  it("takes a snapshot as the whole class, by student", () => {
    const before = [copy(9, "zed")];
    const after = mergeProgress(before, progress(copy(2, "ben"), copy(1, "ana")), true);
    expect(after.map((c) => c.student)).toEqual(["ana", "ben"]);
  });

  it("puts one copy in its place, or adds it", () => {
    const class_ = [copy(1, "ana"), copy(2, "ben")];
    const checked = copy(2, "ben", { checked_at: "2026-11-27T10:05:00Z", passed: 1 });
    const after = mergeProgress(class_, progress(checked), false);
    expect(after.map((c) => [c.student, c.passed])).toEqual([
      ["ana", 0],
      ["ben", 1],
    ]);
    const joined = mergeProgress(after, progress(copy(3, "aaron")), false);
    expect(joined.map((c) => c.student)).toEqual(["aaron", "ana", "ben"]);
  });

  it("keeps a later check over an earlier one that arrives late", () => {
    const later = copy(1, "ana", { checked_at: "2026-11-27T10:06:00Z", passed: 2 });
    const earlier = copy(1, "ana", { checked_at: "2026-11-27T10:05:00Z", passed: 1 });
    expect(mergeProgress([later], progress(earlier), false)[0]!.passed).toBe(2);
    // A reset after the check is the newer state.
    const reset = copy(1, "ana", {
      checked_at: "2026-11-27T10:06:00Z",
      reset_at: "2026-11-27T10:07:00Z",
    });
    expect(mergeProgress([later], progress(reset), false)[0]!.passed).toBe(0);
  });

  it("ignores another lab's messages", () => {
    const store = createDashboardStore(4);
    store.getState().receive({ type: "lab_progress", lab: 5, copies: [copy(1, "ana")] }, true);
    expect(store.getState().copies).toEqual([]);
    expect(store.getState().link).toBe("connecting");
  });
});

class FakeSocket implements DashboardSocket {
  onmessage: DashboardSocket["onmessage"] = null;
  onclose: DashboardSocket["onclose"] = null;
  closed = false;
  close() {
    this.closed = true;
  }
  send(event: LabProgressEvent) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
}

describe("the dashboard's socket", () => {
  it("opens again after a close, and takes the new snapshot whole", () => {
    const store = createDashboardStore(4);
    const sockets: FakeSocket[] = [];
    const timers: [() => void, number][] = [];
    const stop = connectDashboard(
      store,
      () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      (run, ms) => timers.push([run, ms]),
    );
    sockets[0]!.send(progress(copy(1, "ana"), copy(2, "ben")));
    sockets[0]!.send(progress(copy(2, "ben", { checked_at: "2026-11-27T10:05:00Z", passed: 2 })));
    expect(store.getState().link).toBe("live");
    expect(store.getState().copies.map((c) => c.passed)).toEqual([0, 2]);

    sockets[0]!.onclose?.({ code: 1006 });
    expect(store.getState().link).toBe("connecting");
    expect(timers.map(([, ms]) => ms)).toEqual([RETRY_MS(0)]);
    timers[0]![0]();
    expect(sockets).toHaveLength(2);
    // Ben's copy was reset while the socket was closed; the new snapshot says so.
    sockets[1]!.send(
      progress(copy(1, "ana"), copy(2, "ben", { reset_at: "2026-11-27T10:09:00Z" })),
    );
    expect(store.getState().copies.map((c) => c.passed)).toEqual([0, 0]);

    stop();
    expect(sockets[1]!.closed).toBe(true);
    sockets[1]!.onclose?.({ code: 1000 });
    expect(timers).toHaveLength(1);
  });

  it("waits longer after each failed attempt, and stops when refused", () => {
    const store = createDashboardStore(4);
    const sockets: FakeSocket[] = [];
    const waits: number[] = [];
    connectDashboard(
      store,
      () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      (run, ms) => {
        waits.push(ms);
        run();
      },
    );
    sockets[0]!.onclose?.({ code: 1006 });
    sockets[1]!.onclose?.({ code: 1006 });
    sockets[2]!.onclose?.({ code: 4403 });
    expect(waits).toEqual([RETRY_MS(0), RETRY_MS(1)]);
    expect(RETRY_MS(1)).toBeGreaterThan(RETRY_MS(0));
    expect(RETRY_MS(50)).toBe(15_000);
    expect(store.getState().link).toBe("refused");
    expect(sockets).toHaveLength(3);
  });
});

describe("a copy's goal rows", () => {
  const words = ["The design has no validation errors.", "web1 reaches db1."];
  it("lists the goals unchecked before a check, and the results after one", () => {
    expect(goalRows(words, null).map((r) => r.status)).toEqual(["unchecked", "unchecked"]);
    const checked = copy(1, "ana", {
      checked_at: "2026-11-27T10:05:00Z",
      results: [
        { goal: words[0]!, status: "pass", detail: "No errors.", by: "design" },
        { goal: words[1]!, status: "fail", detail: "No route.", by: "design" },
      ],
    });
    expect(goalRows(words, checked)).toEqual([
      { goal: words[0], status: "pass", detail: "No errors." },
      { goal: words[1], status: "fail", detail: "No route." },
    ]);
  });
});
