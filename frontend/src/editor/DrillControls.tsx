// The drills of one HA router: for owners and editors, the buttons that break or restore it
// on purpose (crash master, cut link, host failure, switchover to a chosen instance's host,
// failback), each disabled with its reason when the router does not allow it now, and the
// API's words when it refused one; for everyone, the newest drill's state and the HA events
// of the router, each move of the master role with the drill that caused it, the time without
// a master and the outage the drill's probe measured.
import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { DRILL_KINDS, refusalText, requestDrill, type DrillKind } from "../api/drills";
import {
  availability,
  DRILL_TEXT,
  drillStateText,
  drillTitle,
  eventNotes,
  eventTime,
  eventTitle,
  outageText,
  switchoverTargets,
  type RouterSituation,
} from "../model/drills";
import type { TopologyDocument } from "../generated/document";
import type { Deployment } from "../model/events";
import type { DrillStore } from "../store/drills";
import type { VrrpStore } from "../store/vrrp";
import { clock } from "./FailoverTimeline";
import "./drills.css";

const NO_STATES = {};
/** The HA events listed, newest first. */
const LISTED = 20;

export interface DrillControlsProps {
  topologyId: number;
  /** Owners and editors, not through a share link: they may run drills. */
  canAct: boolean;
  router: { id: string; label: string };
  /** The document, for the router's VRRP settings. */
  document: TopologyDocument;
  deployment: Deployment | null;
  drills: DrillStore;
  vrrp: VrrpStore;
}

export function DrillControls(props: DrillControlsProps) {
  const { topologyId, canAct, router, document, deployment, drills, vrrp } = props;
  const states = useStore(vrrp, (s) => s.states[router.id] ?? NO_STATES);
  const takenOver = useStore(vrrp, (s) => s.takenOver[router.id] ?? NO_STATES);
  const history = useStore(drills, (s) => s.routers[router.id]);
  useEffect(() => drills.getState().watch(router.id), [drills, router.id]);
  const known = history?.drills ?? [];
  const situation: RouterSituation = {
    deployment,
    states,
    takenOver,
    nopreempt: document.routers?.find((r) => r.id === router.id)?.vrrp?.nopreempt === true,
    latest: known.at(-1) ?? null,
    now: Date.now(),
  };
  const latest = situation.latest;
  const events = (history?.events ?? []).slice(-LISTED).reverse();
  return (
    <div className="drills" role="group" aria-label={`Drills on ${router.label}`}>
      {canAct && (
        <DrillButtons
          topologyId={topologyId}
          router={router}
          situation={situation}
          drills={drills}
        />
      )}
      {history?.error != null && (
        <p className="error">Could not load the drills: {history.error}</p>
      )}
      {latest !== null && (
        <p className="drill-status" data-drill={latest.id} data-state={latest.state}>
          Drill #{latest.id}, {drillTitle(latest)}:{" "}
          <strong className={`drill-state drill-${latest.state}`}>{drillStateText(latest)}</strong>
          {latest.error !== "" && <span className="error"> {latest.error}</span>}
          {outageText(latest) !== null && <span> · {outageText(latest)}</span>}
        </p>
      )}
      {events.length > 0 && (
        <ol className="drill-events" aria-label={`HA events of ${router.label}`}>
          {events.map((event) => {
            const notes = eventNotes(event, known);
            return (
              <li
                key={`${event.type}-${eventTime(event)}`}
                data-type={event.type}
                data-drill={"drill" in event && event.drill !== null ? event.drill : undefined}
              >
                <time dateTime={eventTime(event)}>{clock(Date.parse(eventTime(event)), true)}</time>{" "}
                <span className={`drill-event drill-event-${event.type}`}>{eventTitle(event)}</span>
                {notes.drill !== null && <span className="drill-cause"> · {notes.drill}</span>}
                {notes.noMaster !== null && (
                  <span className="drill-no-master"> · {notes.noMaster}</span>
                )}
                {notes.lasted !== null && <span className="drill-lasted"> · {notes.lasted}</span>}
                {notes.outage !== null && <span className="drill-outage"> · {notes.outage}</span>}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

function DrillButtons(props: {
  topologyId: number;
  router: DrillControlsProps["router"];
  situation: RouterSituation;
  drills: DrillStore;
}) {
  const { topologyId, router, situation, drills } = props;
  const allowed = availability(situation);
  const targets = switchoverTargets(situation);
  const [target, setTarget] = useState<string>("");
  const [busy, setBusy] = useState<DrillKind | null>(null);
  const [refused, setRefused] = useState<string | null>(null);
  const chosen = targets.includes(target) ? target : (targets[0] ?? "");

  const run = (kind: DrillKind) => {
    setBusy(kind);
    setRefused(null);
    const body = kind === "switchover" ? { kind, target_host: chosen } : { kind };
    requestDrill(topologyId, router.id, body)
      .then(
        (drill) => drills.getState().applyDrill(drill),
        (error: unknown) => setRefused(refusalText(error)),
      )
      .finally(() => setBusy(null));
  };
  // Each reason once, with the drills it keeps from running.
  const reasons = new Map<string, string[]>();
  for (const kind of DRILL_KINDS) {
    const reason = allowed[kind].reason;
    if (reason !== null) reasons.set(reason, [...(reasons.get(reason) ?? []), DRILL_TEXT[kind]]);
  }
  const reasonId = `drill-reasons-${router.id}`;
  return (
    <>
      <div className="drill-buttons" role="toolbar" aria-label={`Drills for ${router.label}`}>
        {DRILL_KINDS.map((kind) => (
          <span key={kind} className="drill-button">
            {kind === "switchover" && targets.length > 0 && (
              <select
                aria-label="Switchover target host"
                value={chosen}
                disabled={!allowed.switchover.enabled || busy !== null}
                onChange={(event) => setTarget(event.target.value)}
              >
                {targets.map((host) => (
                  <option key={host} value={host}>
                    {host}
                  </option>
                ))}
              </select>
            )}
            <button
              type="button"
              data-kind={kind}
              disabled={!allowed[kind].enabled || busy !== null}
              title={allowed[kind].reason ?? undefined}
              aria-describedby={allowed[kind].reason === null ? undefined : reasonId}
              onClick={() => run(kind)}
            >
              {busy === kind ? `${DRILL_TEXT[kind]}…` : DRILL_TEXT[kind]}
            </button>
          </span>
        ))}
      </div>
      {reasons.size > 0 && (
        <ul id={reasonId} className="drill-reasons muted">
          {[...reasons].map(([reason, kinds]) => (
            <li key={reason}>
              {kinds.length === DRILL_KINDS.length ? "" : `${kinds.join(", ")}: `}
              {reason}
            </li>
          ))}
        </ul>
      )}
      {refused !== null && (
        <p className="error" role="alert">
          Drill refused: {refused}
        </p>
      )}
    </>
  );
}
