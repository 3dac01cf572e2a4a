// A topology on one printable page: its picture (the same SVG as the canvas's export), the
// inventory of its elements, and what validation finds in it. Share-link visitors see it too.
import { useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/client";
import { reportData, type ReportData } from "../export/api";
import { documentDrawing } from "../export/drawing";
import { inventoryOf, topologyUrl, validationSummary, type InventoryTable } from "../export/report";
import { buildSvg } from "../export/svg";
import { loginUrl } from "./navigation";
import "./report.css";

export function ReportPage({ topologyId, share }: { topologyId: number; share?: string }) {
  const [data, setData] = useState<ReportData | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    reportData(topologyId, share).then(
      (found) => live && setData(found),
      (caught: unknown) => {
        if (!live) return;
        if (caught instanceof ApiError && caught.status === 401 && share === undefined) {
          window.location.assign(loginUrl(window.location.pathname));
          return;
        }
        setError(caught instanceof Error ? caught.message : "The report could not be loaded.");
      },
    );
    return () => {
      live = false;
    };
  }, [topologyId, share]);
  const name = data?.topology.name ?? "";
  useEffect(() => {
    if (name) window.document.title = `${name}: report`;
  }, [name]);
  const picture = useMemo(
    () =>
      data === null
        ? null
        : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(buildSvg(documentDrawing(data.document)))}`,
    [data],
  );
  const tables = useMemo(() => (data ? inventoryOf(data.document) : []), [data]);
  const summary = useMemo(() => (data ? validationSummary(data.findings) : null), [data]);

  if (error !== null) {
    return (
      <main className="report">
        <p role="alert">{error}</p>
      </main>
    );
  }
  if (data === null || summary === null) {
    return (
      <main className="report">
        <p role="status">Loading the report…</p>
      </main>
    );
  }
  const description = data.document.description ?? data.topology.description;
  return (
    <main className="report">
      <header className="report-header">
        <div>
          <h1>{name}</h1>
          <p className="report-meta">
            Revision {data.revision} · printed {new Date().toLocaleString()}
          </p>
          {description && <p className="report-description">{description}</p>}
        </div>
        <nav className="report-actions">
          <a href={topologyUrl(topologyId, share)}>Back to the topology</a>
          <button type="button" onClick={() => window.print()}>
            Print
          </button>
        </nav>
      </header>
      <figure className="report-picture">
        {picture && <img src={picture} alt={`The topology ${name}`} />}
      </figure>
      <section className="report-validation" aria-labelledby="report-validation-heading">
        <h2 id="report-validation-heading">Validation</h2>
        <p>
          <span className="count count-error">{plural(summary.counts.error, "error")}</span>
          {" · "}
          <span className="count count-warning">{plural(summary.counts.warning, "warning")}</span>
          {" · "}
          <span className="count">{plural(summary.counts.info, "note")}</span>
          {" · "}
          {summary.deployable ? "deployable" : "not deployable until the errors are fixed"}
        </p>
        {summary.messages.length > 0 && (
          <ul className="report-findings">
            {summary.messages.map((finding, index) => (
              <li key={index} className={`finding-${finding.severity}`}>
                <strong>{finding.severity}</strong> {finding.message}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="report-inventory" aria-label="Inventory">
        {tables.map((table) => (
          <Inventory key={table.title} table={table} />
        ))}
      </section>
    </main>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function Inventory({ table }: { table: InventoryTable }) {
  const id = `inventory-${table.title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <table className="inventory" aria-labelledby={id}>
      <caption id={id}>{table.title}</caption>
      <thead>
        <tr>
          {table.columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row, index) => (
          <tr key={index}>
            {row.map((cell, column) =>
              column === 0 ? (
                <th key={column} scope="row">
                  {cell}
                </th>
              ) : (
                <td key={column}>{cell}</td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
