/**
 * Load balancer members' health over the REST API (designer/api/views/vrrp.py): each member
 * whose health changed since the topology's last finished destroy, in its newest state. New
 * changes arrive as `lb_member` events.
 */
import type { LbMemberEvent } from "../model/events";
import { request } from "./client";

/** A member's newest change of health, as the `lb_member` event carries it. */
export type MemberHealth = Omit<LbMemberEvent, "type">;

export interface MemberHealthList {
  /** The destroy the health comes after; null when the topology was never destroyed. */
  after: number | null;
  members: MemberHealth[];
}

export function memberHealth(topologyId: number, share?: string): Promise<MemberHealthList> {
  const url = `/api/v1/topologies/${encodeURIComponent(topologyId)}/lb-members/`;
  return request<MemberHealthList>("GET", url, undefined, { share });
}
