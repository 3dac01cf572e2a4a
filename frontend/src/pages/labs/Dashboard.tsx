// The class's progress on one lab, live: every student's copy with the goals passed, when it
// was last checked and each goal's result; buttons to open a copy, to reset it (instructors),
// and the grades as CSV.
import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { copyUrl, labsApi, type Lab, type LabCopy } from "../../api/labs";
import { connectDashboard, createDashboardStore, type DashboardLink } from "../../store/labs";
import { problemsOf } from "../project/helpers";
import { Section } from "../project/section";
import { ConfirmButton } from "./ConfirmButton";
import { formatTime, STATUS_WORDS } from "./GoalResults";

const LINK_WORDS: Record<DashboardLink, string> = {
  connecting: "Connecting…",
  live: "Live",
  refused: "Not allowed to follow this lab live",
};

export function Dashboard({ lab, canReset }: { lab: Lab; canReset: boolean }) {
  const [store] = useState(() => createDashboardStore(lab.id));
  useEffect(() => connectDashboard(store), [store]);
  const copies = useStore(store, (state) => state.copies);
  const link = useStore(store, (state) => state.link);
  const [error, setError] = useState<string[] | undefined>();
  const reset = async (copy: LabCopy) => {
    setError(undefined);
    try {
      store.getState().put(await labsApi.reset(lab.id, copy.id));
    } catch (caught) {
      setError(Object.values(problemsOf(caught, () => null)).flat());
    }
  };
  const goals = lab.goal_words;
  return (
    <Section id="dashboard-heading" title="Class progress" error={error}>
      <p className="dashboard-bar">
        <span className={`link-state ${link}`} role="status" aria-label="Dashboard connection">
          {LINK_WORDS[link]}
        </span>{" "}
        <a href={labsApi.gradesUrl(lab.id)} download>
          Download grades (CSV)
        </a>
      </p>
      {link !== "connecting" && copies.length === 0 && <p>No student has started this lab yet.</p>}
      {copies.length > 0 && (
        <div className="dashboard-scroll">
          <table aria-labelledby="dashboard-heading" className="dashboard">
            <thead>
              <tr>
                <th scope="col">Student</th>
                <th scope="col">Passed</th>
                <th scope="col">Last checked</th>
                {goals.map((words, index) => (
                  <th key={index} scope="col" title={words}>
                    <abbr title={words}>Goal {index + 1}</abbr>
                  </th>
                ))}
                <th scope="col">Copy</th>
              </tr>
            </thead>
            <tbody>
              {copies.map((copy) => (
                <CopyRow
                  key={copy.id}
                  copy={copy}
                  goals={goals}
                  canReset={canReset}
                  onReset={() => void reset(copy)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function CopyRow(props: {
  copy: LabCopy;
  goals: string[];
  canReset: boolean;
  onReset: () => void;
}) {
  const { copy } = props;
  const checked = copy.checked_at !== null;
  return (
    <tr data-student={copy.student}>
      <th scope="row">{copy.student}</th>
      <td className="score">
        {checked ? `${copy.passed}/${copy.total}` : <span className="muted">not checked</span>}
      </td>
      <td>
        {formatTime(copy.checked_at)}
        {copy.checking && <span className="muted"> (running)</span>}
      </td>
      {props.goals.map((words, index) => {
        const result = checked ? copy.results[index] : undefined;
        const status = result?.status ?? "unchecked";
        return (
          <td
            key={index}
            className={`goal-cell ${status}`}
            title={result ? `${result.goal} ${result.detail}` : words}
          >
            {STATUS_WORDS[status]}
          </td>
        );
      })}
      <td className="copy-buttons">
        <a href={copyUrl(copy)} aria-label={`Open ${copy.student}'s copy`}>
          Open
        </a>{" "}
        {props.canReset && (
          <ConfirmButton
            label="Reset"
            name={`Reset ${copy.student}'s copy`}
            question={`Reset ${copy.student}'s copy to the start?`}
            yes="Reset"
            onConfirm={props.onReset}
          />
        )}
      </td>
    </tr>
  );
}
