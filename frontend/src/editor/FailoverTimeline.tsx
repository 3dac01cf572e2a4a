// The failover timeline: for each HA router, one lane per host plotting its instance's VRRP
// state over time (master, backup, fault, stopped, each its own colour) up to now, and below,
// the transitions themselves with their times, newest first. A master whose keepalived was
// killed reports nothing: once another instance took over, its lane turns to "no report" and
// it reads "master?". Everyone who can open the topology sees the panel: it only reads (each
// router's drills, under its lanes, are DrillControls'). Also the words and classes the canvas
// uses for each state.
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useStore } from "zustand";
import type { VrrpTransition } from "../api/vrrp";
import type { VrrpState } from "../model/events";
import { percentOf, timeline, type Lane, type Segment } from "../model/vrrp";
import type { VrrpStore } from "../store/vrrp";
import "./failover.css";

const STATE_TEXT: Record<Segment["state"], string> = {
  master: "master",
  backup: "backup",
  fault: "fault",
  stop: "stopped",
  unknown: "no report",
};

/** How a VRRP state reads, and the class that colours it; a master taken over reads as one
 * that may no longer be. */
export function vrrpLabel(
  state: VrrpState,
  takenOver = false,
): { text: string; className: string } {
  if (takenOver) return { text: "master?", className: "vrrp-state vrrp-unknown" };
  return { text: STATE_TEXT[state], className: `vrrp-state vrrp-${state}` };
}

/** The transitions listed under the lanes. */
const LISTED = 50;
/** How often the lanes reach further to now. */
const TICK_MS = 1000;

/** The time of day, as the deploy log shows it; `precise`, to the millisecond: a failover
 * takes a fraction of a second. */
export function clock(time: number, precise = false): string {
  const date = new Date(time);
  if (!precise) return date.toLocaleTimeString();
  return date.toLocaleTimeString(undefined, {
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
    fractionalSecondDigits: 3,
  });
}

/** The stretches of time the lanes can show. */
const SPANS = [
  { label: "All", ms: null },
  { label: "Last 10 minutes", ms: 600_000 },
  { label: "Last minute", ms: 60_000 },
] as const;

function segmentText(state: Segment["state"], from: number, to: number, end: number): string {
  return `${STATE_TEXT[state]} from ${clock(from)} ${to >= end ? "until now" : `to ${clock(to)}`}`;
}

/** The time now, moving on every `TICK_MS` while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

export interface FailoverTimelineProps {
  store: VrrpStore;
  /** The HA routers of the document, by id, with their names: shown even before they report. */
  routers: readonly { id: string; label: string }[];
  /** Why the timeline could not be read, if it could not. */
  loadError?: string | null;
  /** What to show under each router: its drills and HA events. */
  drills?: (router: { id: string; label: string }) => ReactNode;
}

export function FailoverTimeline(props: FailoverTimelineProps) {
  const { store, routers, loadError = null, drills } = props;
  const transitions = useStore(store, (s) => s.transitions);
  const states = useStore(store, (s) => s.states);
  const earlier = useStore(store, (s) => s.earlier);
  const over = useStore(store, (s) => s.takenOver);
  const live = transitions.length > 0 || Object.keys(states).length > 0;
  const now = useNow(live);
  const [span, setSpan] = useState<number | null>(null);
  const plotted = useMemo(
    () => timeline(transitions, states, now, over, span),
    [transitions, states, now, over, span],
  );
  if (!live && routers.length === 0 && loadError === null) return null;

  const names = new Map(routers.map((router) => [router.id, router.label]));
  const nameOf = (id: string) => names.get(id) ?? id;
  const groups = new Map<string, Lane[]>();
  for (const lane of plotted.lanes) {
    (groups.get(lane.router) ?? groups.set(lane.router, []).get(lane.router)!).push(lane);
  }
  const silent = routers.filter((router) => !groups.has(router.id));
  const newest = transitions.slice(-LISTED).reverse();

  return (
    <section className="failover" aria-label="Failover timeline">
      <h2>Failover timeline</h2>
      {loadError !== null && <p className="error">Could not load the VRRP states: {loadError}</p>}
      {groups.size > 0 && (
        <label className="failover-span">
          Show{" "}
          <select
            value={span ?? ""}
            onChange={(event) =>
              setSpan(event.target.value === "" ? null : Number(event.target.value))
            }
          >
            {SPANS.map((option) => (
              <option key={option.label} value={option.ms ?? ""}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {[...groups].map(([router, lanes]) => (
        <div key={router} className="failover-router" data-router={router}>
          <h3>{nameOf(router)}</h3>
          <ul className="failover-lanes" aria-label={`Instances of ${nameOf(router)}`}>
            {lanes.map((lane) => (
              <LaneRow key={lane.host} lane={lane} start={plotted.start} end={plotted.end} />
            ))}
          </ul>
          <div className="failover-axis" aria-hidden="true">
            <span>{clock(plotted.start)}</span>
            <span>now</span>
          </div>
          {drills?.({ id: router, label: nameOf(router) })}
        </div>
      ))}
      {silent.map((router) => (
        <div key={router.id} data-router={router.id}>
          <p className="muted">
            {router.label}: no instance has reported a VRRP state (not deployed yet).
          </p>
          {drills?.(router)}
        </div>
      ))}
      {newest.length > 0 && (
        <>
          <h3>Transitions, newest first</h3>
          <ol className="failover-transitions" aria-label="VRRP transitions">
            {newest.map((t, index) => (
              <TransitionRow key={`${t.at}-${t.router}-${t.host}-${index}`} t={t} name={nameOf} />
            ))}
          </ol>
          {transitions.length + earlier > newest.length && (
            <p className="muted">
              {transitions.length + earlier - newest.length} earlier transitions not listed.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function LaneRow({ lane, start, end }: { lane: Lane; start: number; end: number }) {
  const state = lane.state === null ? null : vrrpLabel(lane.state, lane.takenOver !== null);
  return (
    <li
      data-host={lane.host}
      data-state={lane.state ?? ""}
      data-taken-over={lane.takenOver !== null ? "true" : undefined}
    >
      <span className="failover-host">{lane.host}</span>
      <span className="failover-bar" role="img" aria-label={laneText(lane, end)}>
        {lane.segments.map((segment) => {
          const left = percentOf(segment.from, start, end);
          const width = percentOf(segment.to, start, end) - left;
          return (
            <span
              key={segment.from}
              className={`failover-segment vrrp-${segment.state}`}
              data-state={segment.state}
              style={{ left: `${left}%`, width: `${width}%` }}
              title={segmentText(segment.state, segment.from, segment.to, end)}
            />
          );
        })}
      </span>
      {state && <span className={state.className}>{state.text}</span>}
    </li>
  );
}

function laneText(lane: Lane, end: number): string {
  const stretches = lane.segments.map((s) => segmentText(s.state, s.from, s.to, end));
  return `${lane.host}: ${stretches.length > 0 ? stretches.join(", ") : "no state yet"}`;
}

function TransitionRow({ t, name }: { t: VrrpTransition; name: (id: string) => string }) {
  const to = vrrpLabel(t.new_state);
  return (
    <li data-host={t.host} data-state={t.new_state}>
      <time dateTime={t.at}>{clock(Date.parse(t.at), true)}</time> {name(t.router)} on {t.host}:{" "}
      {t.old_state === null ? "started as " : `${STATE_TEXT[t.old_state]} → `}
      <span className={to.className}>{to.text}</span>
    </li>
  );
}
