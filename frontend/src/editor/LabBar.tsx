// The editor's bar for a lab copy: the lab's title (back to its page), the Check button and
// the goals' results, so a student checks their work without leaving the canvas.
import { useEffect, useState } from "react";
import { labsApi, type Lab, type LabCopy } from "../api/labs";
import { problemsOf } from "../pages/project/helpers";
import { GoalResults } from "../pages/labs/GoalResults";
import "./labBar.css";

export function LabBar({ labId, copyId }: { labId: number; copyId: number }) {
  const [lab, setLab] = useState<Lab | null>(null);
  const [copy, setCopy] = useState<LabCopy | null>(null);
  const [error, setError] = useState("");
  const [checking, setChecking] = useState(false);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    Promise.all([labsApi.lab(labId), labsApi.copy(labId, copyId)]).then(
      ([foundLab, foundCopy]) => {
        setLab(foundLab);
        setCopy(foundCopy);
      },
      () => setError("The lab could not be loaded."),
    );
  }, [labId, copyId]);

  const check = async () => {
    setChecking(true);
    setError("");
    try {
      setCopy(await labsApi.check(labId, copyId));
      setOpen(true);
    } catch (caught) {
      setError(
        Object.values(problemsOf(caught, () => null))
          .flat()
          .join(" "),
      );
    } finally {
      setChecking(false);
    }
  };

  return (
    <section className="lab-bar" aria-label="Lab">
      <span className="lab-bar-title">
        Lab: <a href={`/app/labs/${labId}/`}>{lab?.title ?? "…"}</a>
        {copy && lab?.access !== "student" && (
          <span className="muted"> ({copy.student}'s copy)</span>
        )}
      </span>{" "}
      <button type="button" onClick={() => void check()} disabled={checking || lab === null}>
        {checking ? "Checking…" : "Check"}
      </button>{" "}
      {copy && (
        <button
          type="button"
          className="lab-bar-score"
          aria-expanded={open}
          aria-controls="lab-bar-results"
          onClick={() => setOpen(!open)}
        >
          {copy.checked_at ? `${copy.passed} of ${copy.total} goals passed` : "Goals"}
        </button>
      )}
      {error && (
        <span className="error" role="alert">
          {" "}
          {error}
        </span>
      )}
      {open && lab && copy && (
        <div id="lab-bar-results" className="lab-bar-results">
          <GoalResults goalWords={lab.goal_words} copy={copy} compact />
        </div>
      )}
    </section>
  );
}
