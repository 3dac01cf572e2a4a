// The labs page: the labs the caller teaches, helps with or is enrolled in, joining a class by
// its invite code, and for owners of a project, making a lab of one of its topologies.
import { useEffect, useState } from "react";
import { api, type ProjectSummary } from "../../api/client";
import { labsApi, type Lab } from "../../api/labs";
import { CreateForm, TextField, useFields } from "../project/form";
import { Section, Table } from "../project/section";
import { LABS_URL } from "../navigation";
import { useSignedInLoad } from "../signedIn";
import { MakeLabForm } from "./MakeLab";
import "./labs.css";

interface Loaded {
  labs: Lab[];
  /** The projects the caller owns: the classes it may make labs in. */
  owned: ProjectSummary[];
}

async function load(): Promise<Loaded> {
  const [labs, projects] = await Promise.all([labsApi.labs(), api.projects()]);
  return { labs, owned: projects.filter((project) => project.role === "owner") };
}

export const ACCESS_WORDS: Record<string, string> = {
  instructor: "Instructor",
  staff: "Class staff",
  student: "Student",
};

export function LabsPage() {
  const { data, error, setData } = useSignedInLoad(
    LABS_URL,
    load,
    () => "The labs could not be loaded.",
  );
  useEffect(() => {
    document.title = "Labs · Netloom";
  }, []);
  const reload = async () => {
    const labs = await labsApi.labs();
    setData((current) => current && { ...current, labs });
  };
  return (
    <main className="page labs-page">
      <nav aria-label="Breadcrumb">
        <a href="/app/">All projects</a>
      </nav>
      <header className="page-header">
        <h1>Labs</h1>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data === null && !error && <p aria-live="polite">Loading…</p>}
      {data && (
        <>
          <Section id="labs-heading" title="Your labs">
            {data.labs.length === 0 ? (
              <p>No labs yet. Join a class with the code your instructor gave you.</p>
            ) : (
              <Table
                labelledBy="labs-heading"
                columns={["Lab", "Class", "You are", "Goals", "State"]}
              >
                {data.labs.map((lab) => (
                  <tr key={lab.id}>
                    <th scope="row">
                      <a href={`/app/labs/${lab.id}/`}>{lab.title}</a>
                    </th>
                    <td>{lab.project_name}</td>
                    <td>{ACCESS_WORDS[lab.access ?? ""] ?? "—"}</td>
                    <td>{lab.goal_words.length}</td>
                    <td>
                      {lab.published ? "Published" : "Draft"}
                      {lab.shared && ", shared workspace"}
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </Section>
          <JoinSection onJoined={reload} />
          {data.owned.length > 0 && (
            <Section
              id="make-lab-heading"
              title="Make a lab"
              intro="A lab starts every student from a copy of one of your project's topologies. Students join the project's class with an invite code, made on the lab's page."
            >
              <MakeLabForm
                projects={data.owned}
                onCreated={(lab) => window.location.assign(`/app/labs/${lab.id}/`)}
              />
            </Section>
          )}
        </>
      )}
    </main>
  );
}

function JoinSection({ onJoined }: { onJoined: () => Promise<void> }) {
  const form = useFields({ code: "" });
  const [joined, setJoined] = useState("");
  const join = () =>
    void form.submit(async () => {
      setJoined("");
      const enrolment = await labsApi.join(form.values.code);
      setJoined(`You joined the class ${enrolment.project_name}.`);
      form.setValues({ code: "" });
      await onJoined();
    });
  return (
    <Section id="join-heading" title="Join a class">
      <CreateForm
        id="join-form"
        title="The code your instructor gave you"
        button="Join"
        form={form}
        onSubmit={join}
      >
        <TextField
          id="join-code"
          label="Invite code"
          autoComplete="off"
          spellCheck={false}
          {...form.bind("code")}
        />
      </CreateForm>
      <p role="status">{joined}</p>
    </Section>
  );
}
