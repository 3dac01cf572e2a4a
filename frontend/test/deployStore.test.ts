// The deploy store: REST snapshots and socket events merged into the newest attempt, its
// elements and the tail of its log, older attempts and overtaken answers ignored.
import { describe, expect, it } from "vitest";
import type { DeploymentDetail } from "../src/api/deployments";
import type { Deployment, DeploymentEvent, LogLine } from "../src/model/events";
import { createDeployStore, isActive, LOG_LIMIT } from "../src/store/deploy";

function deployment(id: number, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id,
    action: "deploy",
    state: "applying",
    revision: 3,
    progress: 0,
    hosts: { alpha: { done: 0, total: null, state: "pending" } },
    error: "",
    requested_by: { id: 1, name: "alice" },
    started_at: "2026-01-01T10:00:00+00:00",
    finished_at: null,
    ...overrides,
  };
}

const line = (second: number, message: string, host: string | null = "alpha"): LogLine => ({
  at: `2026-01-01T10:00:${String(second).padStart(2, "0")}+00:00`,
  host,
  level: "info",
  message,
});

function event(
  id: number,
  elements: DeploymentEvent["elements"],
  log: LogLine[] = [],
  overrides: Partial<Deployment> = {},
): DeploymentEvent {
  return { type: "deployment", deployment: deployment(id, overrides), elements, log };
}

function detail(
  id: number,
  elements: DeploymentDetail["elements"],
  log: LogLine[],
  overrides: Partial<Deployment> = {},
): DeploymentDetail {
  return { ...deployment(id, overrides), elements, log };
}

describe("deploy store", () => {
  it("starts empty, or showing the attempt it is given", () => {
    expect(createDeployStore().getState()).toMatchObject({
      deployment: null,
      elements: {},
      log: [],
    });
    const seeded = createDeployStore(detail(4, { web: "up" }, [line(1, "started")])).getState();
    expect(seeded.deployment).toEqual(deployment(4));
    expect(seeded.elements).toEqual({ web: "up" });
    expect(seeded.log.map((l) => l.message)).toEqual(["started"]);
  });

  it("loads a REST detail without its elements and log in the deployment", () => {
    const store = createDeployStore();
    store.getState().load(detail(2, { lan: "up", web: "creating" }, [line(1, "started")]));
    const state = store.getState();
    expect(state.deployment).toEqual(deployment(2));
    expect(state.deployment).not.toHaveProperty("elements");
    expect(state.elements).toEqual({ lan: "up", web: "creating" });
    expect(state.log).toEqual([line(1, "started")]);
    store.getState().load(null);
    expect(store.getState().deployment?.id).toBe(2);
  });

  it("merges the changed elements and appends the new lines of the same attempt", () => {
    const store = createDeployStore();
    store.getState().apply(event(5, { lan: "creating", web: "pending" }, [line(1, "a")]));
    store.getState().apply(event(5, { lan: "up" }, [line(2, "b"), line(3, "c")], { progress: 40 }));
    const state = store.getState();
    expect(state.elements).toEqual({ lan: "up", web: "pending" });
    expect(state.log.map((l) => l.message)).toEqual(["a", "b", "c"]);
    expect(state.deployment?.progress).toBe(40);
  });

  it("keeps the log's identity when an event brings no lines", () => {
    const store = createDeployStore();
    store.getState().apply(event(5, {}, [line(1, "a")]));
    const log = store.getState().log;
    store.getState().apply(event(5, { lan: "up" }, [], { progress: 10 }));
    expect(store.getState().log).toBe(log);
  });

  it("replaces everything with a newer attempt and ignores an older one", () => {
    const store = createDeployStore();
    store.getState().apply(event(5, { lan: "up", web: "up" }, [line(1, "deploy")]));
    store
      .getState()
      .apply(event(6, { lan: "removing" }, [line(2, "destroy")], { action: "destroy" }));
    expect(store.getState().elements).toEqual({ lan: "removing" });
    expect(store.getState().log.map((l) => l.message)).toEqual(["destroy"]);
    store.getState().apply(event(5, { web: "failed" }, [line(3, "late")]));
    store.getState().load(detail(4, { web: "up" }, [line(4, "old")]));
    expect(store.getState().deployment?.id).toBe(6);
    expect(store.getState().elements).toEqual({ lan: "removing" });
    expect(store.getState().log.map((l) => l.message)).toEqual(["destroy"]);
  });

  it("caps the log at its newest lines", () => {
    const store = createDeployStore();
    const many = Array.from({ length: LOG_LIMIT - 10 }, (_, i) => line(0, `old ${i}`));
    store.getState().load(detail(1, {}, many));
    store.getState().apply(
      event(
        1,
        {},
        Array.from({ length: 30 }, (_, i) => line(1, `new ${i}`)),
      ),
    );
    const log = store.getState().log;
    expect(log).toHaveLength(LOG_LIMIT);
    expect(log[0]?.message).toBe("old 20");
    expect(log.at(-1)?.message).toBe("new 29");
  });

  it("keeps lines newer than an overtaken REST answer, and never goes back to under way", () => {
    const store = createDeployStore();
    store.getState().apply(event(7, { lan: "creating" }, [line(1, "a"), line(2, "b")]));
    store.getState().apply(event(7, { lan: "up" }, [line(3, "c")]));
    // The detail was read between the first event and the second.
    store.getState().load(detail(7, { lan: "creating" }, [line(1, "a"), line(2, "b")]));
    expect(store.getState().log.map((l) => l.message)).toEqual(["a", "b", "c"]);

    store.getState().apply(event(7, {}, [line(4, "done")], { state: "deployed", progress: 100 }));
    store.getState().load(detail(7, { lan: "creating" }, [line(1, "a")], { state: "applying" }));
    expect(store.getState().deployment?.state).toBe("deployed");
    expect(store.getState().log.map((l) => l.message)).toEqual(["a", "b", "c", "done"]);
  });

  it("tells attempts under way from finished ones", () => {
    expect(isActive(null)).toBe(false);
    expect(isActive(deployment(1, { state: "queued" }))).toBe(true);
    expect(isActive(deployment(1, { state: "rolling_back" }))).toBe(true);
    expect(isActive(deployment(1, { state: "deployed" }))).toBe(false);
    expect(isActive(deployment(1, { state: "cancelled" }))).toBe(false);
  });
});
