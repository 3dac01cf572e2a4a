// A copy's goals with the last check's result for each: passed, failed or still pending, and
// why. Before any check the goals are listed as not checked yet.
import type { GoalResult, GoalStatus, LabCopy } from "../../api/labs";

export const STATUS_WORDS: Record<GoalStatus | "unchecked", string> = {
  pass: "Passed",
  fail: "Failed",
  pending: "Pending",
  unchecked: "Not checked",
};

/** One row per goal: the last check's result when the copy has been checked since its last
 * reset, otherwise the goal's sentence, not checked yet. */
export function goalRows(
  goalWords: string[],
  copy: Pick<LabCopy, "results" | "checked_at"> | null,
): { goal: string; status: GoalStatus | "unchecked"; detail: string }[] {
  const results: GoalResult[] = copy?.checked_at ? copy.results : [];
  if (results.length > 0)
    return results.map(({ goal, status, detail }) => ({ goal, status, detail }));
  return goalWords.map((goal) => ({ goal, status: "unchecked" as const, detail: "" }));
}

export function GoalResults(props: {
  goalWords: string[];
  copy: LabCopy | null;
  labelledBy?: string;
  compact?: boolean;
}) {
  const rows = goalRows(props.goalWords, props.copy);
  if (rows.length === 0) return <p className="muted">This lab has no goals.</p>;
  return (
    <ol
      className={props.compact ? "goal-results compact" : "goal-results"}
      aria-labelledby={props.labelledBy}
    >
      {rows.map((row, index) => (
        <li key={index} className={`goal ${row.status}`}>
          <span className={`goal-status ${row.status}`}>{STATUS_WORDS[row.status]}</span>{" "}
          <span className="goal-words">{row.goal}</span>
          {row.detail && <span className="goal-detail muted"> {row.detail}</span>}
        </li>
      ))}
    </ol>
  );
}

export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}
