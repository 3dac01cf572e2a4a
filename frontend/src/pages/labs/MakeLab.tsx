// The form that makes a lab of one of the caller's projects: the topology it starts from, its
// title, instructions (Markdown, previewed as students will see them), goals (one per line, in
// the written form explained beside them), and whether it is shared and published.
import { useEffect, useState } from "react";
import { api, type ProjectSummary, type TopologySummary } from "../../api/client";
import { labsApi, type Lab } from "../../api/labs";
import { CreateForm, Field, Select, TextField, useFields } from "../project/form";
import { Markdown } from "./Markdown";

/** The goal forms, as the server's goal language reads them. */
export const GOAL_FORMS: [string, string][] = [
  ["web reaches db", "web can reach db by design (and by a real ping once deployed)"],
  ["web reaches db on tcp 5432", "… on a TCP port"],
  ["web does not reach mgmt", "isolation"],
  ["no errors", "the design has no validation error"],
  ["r1 is ha on 2 networking nodes", "an HA router with instances on two nodes or more"],
  ["storage-net uses a vlan in storage", "a VLAN within the policy's range for that role"],
  ["no single point of failure between web and db", ""],
  ["after crash master of r1, web reaches outside within 2 s", "behaviour in a drill (deployed)"],
];

export function TextArea(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[] | undefined;
  rows?: number;
  describedBy?: string;
}) {
  const bad = (props.errors?.length ?? 0) > 0;
  const described = [bad ? `${props.id}-error` : "", props.describedBy ?? ""].join(" ").trim();
  return (
    <Field id={props.id} label={props.label} errors={props.errors}>
      <textarea
        id={props.id}
        rows={props.rows ?? 6}
        value={props.value}
        spellCheck={false}
        aria-invalid={bad}
        aria-describedby={described || undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </Field>
  );
}

export function GoalHelp({ id }: { id: string }) {
  return (
    <details id={id} className="goal-help">
      <summary>How to write goals</summary>
      <p>
        One goal per line; lines starting with # are comments. Name an element by its id or its name
        (in double quotes when it holds spaces); <code>outside</code> is the external networks.
      </p>
      <dl>
        {GOAL_FORMS.map(([example, meaning]) => (
          <div key={example}>
            <dt>
              <code>{example}</code>
            </dt>
            {meaning && <dd>{meaning}</dd>}
          </div>
        ))}
      </dl>
    </details>
  );
}

export function MakeLabForm(props: { projects: ProjectSummary[]; onCreated: (lab: Lab) => void }) {
  const form = useFields({
    project: String(props.projects[0]?.id ?? ""),
    source: "",
    title: "",
    instructions: "",
    goals: "",
  });
  const [shared, setShared] = useState(false);
  const [published, setPublished] = useState(false);
  const [topologies, setTopologies] = useState<TopologySummary[] | null>(null);
  const project = form.values.project;
  useEffect(() => {
    let live = true;
    setTopologies(null);
    if (project === "") return;
    api.topologies(Number(project)).then(
      (found) => {
        if (!live) return;
        setTopologies(found);
        form.setValues((values) => ({ ...values, source: String(found[0]?.id ?? "") }));
      },
      () => live && setTopologies([]),
    );
    return () => {
      live = false;
    };
  }, [project]);

  const create = () =>
    void form.submit(async () => {
      const { title, instructions, goals, source } = form.values;
      const lab = await labsApi.createLab({
        project: Number(project),
        source: Number(source),
        title,
        instructions,
        goals,
        shared,
        published,
      });
      props.onCreated(lab);
    });

  return (
    <CreateForm id="new-lab" title="New lab" button="Make lab" form={form} onSubmit={create}>
      <Field id="lab-project" label="Class (project)" errors={form.problems.project}>
        <Select id="lab-project" {...form.bind("project")}>
          {props.projects.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </Select>
      </Field>
      <Field id="lab-source" label="Starts from topology" errors={form.problems.source}>
        <Select id="lab-source" {...form.bind("source")}>
          {topologies === null && <option value="">Loading…</option>}
          {topologies?.length === 0 && <option value="">The project has no topologies</option>}
          {topologies?.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </Select>
      </Field>
      <TextField id="lab-title" label="Title" {...form.bind("title")} required />
      <TextArea
        id="lab-instructions"
        label="Instructions (Markdown)"
        {...form.bind("instructions")}
      />
      {form.values.instructions.trim() !== "" && (
        <div className="markdown-preview">
          <p className="muted">Preview</p>
          <Markdown source={form.values.instructions} label="Instructions preview" />
        </div>
      )}
      <TextArea
        id="lab-goals"
        label="Goals (one per line)"
        describedBy="lab-goal-help"
        {...form.bind("goals")}
      />
      <GoalHelp id="lab-goal-help" />
      <label className="check">
        <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />{" "}
        Shared: every student works in one workspace and sees the others live
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={published}
          onChange={(e) => setPublished(e.target.checked)}
        />{" "}
        Published: enrolled students see it and may start it
      </label>
    </CreateForm>
  );
}
