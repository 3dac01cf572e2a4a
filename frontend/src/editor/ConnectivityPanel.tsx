// The connectivity panel: checks run inside the deployed topology and compared with what the
// design predicts. Editors start a ping or a TCP connection between two instances (chosen
// from lists, or the two selected on the canvas) or the reachability matrix of every pair;
// everyone sees the results, each marked where it disagrees with the design, the matrix as a
// table, and the findings in plain sentences. Picking a result highlights its path on the
// canvas.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useStore } from "zustand";
import {
  checkRefusal,
  checksApi,
  type Check,
  type CheckKind,
  type CheckRefusal,
  type CheckRequest,
  type CheckResult,
  type CheckState,
} from "../api/checks";
import type { Deployment } from "../model/events";
import { isActive } from "../store/deploy";
import {
  isRunning,
  newestFirst,
  shownCheck,
  type ConnectivityStore,
  type ResultRef,
} from "../store/connectivity";
import "./connectivity.css";

/** An instance as the lists name it. */
export interface InstanceChoice {
  id: string;
  label: string;
}

export interface ConnectivityPanelProps {
  topologyId: number;
  /** A share link's token: its reads carry it, and it never runs a check. */
  share?: string;
  canEdit: boolean;
  store: ConnectivityStore;
  /** The newest deploy or destroy: checks need something deployed. */
  deployment: Deployment | null;
  /** The document's instances, in its order. */
  instances: readonly InstanceChoice[];
  /** The canvas's selection. */
  selection: readonly string[];
  /** Select these elements on the canvas. */
  onSelectElements?: (ids: string[]) => void;
}

const STATE_TEXT: Record<CheckState, string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
};

const KIND_TEXT: Record<CheckKind, string> = {
  ping: "Ping",
  tcp: "TCP",
  matrix: "Reachability matrix",
};

/** Why no check can run now, or null when one can. */
export function blockedReason(deployment: Deployment | null): string | null {
  if (deployment === null) return "Nothing is deployed: deploy the topology to check it.";
  if (isActive(deployment)) {
    return "A deploy or destroy is under way: checks can run once it has finished.";
  }
  if (deployment.action === "destroy" && deployment.state === "destroyed") {
    return "The topology has been destroyed: deploy it again to check it.";
  }
  return null;
}

export function ConnectivityPanel({
  topologyId,
  share,
  canEdit,
  store,
  deployment,
  instances,
  selection,
  onSelectElements,
}: ConnectivityPanelProps) {
  const api = useMemo(() => checksApi(topologyId, share), [topologyId, share]);
  const checks = useStore(store, (s) => s.checks);
  const shownId = useStore(store, (s) => s.shown);
  const selected = useStore(store, (s) => s.selected);
  const [loadError, setLoadError] = useState<string | null>(null);
  const shown = shownCheck({ checks, shown: shownId });
  const names = useMemo(
    () => new Map(instances.map((instance) => [instance.id, instance.label])),
    [instances],
  );
  const nameOf = (id: string | null) => (id === null ? "?" : (names.get(id) ?? id));

  useEffect(() => {
    api.recent().then(
      (recent) => store.getState().load(recent),
      (error: unknown) => setLoadError(checkRefusal(error).detail),
    );
  }, [api, store]);

  const history = useMemo(() => newestFirst(checks), [checks]);
  const select = (ref: ResultRef | null) => store.getState().select(ref);

  return (
    <section className="connectivity" aria-label="Connectivity">
      <h2>Connectivity</h2>
      {loadError !== null && <p className="error">Could not load the checks: {loadError}</p>}
      {canEdit && share === undefined && (
        <CheckForm
          api={api}
          blocked={blockedReason(deployment)}
          instances={instances}
          selection={selection}
          onStarted={(check) => store.getState().started(check)}
        />
      )}
      {shown === null ? (
        <p className="muted">No check has been run yet.</p>
      ) : (
        <CheckView
          check={shown}
          nameOf={nameOf}
          order={instances.map((instance) => instance.id)}
          selected={selected?.check === shown.id ? selected.index : null}
          // Picking the picked result again clears the highlight.
          onSelect={(index) =>
            select(
              index === null || (selected?.check === shown.id && selected.index === index)
                ? null
                : { check: shown.id, index },
            )
          }
          onSelectElements={onSelectElements}
        />
      )}
      {history.length > 1 && (
        <details className="connectivity-history">
          <summary>All checks ({history.length})</summary>
          <ul aria-label="Checks">
            {history.map((check) => (
              <li key={check.id}>
                <button
                  type="button"
                  aria-current={check.id === shown?.id ? "true" : undefined}
                  onClick={() => store.getState().show(check.id)}
                >
                  {describeCheck(check, nameOf)} · {STATE_TEXT[check.state]}
                </button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function describeCheck(check: Check, nameOf: (id: string | null) => string): string {
  if (check.kind === "matrix") return KIND_TEXT.matrix;
  const port = check.kind === "tcp" && check.port !== null ? `:${check.port}` : "";
  return `${KIND_TEXT[check.kind]} ${nameOf(check.source)} → ${nameOf(check.target)}${port}`;
}

/** The instances selected on the canvas, when exactly two are. */
export function selectedPair(
  selection: readonly string[],
  instances: readonly InstanceChoice[],
): [string, string] | null {
  const ids = new Set(instances.map((instance) => instance.id));
  const picked = selection.filter((id) => ids.has(id));
  return picked.length === 2 ? [picked[0]!, picked[1]!] : null;
}

function CheckForm({
  api,
  blocked,
  instances,
  selection,
  onStarted,
}: {
  api: ReturnType<typeof checksApi>;
  blocked: string | null;
  instances: readonly InstanceChoice[];
  selection: readonly string[];
  onStarted: (check: Check) => void;
}) {
  const [source, setSource] = useState("");
  const [target, setTarget] = useState("");
  const [kind, setKind] = useState<"ping" | "tcp">("ping");
  const [port, setPort] = useState("80");
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<CheckRefusal | null>(null);
  const pair = selectedPair(selection, instances);
  const disabled = blocked !== null || busy;

  const run = async (check: CheckRequest) => {
    setRefused(null);
    setBusy(true);
    try {
      onStarted(await api.run(check));
    } catch (error) {
      setRefused(checkRefusal(error));
    } finally {
      setBusy(false);
    }
  };
  // The port goes as typed (an empty one as NaN, sent as null): the server names a bad one.
  const portNumber = () => Number(port.trim() === "" ? Number.NaN : port);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (source === "" || target === "") return;
    void run(
      kind === "tcp" ? { kind, source, target, port: portNumber() } : { kind, source, target },
    );
  };
  const matrix = () =>
    void run(kind === "tcp" ? { kind: "matrix", port: portNumber() } : { kind: "matrix" });
  const fieldErrors = (field: string) =>
    refused?.kind === "invalid"
      ? refused.errors.filter((e) => e.path === field).map((e) => e.message)
      : [];
  const choices = (
    <>
      <option value="">choose…</option>
      {instances.map((instance) => (
        <option key={instance.id} value={instance.id}>
          {instance.label}
        </option>
      ))}
    </>
  );

  const pickers = (
    <>
      <div className="connectivity-pair">
        <label>
          From
          <select
            aria-label="Source instance"
            value={source}
            onChange={(e) => setSource(e.target.value)}
            disabled={disabled}
          >
            {choices}
          </select>
        </label>
        <label>
          To
          <select
            aria-label="Target instance"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            disabled={disabled}
          >
            {choices}
          </select>
        </label>
        <button
          type="button"
          disabled={disabled || pair === null}
          title={pair === null ? "Select exactly two instances on the canvas." : undefined}
          onClick={() => {
            if (pair === null) return;
            setSource(pair[0]);
            setTarget(pair[1]);
          }}
        >
          Use selection
        </button>
      </div>
      <FieldMessages messages={[...fieldErrors("source"), ...fieldErrors("target")]} />
      <div className="connectivity-kind" role="radiogroup" aria-label="Probe">
        <label>
          <input
            type="radio"
            name="connectivity-kind"
            checked={kind === "ping"}
            onChange={() => setKind("ping")}
            disabled={disabled}
          />{" "}
          Ping
        </label>
        <label>
          <input
            type="radio"
            name="connectivity-kind"
            checked={kind === "tcp"}
            onChange={() => setKind("tcp")}
            disabled={disabled}
          />{" "}
          TCP
        </label>
        {kind === "tcp" && (
          <label>
            Port{" "}
            <input
              type="number"
              min={1}
              max={65535}
              value={port}
              onChange={(e) => setPort(e.target.value)}
              disabled={disabled}
            />
          </label>
        )}
      </div>
      <FieldMessages messages={fieldErrors("port")} />
    </>
  );

  return (
    <form className="connectivity-form" onSubmit={submit} aria-label="Run a check">
      {/* Until something is deployed there is nothing to pick: the reason shows instead. */}
      {blocked !== null ? (
        <p className="muted" role="status">
          {blocked}
        </p>
      ) : (
        pickers
      )}
      <div className="connectivity-buttons">
        <button
          type="submit"
          className="primary"
          disabled={disabled || source === "" || target === ""}
        >
          Run
        </button>
        <button type="button" onClick={matrix} disabled={disabled}>
          Run reachability matrix
        </button>
      </div>
      {busy && (
        <p className="muted" role="status">
          Starting the check…
        </p>
      )}
      {refused !== null && <RefusalNotice refusal={refused} />}
    </form>
  );
}

function FieldMessages({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="error connectivity-field-errors">
      {messages.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

function RefusalNotice({ refusal }: { refusal: CheckRefusal }) {
  const title = {
    not_deployed: "Nothing is deployed to check.",
    invalid: "The check was not started.",
    forbidden: "Your role cannot run checks.",
    error: "The request failed.",
  }[refusal.kind];
  const general =
    refusal.kind === "invalid"
      ? refusal.errors.filter((e) => !["source", "target", "port"].includes(e.path))
      : [];
  return (
    <div className="connectivity-refusal error" role="alert">
      <strong>{title}</strong> {refusal.detail}
      {general.map((e) => ` ${e.path}: ${e.message}`).join(";")}
    </div>
  );
}

function CheckView({
  check,
  nameOf,
  order,
  selected,
  onSelect,
  onSelectElements,
}: {
  check: Check;
  nameOf: (id: string | null) => string;
  order: readonly string[];
  selected: number | null;
  onSelect: (index: number | null) => void;
  onSelectElements: ((ids: string[]) => void) | undefined;
}) {
  const reachable = check.results.filter((result) => result.reachable).length;
  return (
    <div className="connectivity-check" aria-label="Check" role="group">
      <p>
        {describeCheck(check, nameOf)}:{" "}
        <strong className={`connectivity-state-${check.state}`}>{STATE_TEXT[check.state]}</strong>
        {check.state === "done" && (
          <span className="muted">
            {" "}
            ({reachable} of {check.results.length} reachable)
          </span>
        )}
        {isRunning(check) && <span className="muted"> {progress(check)}</span>}
      </p>
      {check.error !== "" && <p className="error">{check.error}</p>}
      {check.kind === "matrix" ? (
        <Matrix
          results={check.results}
          nameOf={nameOf}
          order={order}
          selected={selected}
          onSelect={onSelect}
        />
      ) : (
        <ResultList results={check.results} selected={selected} onSelect={onSelect} />
      )}
      {selected !== null && (
        <button type="button" className="link" onClick={() => onSelect(null)}>
          Clear path highlight
        </button>
      )}
      {check.findings.length > 0 && (
        <ul className="connectivity-findings" aria-label="Connectivity findings">
          {check.findings.map((finding, i) => (
            <li key={`${finding.code}-${i}`} className={finding.severity}>
              <button
                type="button"
                onClick={() => onSelectElements?.([...finding.elements])}
                aria-label={`${finding.severity}: ${finding.message}`}
              >
                <strong>{finding.severity}</strong> {finding.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** How far a running check has got: its probes done of those planned, over its hosts. */
function progress(check: Check): string {
  const hosts = Object.values(check.hosts);
  if (hosts.length === 0 || hosts.some((host) => host.total === null)) return "…";
  const done = hosts.reduce((sum, host) => sum + host.done, 0);
  const total = hosts.reduce((sum, host) => sum + (host.total ?? 0), 0);
  return `(${done} of ${total} probes)`;
}

/** How a result reads: reachable or not, and the design's prediction where it differs. */
export function resultText(result: CheckResult): string {
  const how = result.protocol === "tcp" ? `TCP ${result.port ?? ""}`.trim() : "ping";
  const words = [
    `${result.reachable ? "✓" : "✗"} ${result.address}`,
    how,
    result.rtt_ms === null ? null : `${result.rtt_ms.toFixed(1)} ms`,
    result.detail === "" ? null : result.detail,
  ];
  return words.filter((word) => word !== null).join(" · ");
}

function disagreement(result: CheckResult): string | null {
  if (result.agrees !== false) return null;
  return result.expected ? "the design predicts reachable" : "the design predicts blocked";
}

function ResultList({
  results,
  selected,
  onSelect,
}: {
  results: readonly CheckResult[];
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  if (results.length === 0) return null;
  return (
    <ul className="connectivity-results" aria-label="Results">
      {results.map((result, index) => {
        const differs = disagreement(result);
        return (
          <li
            key={`${result.address}-${index}`}
            className={`${result.reachable ? "reachable" : "blocked"}${differs ? " disagrees" : ""}`}
          >
            <button
              type="button"
              aria-pressed={selected === index}
              onClick={() => onSelect(index)}
              title="Show the path on the canvas"
            >
              {resultText(result)}
              {differs !== null && (
                <span className="connectivity-differs" title={differs}>
                  {" "}
                  ⚠ not as designed: {differs}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The instances of a matrix in the document's order, then any the document no longer has. */
function participants(results: readonly CheckResult[], order: readonly string[]): string[] {
  const seen = new Set(results.flatMap((result) => [result.source, result.target]));
  const known = order.filter((id) => seen.has(id));
  const rest = [...seen].filter((id) => !order.includes(id)).sort();
  return [...known, ...rest];
}

type Reach = "reachable" | "blocked" | "partial";
const REACH_TEXT: Record<Reach, string> = {
  reachable: "reachable",
  blocked: "blocked",
  partial: "some addresses reachable",
};
const REACH_MARK: Record<Reach, string> = { reachable: "✓", blocked: "✗", partial: "½" };

function Matrix({
  results,
  nameOf,
  order,
  selected,
  onSelect,
}: {
  results: readonly CheckResult[];
  nameOf: (id: string | null) => string;
  order: readonly string[];
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  const ids = participants(results, order);
  // Each pair's results, by their index in the check.
  const cells = new Map<string, number[]>();
  results.forEach((result, index) => {
    const key = `${result.source}\u0000${result.target}`;
    (cells.get(key) ?? cells.set(key, []).get(key)!).push(index);
  });
  if (ids.length === 0) return null;
  return (
    <table className="connectivity-matrix" aria-label="Reachability matrix">
      <thead>
        <tr>
          <th scope="col">from \ to</th>
          {ids.map((id) => (
            <th key={id} scope="col">
              {nameOf(id)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {ids.map((source) => (
          <tr key={source}>
            <th scope="row">{nameOf(source)}</th>
            {ids.map((target) => {
              const indexes = cells.get(`${source}\u0000${target}`) ?? [];
              if (indexes.length === 0) return <td key={target} className="none" />;
              const pair = indexes.map((index) => results[index]!);
              const through = pair.filter((result) => result.reachable).length;
              const reach =
                through === pair.length ? "reachable" : through === 0 ? "blocked" : "partial";
              const differs = pair.some((result) => result.agrees === false);
              // The result a click shows: the first that disagrees, or the first.
              const shown =
                indexes[pair.findIndex((result) => result.agrees === false)] ?? indexes[0]!;
              const label = `${nameOf(source)} to ${nameOf(target)}: ${REACH_TEXT[reach]}${
                differs ? ", not as designed" : ""
              }`;
              return (
                <td key={target} className={`${reach}${differs ? " disagrees" : ""}`}>
                  <button
                    type="button"
                    aria-label={label}
                    title={pair.map(resultText).join("\n")}
                    aria-pressed={selected !== null && indexes.includes(selected)}
                    onClick={() => onSelect(shown)}
                  >
                    {REACH_MARK[reach]}
                  </button>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
