// The project's topologies, each linking to its editor, and for editors and owners the form that
// adds one: empty, or from a YAML or JSON file (topology as code).
import { useRef, useState } from "react";
import { api, ApiError, type TopologySummary } from "../../api/client";
import { CreateForm, Field, TextField, useFields } from "./form";
import { Section, Table } from "./section";

export function TopologiesSection(props: {
  projectId: number;
  topologies: TopologySummary[];
  canCreate: boolean;
  onCreated: (topology: TopologySummary) => void;
}) {
  return (
    <Section id="topologies-heading" title="Topologies">
      {props.topologies.length === 0 ? (
        <p>No topologies yet.</p>
      ) : (
        <Table labelledBy="topologies-heading" columns={["Name", "Description", "Head revision"]}>
          {props.topologies.map((topology) => (
            <tr key={topology.id}>
              <th scope="row">
                <a href={`/app/topologies/${topology.id}/`}>{topology.name}</a>
              </th>
              <td>{topology.description}</td>
              <td>{topology.head_revision ?? "none"}</td>
            </tr>
          ))}
        </Table>
      )}
      {props.canCreate && (
        <NewTopologyForm projectId={props.projectId} onCreated={props.onCreated} />
      )}
    </Section>
  );
}

/** Where the server names a problem of the file: `document_text`, or a path inside it. */
const FILE = "document_text";

/** The file's problems under its field, each naming its place in the file. */
export function problemsInFile(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const errors = error.errors.map(({ path, message }) =>
    path.startsWith(`${FILE}.`)
      ? { path: FILE, message: `${path.slice(FILE.length + 1)}: ${message}` }
      : { path, message },
  );
  return new ApiError(error.status, error.code, error.detail, errors);
}

/** A topology's name from its file's: `web-tier.yaml` is "web-tier". */
export function nameOfFile(file: string): string {
  return file.replace(/\.(ya?ml|json)$/i, "");
}

function NewTopologyForm(props: {
  projectId: number;
  onCreated: (topology: TopologySummary) => void;
}) {
  // The file's text is kept apart; naming it a field puts the server's errors about it there.
  const form = useFields({ name: "", description: "", [FILE]: "" });
  const picker = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const choose = (chosen: File | undefined) => {
    if (chosen === undefined) return setFile(null);
    void chosen.text().then((text) => {
      setFile({ name: chosen.name, text });
      form.setValues((values) =>
        values.name === "" ? { ...values, name: nameOfFile(chosen.name) } : values,
      );
    });
  };
  const create = () =>
    void form.submit(async () => {
      const { name, description } = form.values;
      try {
        props.onCreated(await api.createTopology(props.projectId, name, description, file?.text));
      } catch (error) {
        throw problemsInFile(error);
      }
      form.setValues({ name: "", description: "", [FILE]: "" });
      setFile(null);
      if (picker.current) picker.current.value = "";
    });
  return (
    <CreateForm
      id="new-topology"
      title="New topology"
      button="Create topology"
      form={form}
      onSubmit={create}
    >
      <TextField id="topology-name" label="Name" {...form.bind("name")} required />
      <TextField id="topology-description" label="Description" {...form.bind("description")} />
      <Field
        id="topology-file"
        label="From a file (YAML or JSON, optional)"
        errors={form.problems[FILE]}
      >
        <input
          id="topology-file"
          ref={picker}
          type="file"
          accept=".yaml,.yml,.json,application/yaml,application/json"
          aria-invalid={(form.problems[FILE]?.length ?? 0) > 0}
          aria-describedby={form.problems[FILE]?.length ? "topology-file-error" : undefined}
          onChange={(event) => choose(event.target.files?.[0])}
        />
      </Field>
    </CreateForm>
  );
}
