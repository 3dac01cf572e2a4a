// The deployment panel: where the newest deploy or destroy stands (state, progress, each
// host's steps, the error and the log), and for editors the way to start one: preview what a
// deploy of the head would change on each host, then confirm; destroy, confirmed; cancel the
// one under way. Below the state, the drift of what is deployed: what changed on the hosts
// outside Netloom at the last check, with "Check now" and "Repair" (deploying the deployed
// revision again, which applies only the difference) for editors. Viewers and share links see
// the state only. Also the badge text and class the canvas shows on each element.
import { useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import {
  deployApi,
  refusal,
  type Change,
  type ChangeCounts,
  type DeploymentDetail,
  type HostPreview,
  type PlanPreview,
  type Refusal,
} from "../api/deployments";
import type { DeployBadge } from "../model/badges";
import type { Deployment, DeploymentState, DriftChange, LogLine } from "../model/events";
import { isActive, type DeployStore, type Drift } from "../store/deploy";
import "./deploy.css";

const STATE_TEXT: Record<DeploymentState, string> = {
  queued: "Queued",
  planning: "Planning",
  applying: "Applying",
  rolling_back: "Rolling back",
  deployed: "Deployed",
  destroyed: "Destroyed",
  failed: "Failed",
  cancelled: "Cancelled",
};

const BADGES: Record<DeployBadge, string> = {
  pending: "waiting",
  creating: "creating…",
  up: "up",
  failed: "failed",
  removing: "removing…",
  removed: "removed",
  drifted: "drifted",
  missing: "missing",
};

/** What the canvas shows on an element in a deploy: a short text and its CSS class. */
export function elementBadge(state: DeployBadge): { text: string; className: string } {
  return { text: BADGES[state], className: `deploy-badge deploy-badge-${state}` };
}

const DRIFT_TEXT: Record<DriftChange, string> = {
  missing: "missing",
  changed: "changed",
  unexpected: "unexpected",
};

const CHANGE_TEXT: Record<Change, string> = {
  create: "created",
  update: "changed",
  remove: "removed",
};

export interface DeployPanelProps {
  topologyId: number;
  /** A share link's token: its reads carry it, and it never writes. */
  share?: string;
  canEdit: boolean;
  store: DeployStore;
  headRevision: number;
  /** An element's name, to show in the preview beside its id. */
  elementName?: (id: string) => string | undefined;
}

export function DeployPanel({
  topologyId,
  share,
  canEdit,
  store,
  headRevision,
  elementName,
}: DeployPanelProps) {
  const api = useMemo(() => deployApi(topologyId, share), [topologyId, share]);
  const deployment = useStore(store, (s) => s.deployment);
  const log = useStore(store, (s) => s.log);
  const [loadError, setLoadError] = useState<string | null>(null);
  // The id and state of the last REST answer: a state the socket brought later is fetched
  // whole, since some of its log lines only reach the stored log.
  const fetched = useRef<string | null>(null);

  const take = (detail: DeploymentDetail | null) => {
    if (detail !== null) fetched.current = `${detail.id}:${detail.state}`;
    store.getState().load(detail);
  };

  useEffect(() => {
    api.latest().then(take, (error: unknown) => setLoadError(refusal(error).detail));
  }, [api, store]);

  const key = deployment === null ? null : `${deployment.id}:${deployment.state}`;
  useEffect(() => {
    if (deployment === null || key === fetched.current) return;
    fetched.current = key;
    // On failure the state the socket brought stays shown: only some log lines are missing.
    api.get(deployment.id).then(take, () => undefined);
  }, [api, key]);

  return (
    <section className="deploy" aria-label="Deployment">
      <h2>Deployment</h2>
      {loadError !== null && <p className="error">Could not load the deployment: {loadError}</p>}
      <DeploymentStatus deployment={deployment} />
      <DriftSection
        api={api}
        store={store}
        canAct={canEdit && share === undefined}
        onStarted={take}
        elementName={elementName}
      />
      {canEdit && share === undefined && (
        <DeployActions
          api={api}
          deployment={deployment}
          headRevision={headRevision}
          onStarted={take}
          elementName={elementName}
        />
      )}
      <DeploymentLog log={log} />
    </section>
  );
}

function DeploymentStatus({ deployment }: { deployment: Deployment | null }) {
  if (deployment === null) return <p className="muted">Nothing has been deployed yet.</p>;
  const what =
    deployment.action === "destroy" ? "Destroy" : `Deploy of revision ${deployment.revision}`;
  return (
    <div className="deploy-status">
      <p>
        {what}:{" "}
        <strong className={`deploy-state-${deployment.state}`}>
          {STATE_TEXT[deployment.state]}
        </strong>
        {deployment.requested_by !== null && (
          <span className="muted"> (by {deployment.requested_by.name})</span>
        )}
      </p>
      <div
        className="deploy-progress"
        role="progressbar"
        aria-label="Deployment progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={deployment.progress}
      >
        <div style={{ width: `${deployment.progress}%` }} />
      </div>
      <ul className="deploy-hosts" aria-label="Hosts">
        {Object.entries(deployment.hosts).map(([name, host]) => (
          <li key={name} className={`deploy-host-${host.state}`}>
            <strong>{name}</strong>{" "}
            {host.total === null ? "planning" : `${host.done} of ${host.total} steps`}
            {host.state !== "pending" && ` (${host.state})`}
          </li>
        ))}
      </ul>
      {deployment.error !== "" && <p className="error">{deployment.error}</p>}
    </div>
  );
}

/** The attempt whose hosts are checked for drift: the one the report is of, or else the
 * newest attempt if it is a deploy that finished deployed; null when nothing is deployed. */
export function observedAttempt(deployment: Deployment | null, drift: Drift | null) {
  if (drift !== null) return { id: drift.deployment, revision: drift.revision };
  if (deployment?.action !== "deploy" || deployment.state !== "deployed") return null;
  if (deployment.revision === null) return null;
  return { id: deployment.id, revision: deployment.revision };
}

function DriftSection({
  api,
  store,
  canAct,
  onStarted,
  elementName,
}: {
  api: ReturnType<typeof deployApi>;
  store: DeployStore;
  canAct: boolean;
  onStarted: (detail: DeploymentDetail) => void;
  elementName: ((id: string) => string | undefined) | undefined;
}) {
  const deployment = useStore(store, (s) => s.deployment);
  const drift = useStore(store, (s) => s.drift);
  const [busy, setBusy] = useState<string | null>(null);
  const [refused, setRefused] = useState<Refusal | null>(null);
  const attempt = observedAttempt(deployment, drift);
  if (attempt === null) return null;
  const run = async (what: string, action: () => Promise<void>) => {
    setRefused(null);
    setBusy(what);
    try {
      await action();
    } catch (error) {
      setRefused(refusal(error));
    } finally {
      setBusy(null);
    }
  };
  const checkNow = () =>
    run("Asking for a check…", async () => {
      await api.observe(attempt.id);
    });
  const repair = () =>
    run("Asking for the repair…", async () => {
      onStarted(await api.deploy(attempt.revision));
    });
  const items = drift?.items ?? [];
  const active = isActive(deployment);
  return (
    <section className="deploy-drift" aria-label="Drift">
      <h3>Drift</h3>
      {drift === null || drift.checked_at === null ? (
        <p className="muted">Not checked yet.</p>
      ) : (
        <p className="muted">
          Last checked{" "}
          <time dateTime={drift.checked_at}>{new Date(drift.checked_at).toLocaleTimeString()}</time>
          .
        </p>
      )}
      {drift !== null && items.length === 0 && drift.checked_at !== null && (
        <p>The hosts hold what revision {attempt.revision} deployed.</p>
      )}
      {items.length > 0 && (
        <ul className="deploy-drift-items" aria-label="Drifted objects">
          {items.map((item) => {
            const label = item.element === null ? undefined : elementName?.(item.element);
            return (
              <li
                key={`${item.host}/${item.object}/${item.change}`}
                className={`deploy-drift-${item.change}`}
              >
                <strong>{DRIFT_TEXT[item.change]}</strong> {item.object}{" "}
                <span className="muted">
                  on {item.host}
                  {item.element !== null &&
                    ` (${label !== undefined && label !== "" ? `${label}, ` : ""}${item.element})`}
                  : {item.detail}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {canAct && (
        <div className="deploy-buttons">
          <button type="button" onClick={checkNow} disabled={busy !== null || active}>
            Check now
          </button>
          {items.length > 0 && (
            <button type="button" onClick={repair} disabled={busy !== null || active}>
              Repair (deploy revision {attempt.revision} again)
            </button>
          )}
        </div>
      )}
      {busy !== null && (
        <p className="muted" role="status">
          {busy}
        </p>
      )}
      {refused !== null && <RefusalNotice refusal={refused} />}
    </section>
  );
}

/** Each line keyed by its time and its place among lines of the same time, so lines keep
 * their keys when older ones fall off the top. */
function logKeys(log: readonly LogLine[]): string[] {
  const seen = new Map<string, number>();
  return log.map((line) => {
    const count = seen.get(line.at) ?? 0;
    seen.set(line.at, count + 1);
    return `${line.at}#${count}`;
  });
}

function DeploymentLog({ log }: { log: readonly LogLine[] }) {
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element !== null) element.scrollTop = element.scrollHeight;
  }, [log]);
  if (log.length === 0) return null;
  const keys = logKeys(log);
  return (
    <ol
      ref={list}
      className="deploy-log"
      aria-label="Deployment log"
      aria-live="polite"
      tabIndex={0}
    >
      {log.map((line, i) => (
        <li key={keys[i]} className={line.level === "error" ? "error" : undefined}>
          <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>{" "}
          {line.host !== null && <span className="deploy-log-host">{line.host}</span>}{" "}
          {line.message}
        </li>
      ))}
    </ol>
  );
}

type Step =
  | { kind: "idle" }
  | { kind: "busy"; what: string }
  | { kind: "preview"; plan: PlanPreview }
  | { kind: "confirm-destroy" };

function DeployActions({
  api,
  deployment,
  headRevision,
  onStarted,
  elementName,
}: {
  api: ReturnType<typeof deployApi>;
  deployment: Deployment | null;
  headRevision: number;
  onStarted: (detail: DeploymentDetail) => void;
  elementName: ((id: string) => string | undefined) | undefined;
}) {
  const [step, setStep] = useState<Step>({ kind: "idle" });
  const [refused, setRefused] = useState<Refusal | null>(null);
  const active = isActive(deployment);

  const run = async (what: string, action: () => Promise<void>) => {
    setRefused(null);
    setStep({ kind: "busy", what });
    try {
      await action();
    } catch (error) {
      setRefused(refusal(error));
      setStep({ kind: "idle" });
    }
  };
  const preview = () =>
    run("Working out what a deploy would change…", async () => {
      setStep({ kind: "preview", plan: await api.plan(headRevision) });
    });
  const start = (request: () => Promise<DeploymentDetail>) => async () => {
    onStarted(await request());
    setStep({ kind: "idle" });
  };
  const deploy = (revision: number) =>
    run(
      "Asking for the deploy…",
      start(() => api.deploy(revision)),
    );
  const destroy = () =>
    run(
      "Asking for the destroy…",
      start(() => api.destroy()),
    );
  const cancel = (id: number) =>
    run(
      "Cancelling…",
      start(() => api.cancel(id)),
    );
  const busy = step.kind === "busy";
  // Nothing was ever deployed, or the last thing done was a destroy: nothing to remove.
  const nothingThere =
    deployment === null || (deployment.action === "destroy" && deployment.state === "destroyed");

  return (
    <div className="deploy-actions">
      <div className="deploy-buttons">
        <button type="button" onClick={preview} disabled={busy || active}>
          Preview deploy
        </button>
        <button
          type="button"
          onClick={() => setStep({ kind: "confirm-destroy" })}
          disabled={busy || active || nothingThere}
        >
          Destroy
        </button>
        {active && deployment !== null && (
          <button type="button" onClick={() => cancel(deployment.id)} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
      {step.kind === "busy" && (
        <p className="muted" role="status">
          {step.what}
        </p>
      )}
      {refused !== null && <RefusalNotice refusal={refused} />}
      {step.kind === "confirm-destroy" && (
        <div className="deploy-confirm" role="group" aria-label="Confirm destroy">
          <p>Remove everything this topology has on its hosts?</p>
          <button type="button" className="danger" onClick={destroy}>
            Destroy everything
          </button>{" "}
          <button type="button" onClick={() => setStep({ kind: "idle" })}>
            Keep it
          </button>
        </div>
      )}
      {step.kind === "preview" && (
        <PlanView
          plan={step.plan}
          headRevision={headRevision}
          elementName={elementName}
          onDeploy={() => deploy(step.plan.revision)}
          onClose={() => setStep({ kind: "idle" })}
        />
      )}
    </div>
  );
}

function RefusalNotice({ refusal }: { refusal: Refusal }) {
  const title = {
    blocked: "The deploy is blocked by validation errors.",
    in_progress: "Another deploy or destroy is under way.",
    finished: "That deployment has already finished.",
    not_deployed: "That deployment is no longer what is deployed.",
    error: "The request failed.",
  }[refusal.kind];
  return (
    <div className="deploy-refusal error" role="alert">
      <p>
        <strong>{title}</strong> {refusal.detail}
      </p>
      {refusal.kind === "blocked" && (
        <ul aria-label="Blocking findings">
          {refusal.findings.map((finding, i) => (
            <li key={`${finding.code}-${i}`}>
              <code>{finding.code}</code> {finding.message}
              {finding.elements.length > 0 && (
                <span className="muted"> ({finding.elements.join(", ")})</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function counted(counts: ChangeCounts): string {
  return `${counts.create} to create, ${counts.update} to change, ${counts.remove} to remove`;
}

/** What deploying `plan.revision` would do on each host, with the confirm button. */
export function PlanView({
  plan,
  headRevision,
  elementName,
  onDeploy,
  onClose,
}: {
  plan: PlanPreview;
  headRevision: number;
  elementName?: ((id: string) => string | undefined) | undefined;
  onDeploy: () => void;
  onClose: () => void;
}) {
  const hosts = Object.entries(plan.hosts);
  const changes = hosts.some(([, host]) => commandsOf(host).length > 0);
  return (
    <section className="deploy-plan" aria-label="Deploy preview">
      <h3>
        Revision {plan.revision}{" "}
        <span className="muted">
          {plan.deployed_revision === null
            ? "(nothing deployed now)"
            : `(revision ${plan.deployed_revision} deployed now)`}
        </span>
      </h3>
      {plan.revision !== headRevision && (
        <p className="warning">
          The topology has changed since this preview: preview again to deploy revision{" "}
          {headRevision}.
        </p>
      )}
      {hosts.length === 0 && <p className="error">No host is registered to deploy to.</p>}
      {hosts.length > 0 && !changes && <p>Nothing to change on any host.</p>}
      {hosts.map(([name, host]) => (
        <HostPlan key={name} name={name} host={host} elementName={elementName} />
      ))}
      {plan.notes.length > 0 && (
        <ul className="deploy-notes" aria-label="Notes">
          {plan.notes.map((note, i) => (
            <li key={`${note.code}-${i}`}>
              {note.host !== null && <strong>{note.host}: </strong>}
              {note.message}
            </li>
          ))}
        </ul>
      )}
      <div className="deploy-buttons">
        <button type="button" className="primary" onClick={onDeploy} disabled={hosts.length === 0}>
          Deploy revision {plan.revision}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

function commandsOf(host: HostPreview): string[] {
  return host.commands.filter((line) => line.trim() !== "");
}

function HostPlan({
  name,
  host,
  elementName,
}: {
  name: string;
  host: HostPreview;
  elementName: ((id: string) => string | undefined) | undefined;
}) {
  const elements = Object.entries(host.summary.elements);
  const commands = commandsOf(host);
  return (
    <div className="deploy-plan-host">
      <h4>{name}</h4>
      <p>{counted(host.summary.totals)}</p>
      {elements.length > 0 && (
        <ul aria-label={`Elements on ${name}`}>
          {elements.map(([id, change]) => {
            const label = elementName?.(id);
            return (
              <li key={id} className={`deploy-change-${change.change}`}>
                <strong>{CHANGE_TEXT[change.change]}</strong>{" "}
                {label !== undefined && label !== "" ? `${label} (${id})` : id}
              </li>
            );
          })}
        </ul>
      )}
      {commands.length > 0 && (
        <details>
          <summary>Commands ({commands.length})</summary>
          <pre>{host.commands.join("\n")}</pre>
        </details>
      )}
    </div>
  );
}
