/**
 * The health of the topology's load balancer members: each member's newest change, filled from
 * the REST list whenever the socket opens (the first time, and after losing it) and from the
 * socket's `lb_member` events in between. A change older than the one known is ignored, so the
 * list and the events can arrive in either order.
 *
 * A member that never changed is up: a checker starts every member up and reports changes.
 * The health starts again after a destroy finishes: it stopped every checker.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { MemberHealth, MemberHealthList } from "../api/balancers";
import type { Deployment, LbMemberEvent } from "../model/events";

/** load balancer id -> member (`instance:port`) -> its newest change. */
export type MembersHealth = Record<string, Record<string, MemberHealth>>;

export interface BalancerStoreState {
  /** The destroy the health comes after; 0 when there has been none. */
  after: number;
  health: MembersHealth;
  /** Take the list as the REST API gives it. */
  load(list: MemberHealthList): void;
  /** Take a socket `lb_member` event. */
  apply(event: LbMemberEvent): void;
  /** Take a deploy or destroy that moved on: a destroy that finished ends the health. */
  deploymentMoved(deployment: Deployment): void;
}

export type BalancerStore = StoreApi<BalancerStoreState>;

function withChange(health: MembersHealth, change: MemberHealth): MembersHealth {
  const known = health[change.load_balancer]?.[change.member];
  if (known && Date.parse(known.at) > Date.parse(change.at)) return health;
  return {
    ...health,
    [change.load_balancer]: { ...health[change.load_balancer], [change.member]: change },
  };
}

export function createBalancerStore(): BalancerStore {
  return createStore<BalancerStoreState>()((set, get) => ({
    after: 0,
    health: {},
    load(list) {
      const after = list.after ?? 0;
      if (after < get().after) return; // from before a destroy this store already heard of
      // Events heard since the list was read are kept where newer than its entries.
      const kept = after > get().after ? {} : get().health;
      set({ after, health: list.members.reduce(withChange, kept) });
    },
    apply(event) {
      const { type: _type, ...change } = event;
      if (change.deployment <= get().after) return; // of checkers a destroy stopped
      set({ health: withChange(get().health, change) });
    },
    deploymentMoved(deployment) {
      const ended = deployment.action === "destroy" && deployment.state === "destroyed";
      if (!ended || deployment.id <= get().after) return;
      set({ after: deployment.id, health: {} });
    },
  }));
}
