// The findings of the current revision, errors first, behind a toggle that gives their
// counts; choosing one selects its elements. Outlines on the canvas show them meanwhile.
import { useState } from "react";
import type { Finding } from "../model/events";

const ORDER = { error: 0, warning: 1, info: 2 } as const;

export function FindingsPanel({
  findings,
  onSelect,
}: {
  findings: readonly Finding[];
  onSelect: (ids: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const sorted = [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const count = (severity: Finding["severity"]) =>
    findings.filter((f) => f.severity === severity).length;
  return (
    <section className="findings" aria-label="Findings">
      <h2>
        <button
          type="button"
          className="toggle"
          aria-expanded={open}
          aria-controls="findings-list"
          onClick={() => setOpen(!open)}
        >
          Findings
        </button>{" "}
        <span className="muted">
          {count("error")} errors, {count("warning")} warnings
        </span>
      </h2>
      {open && (
        <div id="findings-list">
          {sorted.length === 0 ? (
            <p className="muted">No findings.</p>
          ) : (
            <ul>
              {sorted.map((finding, i) => (
                <li key={`${finding.code}-${i}`} className={finding.severity}>
                  <button
                    type="button"
                    onClick={() => onSelect([...finding.elements])}
                    aria-label={`${finding.severity}: ${finding.message}`}
                  >
                    <strong>{finding.severity}</strong> <code>{finding.code}</code>{" "}
                    {finding.message}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
