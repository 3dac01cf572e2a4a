/**
 * Deploy state: the newest deploy or destroy of the topology (its state, progress and hosts),
 * where each element stands in it, and the tail of its log. Filled from the REST detail when
 * the editor opens and from the socket's `deployment` events after; an attempt newer than the
 * one shown replaces it, an older one is ignored.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { DeploymentDetail } from "../api/deployments";
import type {
  Deployment,
  DeploymentEvent,
  DeploymentState,
  ElementDeployState,
  LogLine,
} from "../model/events";

/** The log keeps this many of the newest lines. */
export const LOG_LIMIT = 500;

const ACTIVE: readonly DeploymentState[] = ["queued", "planning", "applying", "rolling_back"];

/** Whether the attempt is still under way (and so can be cancelled). */
export function isActive(deployment: Deployment | null): boolean {
  return deployment !== null && ACTIVE.includes(deployment.state);
}

export interface DeployState {
  deployment: Deployment | null;
  elements: Record<string, ElementDeployState>;
  log: LogLine[];
  /** Take a deployment as the REST API gives it, whole; null: the topology has none. */
  load(detail: DeploymentDetail | null): void;
  /** Take a socket event: its elements are the changed ones, its log the new lines. */
  apply(event: DeploymentEvent): void;
}

export type DeployStore = StoreApi<DeployState>;

function tail(log: LogLine[]): LogLine[] {
  return log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log;
}

type Shown = Pick<DeployState, "deployment" | "elements" | "log">;

function shown(detail: DeploymentDetail | null): Shown {
  if (detail === null) return { deployment: null, elements: {}, log: [] };
  const { elements, log, ...deployment } = detail;
  return { deployment, elements: { ...elements }, log: tail(log) };
}

/** A store showing `initial`, or nothing until the first `load` or `apply`. */
export function createDeployStore(initial: DeploymentDetail | null = null): DeployStore {
  return createStore<DeployState>()((set, get) => ({
    ...shown(initial),
    load(detail) {
      if (detail === null) return;
      const current = get().deployment;
      if (current !== null && detail.id < current.id) return;
      const next = shown(detail);
      if (current?.id === detail.id) {
        // An answer the socket has overtaken: never back from finished to under way, and
        // keep the lines that came after it.
        if (!isActive(current) && isActive(next.deployment)) return;
        const last = detail.log.at(-1)?.at ?? "";
        next.log = tail([...next.log, ...get().log.filter((line) => line.at > last)]);
      }
      set(next);
    },
    apply(event) {
      const current = get().deployment;
      const id = event.deployment.id;
      if (current !== null && id < current.id) return;
      if (current === null || id > current.id) {
        set({
          deployment: event.deployment,
          elements: { ...event.elements },
          log: tail(event.log),
        });
        return;
      }
      const { elements, log } = get();
      set({
        deployment: event.deployment,
        elements: { ...elements, ...event.elements },
        log: event.log.length > 0 ? tail([...log, ...event.log]) : log,
      });
    },
  }));
}
