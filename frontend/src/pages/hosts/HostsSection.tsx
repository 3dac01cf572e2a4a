// The hosts an admin manages from the start page: the host registry, and the lab fabric that
// emulates hosts on the server's own machine, with the buttons that start and remove it. The
// server decides every permission (admins only); the page shows this section to admins alone.
import { useEffect, useState } from "react";
import { ApiError } from "../../api/client";
import { fabricApi, type FabricChange, type FabricStatus } from "../../api/fabric";
import { registeredHosts, type RegisteredHost } from "../../api/hosts";
import { TextField, useFields } from "../project/form";
import { BODY } from "../project/helpers";
import { Alert, Section, Table } from "../project/section";
import {
  DEFAULT_LAYOUT,
  doneText,
  fabricSummary,
  hostState,
  layoutBody,
  layoutOf,
  WORKING,
  type FabricAction,
} from "./fabric";

function failure(caught: unknown, what: string): string[] {
  return [caught instanceof ApiError ? caught.detail : `The ${what} could not be loaded.`];
}

export function HostsSection() {
  const [hosts, setHosts] = useState<RegisteredHost[] | null>(null);
  const [hostsError, setHostsError] = useState<string[] | undefined>();
  const [fabric, setFabric] = useState<FabricStatus | null>(null);
  const [fabricError, setFabricError] = useState<string[] | undefined>();
  const [done, setDone] = useState<{ action: FabricAction; changes: string[] } | null>(null);
  const [running, setRunning] = useState<FabricAction | null>(null);
  const form = useFields(DEFAULT_LAYOUT);

  const loadHosts = () =>
    registeredHosts().then(
      (loaded) => {
        setHosts(loaded);
        setHostsError(undefined);
      },
      (caught) => setHostsError(failure(caught, "host registry")),
    );

  useEffect(() => {
    void loadHosts();
    fabricApi.status().then(
      (status) => {
        setFabric(status);
        form.setValues(layoutOf(status));
      },
      (caught) => setFabricError(failure(caught, "lab fabric's status")),
    );
  }, []);

  const run = (action: FabricAction, send: () => Promise<FabricChange>) => {
    setRunning(action);
    setDone(null);
    void form
      .submit(async () => {
        const { changes: made, ...status } = await send();
        setFabric(status);
        setFabricError(undefined);
        setDone({ action, changes: made });
        await loadHosts();
      })
      .finally(() => setRunning(null));
  };
  const start = () => run("start", () => fabricApi.start(layoutBody(form.values)));
  const remove = () => run("remove", () => fabricApi.remove());

  return (
    <Section
      id="hosts-heading"
      title="Hosts"
      intro="The machines topologies are deployed on. A lab fabric emulates hosts on the server's own machine, each a network namespace, and registers them here."
      error={hostsError}
    >
      {hosts === null && !hostsError && <p aria-live="polite">Loading…</p>}
      {hosts?.length === 0 && <p>No host is registered.</p>}
      {hosts !== null && hosts.length > 0 && (
        <Table
          labelledBy="hosts-heading"
          className="hosts"
          columns={["Name", "Role", "Underlay address", "Physical networks"]}
        >
          {hosts.map((host) => (
            <tr key={host.id}>
              <th scope="row">{host.name}</th>
              <td>{host.role}</td>
              <td>{host.underlay_address ?? "none"}</td>
              <td>
                {Object.entries(host.physical_networks)
                  .map(([network, device]) => `${network} on ${device}`)
                  .join(", ") || "none"}
              </td>
            </tr>
          ))}
        </Table>
      )}

      <h3 id="fabric-heading">Lab fabric</h3>
      <Alert messages={fabricError} />
      {fabric && <p className="fabric-summary">{fabricSummary(fabric)}</p>}
      {fabric && fabric.hosts.length > 0 && (
        <Table
          labelledBy="fabric-heading"
          className="fabric-hosts"
          columns={["Host", "Role", "Namespace", "Underlay address", "State"]}
        >
          {fabric.hosts.map((host) => (
            <tr key={host.name} className={host.present ? undefined : "missing"}>
              <th scope="row">{host.name}</th>
              <td>{host.role}</td>
              <td>
                <code>{host.namespace}</code>
              </td>
              <td>{host.underlay_address}</td>
              <td>{hostState(host)}</td>
            </tr>
          ))}
        </Table>
      )}
      {fabric && fabric.state !== "down" && (
        <p>
          Outside host <code>{fabric.outside.namespace}</code> at {fabric.outside.address} on the
          external network ({fabric.external}): {fabric.outside.present ? "present" : "missing"}.
        </p>
      )}

      <form
        className="project-form fabric-form"
        aria-labelledby="fabric-form-heading"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          start();
        }}
      >
        <h4 id="fabric-form-heading">Start or remove the lab fabric</h4>
        <Alert
          messages={[
            ...(form.problems[BODY] ?? []),
            // Nodes of both roles have no field: the fabric's own count is sent back.
            ...(form.problems.both_nodes ?? []).map((message) => `both_nodes: ${message}`),
          ]}
        />
        <TextField
          id="fabric-network-nodes"
          label="Networking nodes"
          type="number"
          min={0}
          max={50}
          {...form.bind("network_nodes")}
        />
        <TextField
          id="fabric-compute-nodes"
          label="Compute nodes"
          type="number"
          min={0}
          max={50}
          {...form.bind("compute_nodes")}
        />
        <button type="submit" disabled={form.busy}>
          Start lab fabric
        </button>{" "}
        <button type="button" disabled={form.busy} onClick={remove}>
          Remove lab fabric
        </button>
        <p role="status" aria-live="polite">
          {running ? WORKING[running] : done ? doneText(done.action, done.changes) : ""}
        </p>
      </form>
      {done && done.changes.length > 0 && (
        <details className="fabric-changes">
          <summary>What changed</summary>
          <ul>
            {done.changes.map((line, index) => (
              <li key={index}>{line}</li>
            ))}
          </ul>
        </details>
      )}
    </Section>
  );
}
