/**
 * HA drills over the REST API (designer/api/views/drills.py): ask for one on a deployed HA
 * router, and read the drills run on it and the HA events (failover, switchover, failback,
 * split brain, no master) its instances' transitions added up to since they last started.
 * A drill's state and its probe's measure of the outage also arrive as `drill` events.
 */
import type * as Catalog from "../generated/events";
import { ApiError, request } from "./client";

/** What a drill does: kill the master's keepalived, cut the master's link for a while, fail
 * the master's whole host, move the master role to another instance, or return every instance
 * to the design's layout. */
export type DrillKind = "crash_master" | "cut_link" | "host_failure" | "switchover" | "failback";

/** The drill kinds in the order the controls show them. */
export const DRILL_KINDS: readonly DrillKind[] = [
  "crash_master",
  "cut_link",
  "host_failure",
  "switchover",
  "failback",
];

/** A drill as the API answers it and the `drill` event carries it: `probe` null for a
 * drill without one, `outage_seconds` null until it has measured. `kind` is one of
 * `DrillKind`, or one this client does not know yet. */
export type Drill = Catalog.DrillOut;
/** The probe pinging across the router while a drill runs (from an instance on a subnet of
 * the router to one on its far side), and the longest gap in its replies: the outage. */
export type DrillProbe = Catalog.DrillProbeOut;
/** A `drill` event: a drill was asked for, finished, or its probe measured the outage. */
export type DrillEvent = Catalog.DrillEvent;

/** A move of the master role, as the socket and the history carry it. */
export type RoleMove = Catalog.FailoverEvent | Catalog.SwitchoverEvent | Catalog.FailbackEvent;
export type HaEvent = RoleMove | Catalog.SplitBrainEvent | Catalog.NoMasterEvent;

export interface DrillHistory {
  drills: Drill[];
  /** Oldest first. */
  events: HaEvent[];
}

/** What a drill request may carry beside its kind. */
export interface DrillRequest {
  kind: DrillKind;
  /** switchover: the host to move the master role to; host_failure: the host to fail. */
  target_host?: string;
  /** cut_link: how long the link stays cut. */
  hold_seconds?: number;
}

function routerUrl(topologyId: number, router: string): string {
  return `/api/v1/topologies/${encodeURIComponent(topologyId)}/routers/${encodeURIComponent(router)}/drills/`;
}

export function drillHistory(
  topologyId: number,
  router: string,
  share?: string,
): Promise<DrillHistory> {
  return request<DrillHistory>("GET", routerUrl(topologyId, router), undefined, { share });
}

export function requestDrill(topologyId: number, router: string, body: DrillRequest) {
  return request<Drill>("POST", routerUrl(topologyId, router), body);
}

/** The text of a refused drill request: the server's detail, which names the first field it
 * refused; when it refused more than one, each of them. */
export function refusalText(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.errors.length < 2) return error.detail;
  return error.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
}
