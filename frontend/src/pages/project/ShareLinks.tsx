// The project's share links (for owners): what each opens, until when, the addresses to hand
// out with a copy button, revoking, and the form that makes a new one.
import { useEffect, useRef, useState } from "react";
import { api, type ShareLink, type TopologySummary } from "../../api/client";
import { CreateForm, Field, Select, TextField, useFields } from "./form";
import {
  BODY,
  embedSnippet,
  expiryInstant,
  fieldsNamed,
  linkState,
  problemsOf,
  shareAddresses,
} from "./helpers";
import { Section, Table, useLoaded } from "./section";

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function ShareLinksSection(props: { projectId: number; topologies: TopologySummary[] }) {
  const [links, setLinks, error] = useLoaded(() => api.shareLinks(props.projectId), "share links");
  const [revokeError, setRevokeError] = useState<string[] | undefined>();
  const revoke = async (link: ShareLink) => {
    setRevokeError(undefined);
    try {
      await api.revokeShareLink(props.projectId, link.id);
      setLinks(await api.shareLinks(props.projectId));
    } catch (caught) {
      setRevokeError(problemsOf(caught, () => null)[BODY]);
    }
  };
  const created = (link: ShareLink) => setLinks((list) => [link, ...(list ?? [])]);
  return (
    <Section
      id="share-links-heading"
      title="Share links"
      intro="A share link opens the project's topologies read only, without an account."
      error={error ?? revokeError}
    >
      {links?.length === 0 && <p>No share links.</p>}
      {links && links.length > 0 && (
        <Table
          labelledBy="share-links-heading"
          className="share-links"
          columns={["Label", "Opens", "Expires", "State", "Address", "Revoke"]}
        >
          {links.map((link) => (
            <ShareLinkRow
              key={link.id}
              link={link}
              topologies={props.topologies}
              onRevoke={() => void revoke(link)}
            />
          ))}
        </Table>
      )}
      <NewShareLinkForm
        projectId={props.projectId}
        topologies={props.topologies}
        onCreated={created}
      />
    </Section>
  );
}

function ShareLinkRow(props: {
  link: ShareLink;
  topologies: TopologySummary[];
  onRevoke: () => void;
}) {
  const { link } = props;
  const name = link.label || `Link ${link.id}`;
  const state = linkState(link);
  const scope =
    link.topology === null
      ? "Whole project"
      : (props.topologies.find((t) => t.id === link.topology)?.name ?? `Topology ${link.topology}`);
  const addresses = shareAddresses(link, props.topologies, window.location.origin);
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{scope}</td>
      <td>{link.expires_at ? formatTime(link.expires_at) : "Never"}</td>
      <td className={state === "active" ? undefined : "muted"}>
        {state}
        {link.revoked_at && ` ${formatTime(link.revoked_at)}`}
      </td>
      <td>
        {state !== "active" ? (
          "No longer opens"
        ) : addresses.length === 0 ? (
          "Opens each topology the project gets"
        ) : (
          <ul className="share-addresses">
            {addresses.map((address) => (
              <CopyableAddress key={address.url} linkName={name} {...address} />
            ))}
          </ul>
        )}
      </td>
      <td>
        {link.revoked_at === null && (
          <button type="button" onClick={props.onRevoke} aria-label={`Revoke ${name}`}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

function CopyableAddress(props: { linkName: string; topology: string; url: string }) {
  const [status, setStatus] = useState("");
  const address = useRef<HTMLInputElement>(null);
  const label = `${props.linkName}: address of ${props.topology}`;
  const [snippet, setSnippet] = useState<string | null>(null);
  const snippetField = useRef<HTMLTextAreaElement>(null);
  useEffect(() => snippetField.current?.select(), [snippet]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.url);
      setStatus("Copied.");
    } catch {
      // Without clipboard access the address is selected for the person to copy.
      address.current?.select();
      setStatus("Selected: press Ctrl+C to copy.");
    }
  };
  const copySnippet = async () => {
    const html = embedSnippet(props.url, props.topology);
    try {
      await navigator.clipboard.writeText(html);
      setStatus("Embed snippet copied.");
    } catch {
      // Without clipboard access the snippet is shown, selected, for the person to copy.
      setSnippet(html);
      setStatus("Selected: press Ctrl+C to copy.");
    }
  };
  return (
    <li>
      <span className="muted">{props.topology}</span>{" "}
      <input ref={address} className="address" readOnly value={props.url} aria-label={label} />{" "}
      <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
        Copy
      </button>{" "}
      <button
        type="button"
        onClick={() => void copySnippet()}
        aria-label={`Copy embed snippet: ${label}`}
      >
        Copy embed snippet
      </button>{" "}
      <span role="status" className="muted">
        {status}
      </span>
      {snippet !== null && (
        <textarea
          ref={snippetField}
          className="address"
          readOnly
          rows={2}
          value={snippet}
          aria-label={`Embed snippet: ${label}`}
        />
      )}
    </li>
  );
}

function NewShareLinkForm(props: {
  projectId: number;
  topologies: TopologySummary[];
  onCreated: (link: ShareLink) => void;
}) {
  const form = useFields({ topology: "", label: "", expires_at: "" });
  const create = () => {
    const { topology, label, expires_at: expires } = form.values;
    const expiry = expiryInstant(expires);
    if ("error" in expiry) {
      form.setProblems({ expires_at: [expiry.error] });
      return;
    }
    void form.submit(async () => {
      const opens = topology === "" ? null : Number(topology);
      const link = { topology: opens, label, expires_at: expiry.value };
      props.onCreated(await api.createShareLink(props.projectId, link));
      form.setValues((values) => ({ ...values, label: "", expires_at: "" }));
    });
  };
  return (
    <CreateForm
      id="new-share-link"
      title="New share link"
      button="Create share link"
      form={form}
      onSubmit={create}
    >
      <Field id="share-scope" label="Opens" errors={form.problems.topology}>
        <Select id="share-scope" {...form.bind("topology")}>
          <option value="">The whole project</option>
          {props.topologies.map((topology) => (
            <option key={topology.id} value={topology.id}>
              Topology {topology.name}
            </option>
          ))}
        </Select>
      </Field>
      <TextField id="share-label" label="Label (optional)" {...form.bind("label")} />
      <TextField
        id="share-expires"
        label="Expires (optional)"
        type="datetime-local"
        {...form.bind("expires_at")}
      />
    </CreateForm>
  );
}
