/**
 * The HA drills of the topology's routers and the HA events their instances' transitions
 * added up to, per router. Filled from the REST history (when a router is first shown, when
 * the socket opens again, and shortly after each of the router's VRRP transitions, since the
 * events they make are settled only once the reports that may follow are in), from the answer
 * to a drill request, and from `drill` and HA events. While a drill is under way, or its
 * probe's measure of the outage is still to come, the history is read again every second.
 *
 * As with the VRRP states, a destroy that finished ends the history: drills and events of
 * attempts from before it are of instances that no longer exist, and are ignored.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Drill, DrillEvent, DrillHistory, HaEvent } from "../api/drills";
import type { Deployment, VrrpEvent } from "../model/events";
import { eventTime, inProgress, probeRunning, settling } from "../model/drills";

/** After a VRRP transition of a router, when to read its history again (ms): its events are
 * settled once the reports that may still follow are in, which takes longer the slower the
 * router's adverts. */
export const AFTER_TRANSITION_MS = [300, 1_500, 4_000, 10_000, 20_000] as const;
/** How often the history is read while a drill is under way or its probe's measure to come. */
export const SETTLING_MS = 1_000;

export interface RouterDrills {
  /** By id, oldest first. */
  drills: Drill[];
  /** Oldest first. */
  events: HaEvent[];
  /** Why the history could not be read, if it could not. */
  error: string | null;
}

export interface DrillStoreState {
  /** The destroy the history comes after; 0 when there has been none. */
  after: number;
  /** By router id; a router not read yet has no entry. */
  routers: Record<string, RouterDrills>;
  /** Take a router's history as the REST API gives it. */
  load(router: string, history: DrillHistory): void;
  /** The history could not be read. */
  failed(router: string, error: string): void;
  /** Take a drill, as a request's answer or a `drill` event carries it. */
  applyDrill(drill: Drill): void;
  /** Take a socket event: a `drill` event or an HA event. */
  applyEvent(event: DrillEvent | HaEvent): void;
  /** Take a deploy or destroy that moved on: a destroy that finished ends the history. */
  deploymentMoved(deployment: Deployment): void;
  /** Read a router's history now (once at a time: a read asked for while one is on its way
   * follows it). */
  refresh(router: string): void;
  /** Read every router's history read so far again (the socket opened again). */
  refreshAll(): void;
  /** Read the router's history if it has not been read yet. */
  watch(router: string): void;
  /** A VRRP transition of a router: read its history again as its events settle. */
  heard(event: VrrpEvent): void;
  /** Stop every read waiting on a timer (the editor is closing). */
  stop(): void;
}

export type DrillStore = StoreApi<DrillStoreState>;

export interface DrillStoreOptions {
  /** The histories shown before any read, by router. */
  initial?: Record<string, DrillHistory>;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  now?: () => number;
}

const EMPTY: RouterDrills = { drills: [], events: [], error: null };

function eventKey(event: HaEvent): string {
  const hosts =
    event.type === "split_brain"
      ? event.hosts.join(",")
      : event.type === "no_master"
        ? event.last_master
        : `${event.from_host}>${event.to_host}`;
  return [event.type, event.router, eventTime(event), hosts].join("|");
}

/** How far a drill has got: its probe's measure is further than its end, which is further
 * than its start. Of two copies of one drill the furthest is kept. */
function progress(drill: Drill): number {
  const measured = drill.outage_seconds != null || (drill.probe && !probeRunning(drill)) ? 2 : 0;
  return measured + (inProgress(drill) ? 0 : 1);
}

function mergeDrills(known: readonly Drill[], incoming: readonly Drill[]): Drill[] {
  const byId = new Map(known.map((drill) => [drill.id, drill]));
  for (const drill of incoming) {
    const held = byId.get(drill.id);
    if (held === undefined || progress(drill) >= progress(held)) byId.set(drill.id, drill);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

function mergeEvents(known: readonly HaEvent[], incoming: readonly HaEvent[]): HaEvent[] {
  const byKey = new Map(known.map((event) => [eventKey(event), event]));
  for (const event of incoming) byKey.set(eventKey(event), event);
  // Array.prototype.sort is stable.
  return [...byKey.values()].sort((a, b) => Date.parse(eventTime(a)) - Date.parse(eventTime(b)));
}

/** A store reading each router's history with `fetchHistory`. */
export function createDrillStore(
  fetchHistory: (router: string) => Promise<DrillHistory>,
  options: DrillStoreOptions = {},
): DrillStore {
  const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
  const clearTimer =
    options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  const now = options.now ?? Date.now;
  // Per router: the read on its way (and whether another must follow it), the timers set.
  const reading = new Map<string, { again: boolean }>();
  const transitionTimers = new Map<string, unknown[]>();
  const settlingTimers = new Map<string, unknown>();

  return createStore<DrillStoreState>()((set, get) => {
    const update = (router: string, change: (held: RouterDrills) => Partial<RouterDrills>) =>
      set((state) => {
        const held = state.routers[router] ?? EMPTY;
        return { routers: { ...state.routers, [router]: { ...held, ...change(held) } } };
      });

    /** While the router's drills are settling, read its history again in a while. */
    const followSettling = (router: string) => {
      const drills = get().routers[router]?.drills ?? [];
      if (!settling(drills, now()) || settlingTimers.has(router)) return;
      settlingTimers.set(
        router,
        setTimer(() => {
          settlingTimers.delete(router);
          get().refresh(router);
        }, SETTLING_MS),
      );
    };

    return {
      after: 0,
      routers: Object.fromEntries(
        Object.entries(options.initial ?? {}).map(([router, history]) => [
          router,
          {
            drills: mergeDrills([], history.drills),
            events: mergeEvents([], history.events),
            error: null,
          },
        ]),
      ),
      load(router, history) {
        const after = get().after;
        const drills = history.drills.filter((drill) => drill.deployment > after);
        const events = history.events.filter((event) => event.deployment > after);
        update(router, (held) => ({
          // Live ones may be newer than the history, or in it.
          drills: mergeDrills(held.drills, drills),
          events: mergeEvents(held.events, events),
          error: null,
        }));
        followSettling(router);
      },
      failed(router, error) {
        update(router, () => ({ error }));
      },
      applyDrill(drill) {
        if (drill.deployment <= get().after) return;
        update(drill.router, (held) => ({ drills: mergeDrills(held.drills, [drill]) }));
        followSettling(drill.router);
      },
      applyEvent(event) {
        if (event.type === "drill") return get().applyDrill(event.drill);
        if (event.deployment <= get().after) return;
        update(event.router, (held) => ({ events: mergeEvents(held.events, [event]) }));
      },
      deploymentMoved(deployment) {
        const ended = deployment.action === "destroy" && deployment.state === "destroyed";
        if (!ended || deployment.id <= get().after) return;
        set((state) => ({
          after: deployment.id,
          routers: Object.fromEntries(Object.keys(state.routers).map((r) => [r, EMPTY])),
        }));
      },
      refresh(router) {
        const current = reading.get(router);
        if (current !== undefined) {
          current.again = true;
          return;
        }
        const read = { again: false };
        reading.set(router, read);
        fetchHistory(router)
          .then(
            (history) => get().load(router, history),
            (error: unknown) =>
              get().failed(router, error instanceof Error ? error.message : String(error)),
          )
          .finally(() => {
            reading.delete(router);
            if (read.again) get().refresh(router);
          });
      },
      refreshAll() {
        for (const router of Object.keys(get().routers)) get().refresh(router);
      },
      watch(router) {
        if (get().routers[router] === undefined && !reading.has(router)) get().refresh(router);
      },
      heard(event) {
        if (event.deployment <= get().after) return;
        for (const timer of transitionTimers.get(event.router) ?? []) clearTimer(timer);
        transitionTimers.set(
          event.router,
          AFTER_TRANSITION_MS.map((ms) => setTimer(() => get().refresh(event.router), ms)),
        );
      },
      stop() {
        for (const timers of transitionTimers.values()) timers.forEach(clearTimer);
        for (const timer of settlingTimers.values()) clearTimer(timer);
        transitionTimers.clear();
        settlingTimers.clear();
      },
    };
  });
}
