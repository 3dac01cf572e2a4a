// A student's own copy of a lab: start it (once) and work on it in the editor, check the goals
// against its latest revision, and reset it to the lab's start.
import { useEffect, useState } from "react";
import { copyUrl, labsApi, type Lab, type LabCopy } from "../../api/labs";
import { problemsOf } from "../project/helpers";
import { Section } from "../project/section";
import { ConfirmButton } from "./ConfirmButton";
import { formatTime, GoalResults } from "./GoalResults";

function messagesOf(caught: unknown): string[] {
  return Object.values(problemsOf(caught, () => null)).flat();
}

export function StudentCopy({ lab }: { lab: Lab }) {
  const [copy, setCopy] = useState<LabCopy | null | undefined>(undefined);
  const [error, setError] = useState<string[] | undefined>();
  const [busy, setBusy] = useState<"" | "start" | "check" | "reset">("");
  useEffect(() => {
    labsApi.copies(lab.id).then(
      (copies) => setCopy(copies[0] ?? null),
      (caught) => setError(messagesOf(caught)),
    );
  }, [lab.id]);

  const act = async (what: "start" | "check" | "reset", run: () => Promise<LabCopy>) => {
    setBusy(what);
    setError(undefined);
    try {
      const next = await run();
      setCopy(next);
      return next;
    } catch (caught) {
      setError(messagesOf(caught));
      return null;
    } finally {
      setBusy("");
    }
  };
  const start = async () => {
    const made = await act("start", () => labsApi.start(lab.id));
    if (made) window.location.assign(copyUrl(made));
  };

  return (
    <Section id="my-copy-heading" title="Your copy" error={error}>
      {copy === undefined && !error && <p aria-live="polite">Loading…</p>}
      {copy === null && (
        <p>
          <button type="button" onClick={() => void start()} disabled={busy !== ""}>
            Start the lab
          </button>{" "}
          <span className="muted">
            {lab.shared
              ? "You will work in the lab's shared workspace, with the rest of the class."
              : "You get a copy of the starting topology to work on."}
          </span>
        </p>
      )}
      {copy && (
        <>
          <p className="copy-actions">
            <a className="button-link" href={copyUrl(copy)}>
              Open my copy
            </a>{" "}
            <button
              type="button"
              onClick={() => void act("check", () => labsApi.check(lab.id, copy.id))}
              disabled={busy !== ""}
            >
              {busy === "check" ? "Checking…" : "Check"}
            </button>{" "}
            <ConfirmButton
              label="Reset to start"
              question="Reset your copy to the lab's start? Your work stays in its history."
              yes="Reset"
              disabled={busy !== ""}
              onConfirm={() => void act("reset", () => labsApi.reset(lab.id, copy.id))}
            />
          </p>
          <CopyScore copy={copy} />
          <GoalResults goalWords={lab.goal_words} copy={copy} labelledBy="my-copy-heading" />
        </>
      )}
    </Section>
  );
}

export function CopyScore({ copy }: { copy: LabCopy }) {
  return (
    <p role="status" className="copy-score">
      {copy.checked_at ? (
        <>
          <strong>
            {copy.passed} of {copy.total} goals passed
          </strong>{" "}
          <span className="muted">
            checked {formatTime(copy.checked_at)}, revision {copy.checked_revision}
            {copy.checking && ", parts still running"}
          </span>
        </>
      ) : (
        <span className="muted">Not checked yet.</span>
      )}
    </p>
  );
}
