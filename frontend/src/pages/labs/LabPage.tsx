// One lab: its instructions and goals; for a student, their copy (start it, open it in the
// editor, check it, reset it); for the class's instructors and staff, every student's progress
// live, the grades, and for instructors publishing and the class's invite codes.
import { useEffect } from "react";
import { ApiError } from "../../api/client";
import { labsApi } from "../../api/labs";
import { Section } from "../project/section";
import { useSignedInLoad } from "../signedIn";
import { Dashboard } from "./Dashboard";
import { InvitesSection } from "./Invites";
import { LabSettings } from "./LabSettings";
import { ACCESS_WORDS } from "./LabsPage";
import { Markdown } from "./Markdown";
import { StudentCopy } from "./StudentCopy";
import "./labs.css";

export function LabPage({ labId }: { labId: number }) {
  const {
    data: lab,
    error,
    setData,
  } = useSignedInLoad(
    `/app/labs/${labId}/`,
    () => labsApi.lab(labId),
    (caught) =>
      caught instanceof ApiError && caught.status === 404
        ? "There is no such lab, or it is not one of yours."
        : "The lab could not be loaded.",
  );
  useEffect(() => {
    if (lab) document.title = `${lab.title} · Netloom`;
  }, [lab?.title]);

  const back = (
    <nav aria-label="Breadcrumb">
      <a href="/app/">All projects</a> · <a href="/app/labs/">Labs</a>
    </nav>
  );
  if (!lab) {
    return (
      <main className="page">
        {back}
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : (
          <p aria-live="polite">Loading…</p>
        )}
      </main>
    );
  }
  const teaches = lab.access === "instructor" || lab.access === "staff";
  return (
    <main className="page lab-page">
      {back}
      <header className="page-header">
        <h1>{lab.title}</h1>
        <p>
          Class <strong>{lab.project_name}</strong> · {ACCESS_WORDS[lab.access ?? ""] ?? ""}
          {teaches && (lab.published ? " · published" : " · draft")}
        </p>
      </header>
      {lab.access === "instructor" && (
        <LabSettings lab={lab} onChanged={(next) => setData(() => next)} />
      )}
      <Section id="instructions-heading" title="Instructions">
        {lab.instructions.trim() === "" ? (
          <p className="muted">No instructions.</p>
        ) : (
          <Markdown source={lab.instructions} />
        )}
      </Section>
      <Section id="goals-heading" title="Goals">
        {lab.goal_words.length === 0 ? (
          <p className="muted">This lab has no goals.</p>
        ) : (
          <ol aria-labelledby="goals-heading" className="goal-list">
            {lab.goal_words.map((words, index) => (
              <li key={index}>{words}</li>
            ))}
          </ol>
        )}
      </Section>
      {lab.access === "student" && <StudentCopy lab={lab} />}
      {teaches && <Dashboard lab={lab} canReset={lab.access === "instructor"} />}
      {lab.access === "instructor" && <InvitesSection project={lab.project} />}
    </main>
  );
}
