// The project's topologies, each linking to its editor, and for editors and owners the form that
// adds one.
import { api, type TopologySummary } from "../../api/client";
import { CreateForm, TextField, useFields } from "./form";
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

function NewTopologyForm(props: {
  projectId: number;
  onCreated: (topology: TopologySummary) => void;
}) {
  const form = useFields({ name: "", description: "" });
  const create = () =>
    void form.submit(async () => {
      const { name, description } = form.values;
      props.onCreated(await api.createTopology(props.projectId, name, description));
      form.setValues({ name: "", description: "" });
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
    </CreateForm>
  );
}
