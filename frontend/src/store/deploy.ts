/**
 * Deploy state: the newest deploy or destroy of the topology (its state, progress and hosts),
 * where each element stands in it, and the tail of its log. Filled from the REST detail when
 * the editor opens and from the socket's `deployment` events after; an attempt newer than the
 * one shown replaces it, an older one is ignored.
 *
 * Beside it, the drift of what the topology has deployed: what changed on its hosts outside
 * Netloom, as last observed, from `drift` events (and the REST detail of a deployed attempt).
 * It belongs to one deployed attempt, which need not be the newest (a failed attempt after it
 * leaves it deployed); once a newer attempt finishes deployed or destroyed, it is history.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { DeploymentDetail } from "../api/deployments";
import type {
  Deployment,
  DeploymentEvent,
  DeploymentState,
  DriftEvent,
  DriftReport,
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

/** The drift of one deployed attempt (`deployment`, of `revision`). */
export interface Drift extends DriftReport {
  deployment: number;
  revision: number;
}

export interface DeployState {
  deployment: Deployment | null;
  elements: Record<string, ElementDeployState>;
  log: LogLine[];
  /** What changed on the deployed hosts outside Netloom; null: nothing observed (yet). */
  drift: Drift | null;
  /** Take a deployment as the REST API gives it, whole; null: the topology has none. */
  load(detail: DeploymentDetail | null): void;
  /** Take a socket event: its elements are the changed ones, its log the new lines. */
  apply(event: DeploymentEvent): void;
  /** Take a `drift` event: the whole report of its attempt. */
  applyDrift(event: DriftEvent): void;
}

export type DeployStore = StoreApi<DeployState>;

function tail(log: LogLine[]): LogLine[] {
  return log.length > LOG_LIMIT ? log.slice(log.length - LOG_LIMIT) : log;
}

type Shown = Pick<DeployState, "deployment" | "elements" | "log">;

function shown(detail: DeploymentDetail | null): Shown {
  if (detail === null) return { deployment: null, elements: {}, log: [] };
  const { elements, log, drift: _drift, ...deployment } = detail;
  return { deployment, elements: { ...elements }, log: tail(log) };
}

/** Whether `deployment` makes the drift of an older attempt history: it finished as what the
 * topology has deployed (or as its destroy). */
function supersedes(deployment: Deployment, drift: Drift | null): boolean {
  return (
    drift !== null &&
    deployment.id > drift.deployment &&
    (deployment.state === "deployed" || deployment.state === "destroyed")
  );
}

/** The drift `detail` carries, if it is a deployed attempt that has been observed. */
function driftOf(detail: DeploymentDetail): Drift | null {
  if (detail.state !== "deployed" || detail.revision === null) return null;
  if (detail.drift === undefined || detail.drift.checked_at === null) return null;
  return { ...detail.drift, deployment: detail.id, revision: detail.revision };
}

/** The newer of two reports: by attempt, then by the time of the check. */
function newer(current: Drift | null, next: Drift): boolean {
  if (current === null || next.deployment > current.deployment) return true;
  if (next.deployment < current.deployment) return false;
  return (next.checked_at ?? "") >= (current.checked_at ?? "");
}

/** A store showing `initial`, or nothing until the first `load` or `apply`. */
export function createDeployStore(initial: DeploymentDetail | null = null): DeployStore {
  return createStore<DeployState>()((set, get) => ({
    ...shown(initial),
    drift: initial === null ? null : driftOf(initial),
    load(detail) {
      if (detail === null) return;
      const drift = get().drift;
      const reported = driftOf(detail);
      if (reported !== null && newer(drift, reported)) set({ drift: reported });
      else if (supersedes(detail, drift)) set({ drift: null });
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
      if (supersedes(event.deployment, get().drift)) set({ drift: null });
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
    applyDrift(event) {
      const next: Drift = {
        ...event.drift,
        deployment: event.deployment,
        revision: event.revision,
      };
      const current = get().deployment;
      // A report of an attempt a newer one has replaced on the hosts comes too late.
      if (current !== null && supersedes(current, next)) return;
      if (newer(get().drift, next)) set({ drift: next });
    },
  }));
}
