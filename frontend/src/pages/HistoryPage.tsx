// The revision history of a topology: its revisions newest first, a visual diff of any two of
// them (the head and its parent to begin with), and, for editors and owners, restoring an old
// revision as a new head. A share link reads all of it and restores nothing.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, type TopologySummary } from "../api/client";
import { historyApi, type Revision, type RevisionDetail } from "../api/revisions";
import { DiffCanvas } from "../canvas/DiffCanvas";
import {
  compareRevisions,
  ELEMENT_NOUN,
  formatValue,
  type ChangeStatus,
  type Comparison,
  type ElementChange,
} from "../model/diff";
import "./history.css";
import { loginUrl } from "./navigation";

interface Pair {
  from: number;
  to: number;
}

const GROUPS: { status: ChangeStatus; title: string }[] = [
  { status: "added", title: "Added" },
  { status: "changed", title: "Changed" },
  { status: "removed", title: "Removed" },
];

export function HistoryPage({ topologyId, share }: { topologyId: number; share?: string }) {
  const api = useMemo(() => historyApi(topologyId, share), [topologyId, share]);
  // Revisions never change once written: each document is read once.
  const documents = useMemo(() => new Map<number, Promise<RevisionDetail>>(), [api]);
  const [topology, setTopology] = useState<TopologySummary | null>(null);
  const [revisions, setRevisions] = useState<Revision[] | null>(null);
  const [olderPage, setOlderPage] = useState<string | null>(null);
  const [pair, setPair] = useState<Pair | null>(null);
  const [shown, setShown] = useState<{ pair: Pair; comparison: Comparison } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [progress, setProgress] = useState("Loading the history…");
  const [error, setError] = useState<string | null>(null);
  const [restoring, setRestoring] = useState<number | null>(null);

  const fail = useCallback(
    (caught: unknown) => {
      if (caught instanceof ApiError && caught.status === 401 && share === undefined) {
        window.location.assign(loginUrl(window.location.pathname));
        return;
      }
      setProgress("");
      setError(caught instanceof Error ? caught.message : "The history could not be loaded.");
    },
    [share],
  );

  /** The topology and its newest revisions, which replace the list shown. */
  const load = useCallback(async (): Promise<Revision[]> => {
    const [found, page] = await Promise.all([api.topology(), api.revisions()]);
    setTopology(found);
    setRevisions(page.results);
    setOlderPage(page.next);
    return page.results;
  }, [api]);

  useEffect(() => {
    let live = true;
    load().then(
      (newest) => {
        if (!live) return;
        setProgress("");
        const head = newest[0];
        if (head) setPair(withParent(head));
      },
      (caught: unknown) => live && fail(caught),
    );
    return () => {
      live = false;
    };
  }, [load, fail]);

  useEffect(() => {
    if (pair === null) return;
    let live = true;
    const read = (number: number) => {
      let detail = documents.get(number);
      if (detail === undefined) {
        detail = api.revision(number);
        documents.set(number, detail);
        detail.catch(() => documents.delete(number));
      }
      return detail;
    };
    setSelected(null);
    Promise.all([read(pair.from), read(pair.to), api.diff(pair.from, pair.to)]).then(
      ([from, to, diff]) => {
        if (!live) return;
        setShown({ pair, comparison: compareRevisions(from.document, to.document, diff) });
      },
      (caught: unknown) => live && fail(caught),
    );
    return () => {
      live = false;
    };
  }, [pair, api, documents, fail]);

  const showOlder = async () => {
    if (olderPage === null) return;
    try {
      const page = await api.revisions(olderPage);
      setRevisions((loaded) => [...(loaded ?? []), ...page.results]);
      setOlderPage(page.next);
    } catch (caught) {
      fail(caught);
    }
  };

  const restore = async (number: number) => {
    const head = revisions?.[0]?.number;
    if (head === undefined) return;
    setRestoring(number);
    setError(null);
    setProgress(`Restoring revision ${number}…`);
    try {
      const saved = await api.restore(number, head);
      await load();
      setPair(withParent(saved.revision));
      setProgress(`Revision ${number} restored as revision ${saved.revision.number}.`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "stale_revision") {
        setProgress("");
        const newest = (await load().catch(() => null))?.[0]?.number;
        setError(
          `Revision ${number} was not restored: ` +
            `${newest === undefined ? "a newer revision" : `revision ${newest}`} was saved ` +
            "meanwhile. The list shows it now; look at it, then restore again if you still " +
            "want to.",
        );
      } else {
        fail(caught);
      }
    } finally {
      setRestoring(null);
    }
  };

  const canRestore =
    share === undefined && (topology?.role === "editor" || topology?.role === "owner");
  const shareQuery = share === undefined ? "" : `?share=${encodeURIComponent(share)}`;
  const comparing = pair !== null && (shown === null || shown.pair !== pair);

  return (
    <div className="history">
      <header className="history-header">
        {share === undefined && <a href="/app/">Projects</a>}
        <h1>History of {topology?.name ?? `topology ${topologyId}`}</h1>
        <a href={`/app/topologies/${topologyId}/${shareQuery}`}>
          {share === undefined ? "Back to the editor" : "Back to the topology"}
        </a>
        {share !== undefined && <span className="muted">read only</span>}
        <p className="history-status" aria-live="polite">
          {progress}
        </p>
        {error && (
          <p className="history-status error" role="alert">
            {error}{" "}
            <button type="button" onClick={() => setError(null)}>
              Dismiss
            </button>
          </p>
        )}
      </header>
      <div className="history-body">
        <section className="revisions" aria-labelledby="revisions-title">
          <h2 id="revisions-title">Revisions</h2>
          {revisions && (
            <ol>
              {revisions.map((revision, index) => (
                <RevisionItem
                  key={revision.number}
                  revision={revision}
                  isHead={index === 0}
                  pair={pair}
                  canRestore={canRestore}
                  restoring={restoring}
                  onCompare={() => setPair(withParent(revision))}
                  onRestore={() => void restore(revision.number)}
                />
              ))}
            </ol>
          )}
          {olderPage !== null && (
            <button type="button" onClick={() => void showOlder()}>
              Show older revisions
            </button>
          )}
        </section>
        <section className="compare" aria-labelledby="compare-title">
          <div className="compare-form">
            <h2 id="compare-title" className="visually-hidden">
              Compare two revisions
            </h2>
            {revisions && pair && (
              <>
                <RevisionPicker
                  label="From revision"
                  revisions={revisions}
                  value={pair.from}
                  onChange={(from) => setPair({ ...pair, from })}
                />
                <RevisionPicker
                  label="To revision"
                  revisions={revisions}
                  value={pair.to}
                  onChange={(to) => setPair({ ...pair, to })}
                />
              </>
            )}
            <p className="muted" aria-live="polite">
              {comparing && pair
                ? `Comparing revision ${pair.from} with revision ${pair.to}…`
                : shown && summaryOf(shown.pair, shown.comparison)}
            </p>
          </div>
          {shown && (
            <DiffCanvas
              key={`${shown.pair.from}-${shown.pair.to}`}
              document={shown.comparison.drawn}
              statuses={shown.comparison.statuses}
              selected={selected}
              onSelect={setSelected}
            />
          )}
        </section>
        <section className="changes" aria-labelledby="changes-title">
          <h2 id="changes-title">Changes</h2>
          {shown && (
            <ChangeList
              changes={shown.comparison.changes}
              selected={selected}
              onSelect={setSelected}
            />
          )}
        </section>
      </div>
    </div>
  );
}

/** Compare a revision with the one it was made from (the first with itself). */
function withParent(revision: Revision): Pair {
  return { from: revision.parent ?? revision.number, to: revision.number };
}

function summaryOf(pair: Pair, comparison: Comparison): string {
  const { counts, moved, descriptionChanged } = comparison;
  const parts = [
    `${counts.added} added`,
    `${counts.changed} changed`,
    `${counts.removed} removed`,
    ...(moved.length > 0 ? [`${moved.length} moved`] : []),
    ...(descriptionChanged ? ["description changed"] : []),
  ];
  return `Revision ${pair.to} against revision ${pair.from}: ${parts.join(", ")}.`;
}

function RevisionItem({
  revision,
  isHead,
  pair,
  canRestore,
  restoring,
  onCompare,
  onRestore,
}: {
  revision: Revision;
  isHead: boolean;
  pair: Pair | null;
  canRestore: boolean;
  restoring: number | null;
  onCompare(): void;
  onRestore(): void;
}) {
  const role = pair?.to === revision.number ? "to" : pair?.from === revision.number ? "from" : "";
  const created = new Date(revision.created_at);
  return (
    <li className={`revision ${role ? "compared" : ""}`} aria-current={role ? "true" : undefined}>
      <p>
        <strong>Revision {revision.number}</strong>
        {isHead && <span className="muted"> (head)</span>}
        {role && <span className="muted"> · compared: {role}</span>}
      </p>
      <p className="muted">
        {revision.author ?? "unknown author"} ·{" "}
        <time dateTime={revision.created_at}>{created.toLocaleString()}</time> ·{" "}
        {revision.element_count} elements
      </p>
      <p>{revision.message || <span className="muted">No message</span>}</p>
      <div className="actions">
        <button type="button" onClick={onCompare}>
          Show changes<span className="visually-hidden"> of revision {revision.number}</span>
        </button>
        {canRestore && !isHead && (
          <button type="button" onClick={onRestore} disabled={restoring !== null}>
            {restoring === revision.number ? "Restoring…" : "Restore this revision"}
            <span className="visually-hidden"> ({revision.number})</span>
          </button>
        )}
      </div>
    </li>
  );
}

function RevisionPicker({
  label,
  revisions,
  value,
  onChange,
}: {
  label: string;
  revisions: readonly Revision[];
  value: number;
  onChange(number: number): void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {revisions.map((revision) => (
          <option key={revision.number} value={revision.number}>
            {revision.number}
            {revision.message ? ` · ${revision.message}` : ""}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The changed elements grouped by what happened to them; choosing one selects it. */
function ChangeList({
  changes,
  selected,
  onSelect,
}: {
  changes: readonly ElementChange[];
  selected: string | null;
  onSelect(id: string): void;
}) {
  if (changes.length === 0) return <p className="muted">No element changed.</p>;
  return (
    <>
      {GROUPS.map(({ status, title }) => {
        const group = changes.filter((change) => change.status === status);
        if (group.length === 0) return null;
        return (
          <section key={status} aria-labelledby={`changes-${status}`}>
            <h3 id={`changes-${status}`}>
              {title} ({group.length})
            </h3>
            <ul>
              {group.map((change) => (
                <li key={`${change.list}-${change.id}`} className={`change diff-${status}`}>
                  <button
                    type="button"
                    aria-pressed={selected === change.id}
                    onClick={() => onSelect(change.id)}
                  >
                    {ELEMENT_NOUN[change.list]} <strong>{change.label}</strong>
                  </button>
                  {change.fields.length > 0 && (
                    <ul className="fields" aria-label={`Changed fields of ${change.label}`}>
                      {change.fields.map(({ field, before, after }) => (
                        <li key={field}>
                          <code>{field}</code>: <del>{formatValue(before)}</del> →{" "}
                          <ins>{formatValue(after)}</ins>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}
