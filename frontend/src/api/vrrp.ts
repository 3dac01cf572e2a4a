/**
 * The VRRP timeline of a topology's HA routers over the REST API (designer/api/views/vrrp.py):
 * the state changes their instances reported since they were last started from nothing, oldest
 * first, and the state each instance is in now. New ones arrive as `vrrp` events.
 */
import type { VrrpEvent, VrrpState } from "../model/events";
import { request } from "./client";

/** One state change of one instance, as the `vrrp` event carries it. */
export type VrrpTransition = Omit<VrrpEvent, "type">;

/** router id -> host -> state. */
export type VrrpStates = Record<string, Record<string, VrrpState>>;

export interface VrrpTimeline {
  /** The destroy the transitions come after; null when the topology was never destroyed. */
  after: number | null;
  /** Oldest first: the newest ones, `earlier` counting those left out. */
  transitions: VrrpTransition[];
  earlier: number;
  /** Each router's instances by host, in the state each last reported. */
  states: VrrpStates;
}

export function vrrpTimeline(topologyId: number, share?: string): Promise<VrrpTimeline> {
  const url = `/api/v1/topologies/${encodeURIComponent(topologyId)}/vrrp/`;
  return request<VrrpTimeline>("GET", url, undefined, { share });
}
