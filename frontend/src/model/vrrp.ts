/**
 * The failover timeline as data: for each HA router instance (a lane: one router on one host),
 * the stretches of time it spent in each VRRP state, over the time the transitions cover up to
 * now. Times are milliseconds since the epoch.
 *
 * A keepalived killed outright reports nothing: its last report stays `master` while another
 * instance takes over. Such a master is "taken over": from the moment another instance of its
 * router reported master after it, its state is not known (it may be gone, or cut off and
 * still master), and it is shown so rather than as a second master.
 */
import type { VrrpStates, VrrpTransition } from "../api/vrrp";
import type { TopologyDocument } from "../generated/document";
import type { VrrpState } from "./events";

/** The shortest stretch of time a timeline shows, so that a lone transition has room. */
export const MIN_SPAN_MS = 1_000;

/** A stretch of time one instance spent in one state (`unknown`: a master taken over, silent
 * since); `to` is `end` while it still is. */
export interface Segment {
  state: VrrpState | "unknown";
  from: number;
  to: number;
}

/** One router instance: its host, its state now, and its stretches, oldest first.
 * `takenOver`: when another instance became master after this one last reported master. */
export interface Lane {
  router: string;
  host: string;
  state: VrrpState | null;
  takenOver: number | null;
  segments: Segment[];
}

/** router id -> host -> when another instance took over from its master there. */
export type TakenOver = Record<string, Record<string, number>>;

/**
 * The masters taken over: for each router with more than one instance whose state now is
 * master, every one but the newest (the last to report master, by its host's clock), with
 * when the newest reported it. A master whose report is older than the transitions listed
 * counts as older than any listed; two such cannot be told apart, and are both left masters.
 */
export function takenOver(
  transitions: readonly VrrpTransition[],
  states: Readonly<VrrpStates>,
): TakenOver {
  const becameMaster = new Map<string, number>();
  for (const t of transitions) {
    if (t.new_state === "master") becameMaster.set(`${t.router}\u0000${t.host}`, Date.parse(t.at));
  }
  const found: TakenOver = {};
  for (const [router, hosts] of Object.entries(states)) {
    const masters = Object.keys(hosts)
      .filter((host) => hosts[host] === "master")
      .map((host) => ({ host, at: becameMaster.get(`${router}\u0000${host}`) ?? -Infinity }));
    if (masters.length < 2) continue;
    const newest = Math.max(...masters.map((m) => m.at));
    for (const master of masters) {
      if (master.at < newest) (found[router] ??= {})[master.host] = newest;
    }
  }
  return found;
}

export interface Timeline {
  start: number;
  end: number;
  /** By router id, then host name. */
  lanes: Lane[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The lanes of `transitions` (oldest first) and `states` (each instance's state now), from
 * the first transition (or only the last `span` milliseconds) up to `now`. Before an
 * instance's first transition listed it was in that transition's old state (if it had one);
 * an instance with a state and no transition listed was in it all along. `over`: the masters
 * taken over, whose state is not known from then on.
 */
export function timeline(
  transitions: readonly VrrpTransition[],
  states: Readonly<VrrpStates>,
  now: number,
  over: Readonly<TakenOver> = {},
  span: number | null = null,
): Timeline {
  const times = transitions.map((t) => Date.parse(t.at));
  // A host's clock may run ahead of this browser's: the timeline reaches its latest report.
  const end = Math.max(now, ...times);
  const first = Math.min(times[0] ?? end, end - MIN_SPAN_MS);
  const start = span === null ? first : Math.max(first, end - Math.max(span, MIN_SPAN_MS));
  // Each instance's transitions listed, with their times, in order.
  const instances = new Map<string, Lane & { own: { t: VrrpTransition; time: number }[] }>();
  const instance = (router: string, host: string) => {
    const key = `${router}\u0000${host}`;
    let found = instances.get(key);
    if (found === undefined) {
      const state = states[router]?.[host] ?? null;
      const since = over[router]?.[host] ?? null;
      instances.set(
        key,
        (found = { router, host, state, takenOver: since, segments: [], own: [] }),
      );
    }
    return found;
  };
  transitions.forEach((t, index) =>
    instance(t.router, t.host).own.push({ t, time: times[index]! }),
  );
  for (const [router, hosts] of Object.entries(states)) {
    for (const host of Object.keys(hosts)) instance(router, host);
  }
  const lanes: Lane[] = [];
  for (const { router, host, state, takenOver: since, own } of instances.values()) {
    const segments: Segment[] = [];
    const earliest = own[0];
    if (earliest === undefined) {
      if (state !== null) segments.push({ state, from: start, to: end });
    } else if (earliest.t.old_state !== null) {
      segments.push({ state: earliest.t.old_state, from: start, to: earliest.time });
    }
    own.forEach(({ t, time }, index) => {
      segments.push({ state: t.new_state, from: time, to: own[index + 1]?.time ?? end });
    });
    const last = segments.at(-1);
    if (since !== null && last !== undefined && last.state === "master" && since < last.to) {
      const from = Math.max(since, last.from);
      segments.push({ state: "unknown", from, to: last.to });
      last.to = from;
    }
    lanes.push({
      router,
      host,
      state: state ?? own.at(-1)?.t.new_state ?? null,
      takenOver: since,
      // Only what falls in the time shown.
      segments: segments
        .map((segment) => ({ ...segment, from: Math.max(segment.from, start) }))
        .filter((segment) => segment.to > segment.from),
    });
  }
  lanes.sort((a, b) => byName(a.router, b.router) || byName(a.host, b.host));
  return { start, end, lanes };
}

/** Where `time` falls between `start` and `end`, as a percentage of the way. */
export function percentOf(time: number, start: number, end: number): number {
  return end > start ? ((time - start) / (end - start)) * 100 : 0;
}

/** The document's HA routers, with the name each is shown by. */
export function routersInHa(document: TopologyDocument): { id: string; label: string }[] {
  return (document.routers ?? [])
    .filter((router) => router.mode === "ha")
    .map((router) => ({
      id: router.id,
      label: typeof router.name === "string" && router.name !== "" ? router.name : router.id,
    }));
}
