/**
 * HA drills as the controls show them: which drills a router allows now and, for each one it
 * does not, why; how a drill and its probe's measure of the outage read; and what stands
 * beside each HA event (the drill that caused it, the time without a master, the outage).
 * Pure: the state of the router's instances and its drills come in as arguments.
 */
import type { Drill, DrillKind, HaEvent, RoleMove } from "../api/drills";
import type { Deployment, VrrpState } from "./events";

/** The words of DESIGN.md's HA vocabulary, one per drill. */
export const DRILL_TEXT: Record<DrillKind, string> = {
  crash_master: "Crash master",
  cut_link: "Cut link",
  host_failure: "Host failure",
  switchover: "Switchover",
  failback: "Failback",
};

/** A drill kind's words; a kind this client does not know, as the server names it. */
export function drillText(kind: string): string {
  return kind in DRILL_TEXT ? DRILL_TEXT[kind as DrillKind] : kind.replace(/_/g, " ");
}

export const EVENT_TEXT: Record<HaEvent["type"], string> = {
  failover: "Failover",
  switchover: "Switchover",
  failback: "Failback",
  split_brain: "Split brain",
  no_master: "No master",
};

/** After a drill finished, how long its probe's measure may take to arrive. */
export const PROBE_WAIT_MS = 30_000;

/** What the controls need to know of one HA router. */
export interface RouterSituation {
  /** The topology's newest deploy or destroy; null: it has none. */
  deployment: Deployment | null;
  /** The router's instances by host, in the state each last reported. */
  states: Readonly<Record<string, VrrpState>>;
  /** The masters another instance took over from (their state is not known since). */
  takenOver: Readonly<Record<string, number>>;
  /** The design keeps its master's role (`vrrp.nopreempt`): a switchover cannot move it. */
  nopreempt: boolean;
  /** The newest drill on the router, if any. */
  latest: Drill | null;
  /** The time now (ms), to tell a drill under way from one lost long ago. */
  now: number;
}

export interface Availability {
  enabled: boolean;
  /** Why not, when not enabled. */
  reason: string | null;
}

/** The one instance that is master now, as its reports have it; null when none is, or more
 * than one claims to be. */
export function masterOf(
  states: Readonly<Record<string, VrrpState>>,
  takenOver: Readonly<Record<string, number>> = {},
): string | null {
  const masters = Object.keys(states).filter(
    (host) => states[host] === "master" && takenOver[host] === undefined,
  );
  return masters.length === 1 ? masters[0]! : null;
}

/** Whether a drill is still under way: every state but done and failed is. */
export function inProgress(drill: Drill): boolean {
  return drill.state !== "done" && drill.state !== "failed";
}

/** How long a drill not finished holds its router after it was asked for, as the server
 * has it: past that it was lost (its worker stopped). */
export const UNDER_WAY_MS = 5 * 60_000;

/** Whether a drill still holds its router, so that the next one must wait: its task or its
 * probe is not over, and it was asked for within `UNDER_WAY_MS`. */
export function holdsRouter(drill: Drill, now: number): boolean {
  if (now - Date.parse(drill.requested_at) >= UNDER_WAY_MS) return false;
  return inProgress(drill) || probeRunning(drill);
}

/** The hosts a switchover can move the master role to: every other instance's. */
export function switchoverTargets(situation: RouterSituation): string[] {
  const master = masterOf(situation.states, situation.takenOver);
  return Object.keys(situation.states)
    .filter((host) => host !== master)
    .sort();
}

function nothingDeployed(deployment: Deployment | null): boolean {
  return (
    deployment === null || (deployment.action === "destroy" && deployment.state === "destroyed")
  );
}

/** Why the router's drills must wait for the newest one, if they must; a failback waits
 * only for another failback, as it is how one ends a drill under way. */
function waitingFor(latest: Drill | null, now: number): { others: string; failback: string } {
  if (latest === null || !holdsRouter(latest, now)) return { others: "", failback: "" };
  const others = inProgress(latest)
    ? "A drill is under way: wait for it to finish."
    : "The last drill's probe is still measuring the outage: wait for it to finish.";
  return { others, failback: latest.kind === "failback" ? others : "" };
}

/** Which drills the router allows now, and why not the others. Drills on one router run one
 * at a time, as the server has them. */
export function availability(situation: RouterSituation): Record<DrillKind, Availability> {
  const { deployment, states, takenOver, latest, now } = situation;
  let all: string | null = null;
  if (nothingDeployed(deployment)) {
    all = "Nothing is deployed: deploy the topology first.";
  } else if (Object.keys(states).length === 0) {
    all = "No instance of this router has reported a VRRP state yet.";
  }
  const waiting = waitingFor(latest, now);
  const master = masterOf(states, takenOver);
  const needsMaster =
    master === null
      ? Object.keys(states).some((host) => states[host] === "master")
        ? "More than one instance reports master: no one master to act on."
        : "No instance reports master now."
      : null;
  const targets = switchoverTargets(situation);
  const switchover =
    needsMaster ??
    (situation.nopreempt
      ? "The router has nopreempt: its master keeps the role, so a switchover cannot move it."
      : targets.length === 0
        ? "The router has no other instance to move the master role to."
        : null);
  const reasons: Record<DrillKind, string | null> = {
    crash_master: waiting.others || needsMaster,
    cut_link: waiting.others || needsMaster,
    host_failure: waiting.others || needsMaster,
    switchover: waiting.others || switchover,
    // A failback restores the design's layout: it needs no master, and is how one returns.
    failback: waiting.failback || null,
  };
  return Object.fromEntries(
    Object.entries(reasons).map(([kind, reason]) => {
      const why = all ?? reason;
      return [kind, { enabled: why === null, reason: why }];
    }),
  ) as Record<DrillKind, Availability>;
}

/** A time in seconds, to the hundredth below ten. */
export function seconds(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
}

/** What a drill did, in a few words: "Crash master on network-1", "Switchover to network-2". */
export function drillTitle(drill: Drill): string {
  const kind = drillText(drill.kind);
  if (drill.kind === "switchover") return `${kind} to ${drill.target_host ?? drill.host}`;
  if (drill.host === "") return kind;
  return `${kind} ${drill.kind === "failback" ? "to" : "on"} ${drill.host}`;
}

export const STATE_TEXT: Record<string, string> = {
  queued: "under way",
  done: "done",
  failed: "failed",
};

/** A drill's state; under way on more than one host, each host's part. */
export function drillStateText(drill: Drill): string {
  const state = STATE_TEXT[drill.state] ?? drill.state;
  const hosts = Object.keys(drill.hosts).sort();
  if (!inProgress(drill) || hosts.length < 2) return state;
  const parts = hosts.map(
    (host) => `${host} ${STATE_TEXT[drill.hosts[host]!] ?? drill.hosts[host]}`,
  );
  return `${state} (${parts.join(", ")})`;
}

/**
 * What the probe measured of the drill's outage, as the controls show it; null when the drill
 * had no probe.
 */
export function outageText(drill: Drill): string | null {
  const probe = drill.probe;
  if (probe === null) return null;
  if (probeRunning(drill)) return "measuring the outage…";
  const outage = drill.outage_seconds ?? probe.longest_gap_seconds;
  if (probe.state === "failed" || outage === null) {
    return `outage not measured${probe.error ? `: ${probe.error}` : ""}`;
  }
  const replies =
    probe.sent === null || probe.received === null
      ? ""
      : ` (${probe.received} of ${probe.sent} pings answered)`;
  return `outage ${seconds(outage)}${replies}`;
}

/** Whether the drill's probe is still measuring. */
export function probeRunning(drill: Drill): boolean {
  return drill.probe?.state === "queued" || drill.probe?.state === "running";
}

/** Whether the drill's probe result is still to come, and worth reading again for: until
 * `PROBE_WAIT_MS` after the drill's end. */
export function awaitingProbe(drill: Drill, now: number): boolean {
  if (!probeRunning(drill)) return false;
  if (inProgress(drill)) return true;
  const ended = Date.parse(drill.finished_at ?? drill.requested_at);
  return now - ended < PROBE_WAIT_MS;
}

/** Whether the router's drills are still changing: one under way, or a probe's measure to come. */
export function settling(drills: readonly Drill[], now: number): boolean {
  return drills.some((drill) => inProgress(drill) || awaitingProbe(drill, now));
}

export function isRoleMove(event: HaEvent): event is RoleMove {
  return event.type === "failover" || event.type === "switchover" || event.type === "failback";
}

/** When an event happened: a move when the new master took over, a split brain since when. */
export function eventTime(event: HaEvent): string {
  return event.type === "split_brain" ? event.since : event.at;
}

/** What an HA event was, in a few words: "Failover network-1 → network-2". */
export function eventTitle(event: HaEvent): string {
  const kind = EVENT_TEXT[event.type];
  if (isRoleMove(event)) return `${kind} ${event.from_host} → ${event.to_host}`;
  if (event.type === "split_brain") return `${kind}: ${event.hosts.join(", ")} master at once`;
  return `${kind} since ${event.last_master} left`;
}

/** What stands beside an HA event: the drill that caused it (a move of the master role or a
 * split brain), the time without a master (a move), how long a split brain lasted, and the
 * outage the drill's probe measured. */
export interface EventNotes {
  drill: string | null;
  noMaster: string | null;
  lasted: string | null;
  outage: string | null;
}

export function eventNotes(event: HaEvent, drills: readonly Drill[]): EventNotes {
  if (event.type === "no_master")
    return { drill: null, noMaster: null, lasted: null, outage: null };
  const drill = event.drill === null ? undefined : drills.find((d) => d.id === event.drill);
  const cause =
    event.drill === null
      ? "no drill"
      : `drill #${event.drill}${drill === undefined ? "" : ` (${drillText(drill.kind)})`}`;
  const notes = {
    drill: cause,
    noMaster: null,
    lasted: null,
    outage: drill === undefined ? null : outageText(drill),
  };
  if (event.type === "split_brain") {
    const lasted =
      event.ended_at === null
        ? "not over"
        : `lasted ${seconds((Date.parse(event.ended_at) - Date.parse(event.since)) / 1000)}`;
    return { ...notes, lasted };
  }
  const noMaster =
    event.no_master_seconds > 0
      ? `${seconds(event.no_master_seconds)} without a master`
      : "no time without a master";
  return { ...notes, noMaster };
}
