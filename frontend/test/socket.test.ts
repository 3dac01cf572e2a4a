// The topology socket's life: a refusal (4403, 4404) is told once and not retried; a drop is
// retried with a growing pause; the page's own close is neither a problem nor retried.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDocumentStore } from "../src/store/document";
import { connectTopology } from "../src/sync/socket";

class FakeSocket {
  static OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }

  send(): void {}

  /** The server accepts, then closes with `code`. */
  acceptThenClose(code: number): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
    this.readyState = 3;
    this.onclose?.({ code });
  }

  close(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }
}

/** The `index`th socket the page made. */
function made(index: number): FakeSocket {
  const socket = FakeSocket.made[index];
  if (!socket) throw new Error(`no socket ${index}: ${FakeSocket.made.length} made`);
  return socket;
}

beforeEach(() => {
  FakeSocket.made = [];
  vi.useFakeTimers();
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("window", { location: { protocol: "http:", host: "netloom.test" } });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("the topology socket", () => {
  it.each([
    [4403, "You cannot open this topology."],
    [4404, "There is no such topology."],
  ])("tells a refusal (%i) once and does not try again", (code, detail) => {
    const store = createDocumentStore();
    connectTopology(7, store);
    expect(FakeSocket.made.map((s) => s.url)).toEqual(["ws://netloom.test/ws/topologies/7/"]);
    made(0).acceptThenClose(code);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.made).toHaveLength(1);
    expect(store.getState().problems.map((p) => p.detail)).toEqual([detail]);
  });

  it("opens again after a drop, with a growing pause", () => {
    const store = createDocumentStore();
    connectTopology(7, store);
    made(0).acceptThenClose(1006);
    vi.advanceTimersByTime(999);
    expect(FakeSocket.made).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.made).toHaveLength(2);
    made(1).onclose?.({ code: 1006 });
    vi.advanceTimersByTime(1_999);
    expect(FakeSocket.made).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.made).toHaveLength(3);
    expect(store.getState().problems).toEqual([]);
  });

  it("closed by the page, reports nothing and stays closed", () => {
    const store = createDocumentStore();
    const connection = connectTopology(7, store);
    made(0).readyState = FakeSocket.OPEN;
    made(0).onopen?.();
    connection.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.made).toHaveLength(1);
    expect(store.getState().problems).toEqual([]);
  });

  it("does not open again once closed by the page while waiting to retry", () => {
    const connection = connectTopology(7, createDocumentStore());
    made(0).acceptThenClose(1006);
    connection.close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.made).toHaveLength(1);
  });
});
