// The page of one project: its topologies, members, share links, quota and VLAN policy, with
// the controls the caller's role allows (editors add topologies, owners manage members and share
// links, admins set the limits). The server decides every permission; the page only hides what
// it would refuse, and shows each field error next to the field it names.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  api,
  ApiError,
  QUOTA_KINDS,
  type Me,
  type Member,
  type ProjectSummary,
  type Quota,
  type QuotaKind,
  type Role,
  type ShareLink,
  type TopologySummary,
  type VlanPolicy,
} from "../api/client";
import { loginUrl } from "./navigation";

const ROLES: Role[] = ["viewer", "editor", "owner"];
const BODY = "(body)";

// --- pure helpers --------------------------------------------------------------------------

/** A form's error messages by the field they belong to; BODY holds what names no field. */
export type Problems = Record<string, string[]>;

/** The messages of a failed request, each under the form key `keyOf` gives its path (null:
 * none of the form's fields, so it is shown for the form as a whole, naming its path). */
export function problemsOf(error: unknown, keyOf: (path: string) => string | null): Problems {
  if (!(error instanceof ApiError)) return { [BODY]: ["The server could not be reached."] };
  if (error.errors.length === 0) return { [BODY]: [error.detail] };
  const problems: Problems = {};
  for (const { path, message } of error.errors) {
    const key = keyOf(path);
    const [where, text] = key === null ? [BODY, nameThePath(path, message)] : [key, message];
    (problems[where] ??= []).push(text);
  }
  return problems;
}

function nameThePath(path: string, message: string): string {
  return path === BODY ? message : `${path}: ${message}`;
}

/** For forms whose fields are named as the server names them. */
export function fieldsNamed(...names: string[]): (path: string) => string | null {
  return (path) => (names.includes(path) ? path : null);
}

const QUOTA_WORDS: Record<QuotaKind, string> = {
  networks: "networks",
  subnets: "subnets",
  ports: "ports",
  routers: "routers",
  floating_ips: "floating IPs",
  instances: "instances",
};

/** "networks 3 of 10" */
export function usageText(kind: QuotaKind, used: number, limit: number): string {
  return `${QUOTA_WORDS[kind]} ${used} of ${limit}`;
}

/** The addresses a share link opens: its topology's editor, read only; a project link opens
 * every topology of the project, each at its own address (there is no project-wide page). */
export function shareAddresses(
  link: ShareLink,
  topologies: TopologySummary[],
  origin: string,
): { topology: string; url: string }[] {
  const opened =
    link.topology === null ? topologies : topologies.filter((t) => t.id === link.topology);
  return opened.map((topology) => ({
    topology: topology.name,
    url: `${origin}/app/topologies/${topology.id}/?share=${encodeURIComponent(link.token)}`,
  }));
}

export function linkState(link: ShareLink): "active" | "revoked" | "expired" {
  if (link.revoked_at !== null) return "revoked";
  return link.active ? "active" : "expired";
}

/** A `datetime-local` input's text as the instant the server takes; empty is "never". */
export function expiryInstant(text: string): { value: string | null } | { error: string } {
  if (text.trim() === "") return { value: null };
  const instant = new Date(text);
  if (Number.isNaN(instant.getTime())) return { error: "Give a date and time, or leave empty." };
  return { value: instant.toISOString() };
}

const RANGE = /^(\d{1,4})(?:\s*[-–]\s*(\d{1,4}))?$/;

/** "10-19, 42" as [[10, 19], [42, 42]]; whether the numbers are VLANs is the server's to say. */
export function parseRanges(text: string): { ranges: [number, number][] } | { error: string } {
  const ranges: [number, number][] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const match = RANGE.exec(part);
    if (!match) return { error: `"${part}" is not a VLAN or a range like 10-19.` };
    const low = Number(match[1]);
    ranges.push([low, match[2] === undefined ? low : Number(match[2])]);
  }
  return { ranges };
}

export function formatRanges(ranges: [number, number][]): string {
  return ranges.map(([low, high]) => (low === high ? `${low}` : `${low}-${high}`)).join(", ");
}

/** A policy's roles from the lowest VLAN up (the server keeps no order); roles without a range
 * come last, by name. */
export function rolesByVlan(policy: VlanPolicy): [string, [number, number][]][] {
  const lowest = (ranges: [number, number][]) => Math.min(...ranges.map(([low]) => low));
  return Object.entries(policy.ranges).sort(
    ([a, first], [b, second]) => lowest(first) - lowest(second) || a.localeCompare(b),
  );
}

/** The policy form: one row per role, one per forbidden pair, all as typed. */
export interface PolicyRows {
  roles: { role: string; ranges: string }[];
  pairs: [string, string][];
}

export function policyRows(policy: VlanPolicy): PolicyRows {
  return {
    roles: rolesByVlan(policy).map(([role, ranges]) => ({
      role,
      ranges: formatRanges(ranges),
    })),
    pairs: policy.forbidden_pairs.map(([a, b]) => [a, b]),
  };
}

/** The policy the rows say, or the problems that stop it being sent. Keys: `role:<row>`,
 * `ranges:<row>`. Role names become keys, so each must be given, and once. */
export function policyFromRows(rows: PolicyRows): { policy: VlanPolicy } | { problems: Problems } {
  const problems: Problems = {};
  const ranges: VlanPolicy["ranges"] = {};
  rows.roles.forEach(({ role, ranges: text }, row) => {
    const name = role.trim();
    if (name === "") problems[`role:${row}`] = ["Give the role a name."];
    else if (name in ranges) problems[`role:${row}`] = [`The role "${name}" is listed twice.`];
    const parsed = parseRanges(text);
    if ("error" in parsed) problems[`ranges:${row}`] = [parsed.error];
    else if (name !== "" && !(name in ranges)) ranges[name] = parsed.ranges;
  });
  if (Object.keys(problems).length > 0) return { problems };
  const pairs = rows.pairs.map(([a, b]): [string, string] => [a.trim(), b.trim()]);
  return { policy: { ranges, forbidden_pairs: pairs } };
}

/** Where the policy form shows an error the server reports at `path`. */
export function policyErrorKey(path: string, rows: PolicyRows): string | null {
  const role = /^ranges\.([^[]+)(?:\[\d+\])?$/.exec(path);
  if (role) {
    const row = rows.roles.findIndex((r) => r.role.trim() === role[1]);
    return row >= 0 ? `ranges:${row}` : "ranges";
  }
  const pair = /^forbidden_pairs\[(\d+)\]$/.exec(path);
  if (pair) return `pair:${pair[1]}`;
  return path === "ranges" || path === "forbidden_pairs" ? path : null;
}

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name.localeCompare(b.name);
}

// --- the page ------------------------------------------------------------------------------

interface Loaded {
  me: Me;
  project: ProjectSummary;
}

export function ProjectPage({ projectId }: { projectId: number }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [topologies, setTopologies] = useState<TopologySummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const me = await api.me();
        if (me.kind !== "user") throw new ApiError(401, "not_authenticated", "", []);
        const [project, found] = await Promise.all([
          api.project(projectId),
          api.topologies(projectId),
        ]);
        if (live) {
          setLoaded({ me, project });
          setTopologies(found);
        }
      } catch (caught) {
        if (caught instanceof ApiError && caught.status === 401) {
          window.location.assign(loginUrl(`/app/projects/${projectId}/`));
        } else if (live) {
          setError(
            caught instanceof ApiError && caught.status === 404
              ? "There is no such project, or you are not one of its members."
              : "The project could not be loaded.",
          );
        }
      }
    })();
    return () => {
      live = false;
    };
  }, [projectId]);

  useEffect(() => {
    if (loaded) document.title = `${loaded.project.name} · Netloom`;
  }, [loaded]);

  /** After the caller changed their own membership: their role, or leaving altogether. */
  const reloadOwnRole = async () => {
    try {
      const project = await api.project(projectId);
      setLoaded((current) => current && { ...current, project });
    } catch {
      window.location.assign("/app/");
    }
  };

  const back = (
    <nav aria-label="Breadcrumb">
      <a href="/app/">All projects</a>
    </nav>
  );
  if (!loaded) {
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
  const { me, project } = loaded;
  const role = project.role;
  return (
    <main className="page project-page">
      {back}
      <header className="page-header">
        <h1>{project.name}</h1>
        <p>
          Your role: <strong className="role-name">{role}</strong>
          {me.is_admin && <span className="role"> (admin)</span>}
        </p>
      </header>
      {project.description && <p>{project.description}</p>}
      <TopologiesSection
        projectId={projectId}
        topologies={topologies}
        canCreate={role === "owner" || role === "editor"}
        onCreated={(topology) => setTopologies((list) => [...list, topology].sort(byName))}
      />
      <MembersSection
        projectId={projectId}
        me={me}
        canManage={role === "owner"}
        onOwnChange={reloadOwnRole}
      />
      {role === "owner" && <ShareLinksSection projectId={projectId} topologies={topologies} />}
      <QuotaSection projectId={projectId} canEdit={me.is_admin} />
      <VlanPolicySection projectId={projectId} canEdit={me.is_admin} />
    </main>
  );
}

// --- shared pieces -------------------------------------------------------------------------

/** Data a section loads once, with the message to show if it could not. */
function useLoaded<T>(load: () => Promise<T>, what: string) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setData(value),
      () => live && setError(`The ${what} could not be loaded.`),
    );
    return () => {
      live = false;
    };
  }, []); // once per mount: a section shows the project it was mounted for
  return [data, setData, error] as const;
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="project-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Alert({ messages, id }: { messages: string[] | undefined; id?: string }) {
  if (!messages?.length) return null;
  return (
    <p id={id} className="error" role="alert">
      {messages.join(" ")}
    </p>
  );
}

function FieldErrors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <span id={id} className="error" role="alert">
      {messages.join(" ")}
    </span>
  );
}

/** The attributes tying an input to the errors shown under it. */
function invalid(id: string, messages: string[] | undefined) {
  const bad = (messages?.length ?? 0) > 0;
  return { "aria-invalid": bad, "aria-describedby": bad ? `${id}-error` : undefined };
}

function TextField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors: string[] | undefined;
  type?: string;
  required?: boolean;
}) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        {...invalid(props.id, props.errors)}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <FieldErrors id={`${props.id}-error`} messages={props.errors} />
    </div>
  );
}

function RoleSelect(props: {
  id: string;
  value: Role;
  onChange: (role: Role) => void;
  label?: string;
  errors?: string[];
}) {
  return (
    <select
      id={props.id}
      value={props.value}
      aria-label={props.label}
      {...invalid(props.id, props.errors)}
      onChange={(event) => props.onChange(event.target.value as Role)}
    >
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </select>
  );
}

/** A form's submit: clears its problems, runs `send`, and keeps the ones it fails with. */
function useSubmit(keyOf: (path: string) => string | null) {
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const submit = async (send: () => Promise<void>) => {
    setBusy(true);
    setProblems({});
    try {
      await send();
    } catch (caught) {
      setProblems(problemsOf(caught, keyOf));
    } finally {
      setBusy(false);
    }
  };
  return { problems, setProblems, busy, submit };
}

// --- topologies ----------------------------------------------------------------------------

function TopologiesSection(props: {
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
        <table aria-labelledby="topologies-heading">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Head revision</th>
            </tr>
          </thead>
          <tbody>
            {props.topologies.map((topology) => (
              <tr key={topology.id}>
                <th scope="row">
                  <a href={`/app/topologies/${topology.id}/`}>{topology.name}</a>
                </th>
                <td>{topology.description}</td>
                <td>{topology.head_revision ?? "none"}</td>
              </tr>
            ))}
          </tbody>
        </table>
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
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const { problems, busy, submit } = useSubmit(fieldsNamed("name", "description"));
  const create = (event: FormEvent) => {
    event.preventDefault();
    void submit(async () => {
      props.onCreated(await api.createTopology(props.projectId, name, description));
      setName("");
      setDescription("");
    });
  };
  return (
    <form className="project-form" onSubmit={create} noValidate aria-labelledby="new-topology">
      <h3 id="new-topology">New topology</h3>
      <Alert messages={problems[BODY]} />
      <TextField
        id="topology-name"
        label="Name"
        value={name}
        onChange={setName}
        errors={problems.name}
        required
      />
      <TextField
        id="topology-description"
        label="Description"
        value={description}
        onChange={setDescription}
        errors={problems.description}
      />
      <button type="submit" disabled={busy}>
        Create topology
      </button>
    </form>
  );
}

// --- members -------------------------------------------------------------------------------

function MembersSection(props: {
  projectId: number;
  me: Me;
  canManage: boolean;
  onOwnChange: () => void;
}) {
  const [members, setMembers, error] = useLoaded(() => api.members(props.projectId), "members");
  const replace = (changed: Member) => {
    setMembers((list) => list && list.map((m) => (m.username === changed.username ? changed : m)));
    if (changed.username === props.me.user?.username) props.onOwnChange();
  };
  const remove = (username: string) => {
    setMembers((list) => list && list.filter((m) => m.username !== username));
    if (username === props.me.user?.username) props.onOwnChange();
  };
  const add = (added: Member) =>
    setMembers((list) =>
      [...(list ?? []), added].sort((a, b) => a.username.localeCompare(b.username)),
    );
  return (
    <Section id="members-heading" title="Members">
      <Alert messages={error ? [error] : undefined} />
      {members && (
        <table aria-labelledby="members-heading">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              {props.canManage && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((member) =>
              props.canManage ? (
                <MemberRow
                  key={member.username}
                  projectId={props.projectId}
                  member={member}
                  onChanged={replace}
                  onRemoved={remove}
                />
              ) : (
                <tr key={member.username}>
                  <th scope="row">{member.username}</th>
                  <td>{member.role}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
      {props.canManage && <AddMemberForm projectId={props.projectId} onAdded={add} />}
    </Section>
  );
}

function MemberRow(props: {
  projectId: number;
  member: Member;
  onChanged: (member: Member) => void;
  onRemoved: (username: string) => void;
}) {
  const { username } = props.member;
  const [role, setRole] = useState<Role>(props.member.role);
  const { problems, setProblems, busy, submit } = useSubmit(fieldsNamed("role"));
  const id = `member-${props.member.user}`;
  const pick = (picked: Role) => {
    setRole(picked);
    setProblems({}); // the refusal was about the role picked before
  };
  const change = () =>
    submit(async () => props.onChanged(await api.setMemberRole(props.projectId, username, role)));
  const remove = () =>
    submit(async () => {
      await api.removeMember(props.projectId, username);
      props.onRemoved(username);
    });
  return (
    <tr>
      <th scope="row">{username}</th>
      <td>
        <RoleSelect
          id={`${id}-role`}
          label={`Role of ${username}`}
          value={role}
          onChange={pick}
          errors={problems.role}
        />{" "}
        <button
          type="button"
          onClick={change}
          disabled={busy || role === props.member.role}
          aria-label={`Change role of ${username}`}
        >
          Change role
        </button>
        <FieldErrors id={`${id}-role-error`} messages={problems.role} />
        <Alert messages={problems[BODY]} />
      </td>
      <td>
        <button type="button" onClick={remove} disabled={busy} aria-label={`Remove ${username}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function AddMemberForm(props: { projectId: number; onAdded: (member: Member) => void }) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const { problems, busy, submit } = useSubmit(fieldsNamed("username", "role"));
  const add = (event: FormEvent) => {
    event.preventDefault();
    void submit(async () => {
      props.onAdded(await api.addMember(props.projectId, username.trim(), role));
      setUsername("");
    });
  };
  return (
    <form className="project-form" onSubmit={add} noValidate aria-labelledby="add-member">
      <h3 id="add-member">Add a member</h3>
      <Alert messages={problems[BODY]} />
      <TextField
        id="member-username"
        label="Username"
        value={username}
        onChange={setUsername}
        errors={problems.username}
        required
      />
      <div className="field">
        <label htmlFor="member-role">Role</label>
        <RoleSelect id="member-role" value={role} onChange={setRole} errors={problems.role} />
        <FieldErrors id="member-role-error" messages={problems.role} />
      </div>
      <button type="submit" disabled={busy}>
        Add member
      </button>
    </form>
  );
}

// --- share links ---------------------------------------------------------------------------

function ShareLinksSection(props: { projectId: number; topologies: TopologySummary[] }) {
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
    <Section id="share-links-heading" title="Share links">
      <p className="muted">
        A share link opens the project&apos;s topologies read only, without an account.
      </p>
      <Alert messages={error ? [error] : revokeError} />
      {links?.length === 0 && <p>No share links.</p>}
      {links && links.length > 0 && (
        <table aria-labelledby="share-links-heading" className="share-links">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Opens</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">Address</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {links.map((link) => (
              <ShareLinkRow
                key={link.id}
                link={link}
                topologies={props.topologies}
                onRevoke={() => void revoke(link)}
              />
            ))}
          </tbody>
        </table>
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
  return (
    <li>
      <span className="muted">{props.topology}</span>{" "}
      <input ref={address} className="address" readOnly value={props.url} aria-label={label} />{" "}
      <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
        Copy
      </button>{" "}
      <span role="status" className="muted">
        {status}
      </span>
    </li>
  );
}

function NewShareLinkForm(props: {
  projectId: number;
  topologies: TopologySummary[];
  onCreated: (link: ShareLink) => void;
}) {
  const [scope, setScope] = useState("");
  const [label, setLabel] = useState("");
  const [expires, setExpires] = useState("");
  const { problems, setProblems, busy, submit } = useSubmit(
    fieldsNamed("topology", "label", "expires_at"),
  );
  const create = (event: FormEvent) => {
    event.preventDefault();
    const expiry = expiryInstant(expires);
    if ("error" in expiry) {
      setProblems({ expires_at: [expiry.error] });
      return;
    }
    void submit(async () => {
      const topology = scope === "" ? null : Number(scope);
      props.onCreated(
        await api.createShareLink(props.projectId, { topology, label, expires_at: expiry.value }),
      );
      setLabel("");
      setExpires("");
    });
  };
  return (
    <form className="project-form" onSubmit={create} noValidate aria-labelledby="new-share-link">
      <h3 id="new-share-link">New share link</h3>
      <Alert messages={problems[BODY]} />
      <div className="field">
        <label htmlFor="share-scope">Opens</label>
        <select
          id="share-scope"
          value={scope}
          {...invalid("share-scope", problems.topology)}
          onChange={(event) => setScope(event.target.value)}
        >
          <option value="">The whole project</option>
          {props.topologies.map((topology) => (
            <option key={topology.id} value={topology.id}>
              Topology {topology.name}
            </option>
          ))}
        </select>
        <FieldErrors id="share-scope-error" messages={problems.topology} />
      </div>
      <TextField
        id="share-label"
        label="Label (optional)"
        value={label}
        onChange={setLabel}
        errors={problems.label}
      />
      <TextField
        id="share-expires"
        label="Expires (optional)"
        type="datetime-local"
        value={expires}
        onChange={setExpires}
        errors={problems.expires_at}
      />
      <button type="submit" disabled={busy}>
        Create share link
      </button>
    </form>
  );
}

// --- quota ---------------------------------------------------------------------------------

function QuotaSection(props: { projectId: number; canEdit: boolean }) {
  const [quota, setQuota, error] = useLoaded(() => api.quota(props.projectId), "quota");
  return (
    <Section id="quota-heading" title="Quota and usage">
      <p className="muted">
        What the project&apos;s topologies hold now (their head revisions), against its limits.
      </p>
      <Alert messages={error ? [error] : undefined} />
      {quota &&
        (props.canEdit ? (
          <QuotaForm projectId={props.projectId} quota={quota} onSaved={setQuota} />
        ) : (
          <QuotaTable quota={quota} />
        ))}
    </Section>
  );
}

function QuotaTable(props: { quota: Quota; limitCell?: (kind: QuotaKind) => ReactNode }) {
  const { quota } = props;
  return (
    <table aria-labelledby="quota-heading" className="quota">
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">In use</th>
          {props.limitCell && <th scope="col">Limit</th>}
        </tr>
      </thead>
      <tbody>
        {QUOTA_KINDS.map((kind) => {
          const used = quota.usage[kind];
          const limit = quota[kind];
          const text = usageText(kind, used, limit);
          return (
            <tr key={kind} className={used > limit ? "over" : undefined}>
              <th scope="row">{QUOTA_WORDS[kind]}</th>
              <td>
                <meter
                  min={0}
                  max={Math.max(limit, 1)}
                  high={limit * 0.8}
                  optimum={0}
                  value={Math.min(used, Math.max(limit, 1))}
                  aria-label={text}
                />{" "}
                <span className="usage">{text}</span>
                {used > limit && <span className="warning"> (over the limit)</span>}
              </td>
              {props.limitCell && <td>{props.limitCell(kind)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function QuotaForm(props: { projectId: number; quota: Quota; onSaved: (quota: Quota) => void }) {
  const typed = (quota: Quota) =>
    Object.fromEntries(QUOTA_KINDS.map((kind) => [kind, String(quota[kind])])) as Record<
      QuotaKind,
      string
    >;
  const [limits, setLimits] = useState(() => typed(props.quota));
  const [saved, setSaved] = useState(false);
  const { problems, busy, submit } = useSubmit(fieldsNamed(...QUOTA_KINDS));
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    // Sent as typed: the server names a value that is not a count, next to its field.
    const body = Object.fromEntries(
      QUOTA_KINDS.map((kind) => {
        const text = limits[kind].trim();
        return [kind, /^-?\d+$/.test(text) ? Number(text) : text];
      }),
    );
    void submit(async () => {
      const quota = await api.setQuota(props.projectId, body);
      props.onSaved(quota);
      setLimits(typed(quota));
      setSaved(true);
    });
  };
  const limitCell = (kind: QuotaKind) => {
    const id = `quota-${kind}`;
    return (
      <>
        <input
          id={id}
          className="limit"
          inputMode="numeric"
          value={limits[kind]}
          aria-label={`Limit of ${QUOTA_WORDS[kind]}`}
          {...invalid(id, problems[kind])}
          onChange={(event) => setLimits({ ...limits, [kind]: event.target.value })}
        />
        <FieldErrors id={`${id}-error`} messages={problems[kind]} />
      </>
    );
  };
  return (
    <form onSubmit={save} noValidate aria-label="Quota limits">
      <Alert messages={problems[BODY]} />
      <QuotaTable quota={props.quota} limitCell={limitCell} />
      <button type="submit" disabled={busy}>
        Save limits
      </button>{" "}
      <span role="status">{saved ? "Limits saved." : ""}</span>
    </form>
  );
}

// --- VLAN policy ---------------------------------------------------------------------------

function VlanPolicySection(props: { projectId: number; canEdit: boolean }) {
  const [policy, setPolicy, error] = useLoaded(
    () => api.vlanPolicy(props.projectId),
    "VLAN policy",
  );
  return (
    <Section id="policy-heading" title="VLAN policy">
      <p className="muted">
        Which VLANs each kind of traffic may use, and which kinds are never routed to each other.
      </p>
      <Alert messages={error ? [error] : undefined} />
      {policy &&
        (props.canEdit ? (
          <VlanPolicyForm projectId={props.projectId} policy={policy} onSaved={setPolicy} />
        ) : (
          <VlanPolicyView policy={policy} />
        ))}
    </Section>
  );
}

function VlanPolicyView({ policy }: { policy: VlanPolicy }) {
  const roles = rolesByVlan(policy);
  return (
    <>
      {roles.length === 0 ? (
        <p>No VLAN ranges are set.</p>
      ) : (
        <table aria-labelledby="policy-heading">
          <thead>
            <tr>
              <th scope="col">Traffic role</th>
              <th scope="col">VLANs</th>
            </tr>
          </thead>
          <tbody>
            {roles.map(([role, ranges]) => (
              <tr key={role}>
                <th scope="row">{role}</th>
                <td>{formatRanges(ranges)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3 id="forbidden-heading">Never routed to each other</h3>
      {policy.forbidden_pairs.length === 0 ? (
        <p>Any roles may be routed to each other.</p>
      ) : (
        <ul aria-labelledby="forbidden-heading">
          {policy.forbidden_pairs.map(([a, b]) => (
            <li key={`${a}|${b}`}>
              {a} and {b}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function VlanPolicyForm(props: {
  projectId: number;
  policy: VlanPolicy;
  onSaved: (policy: VlanPolicy) => void;
}) {
  const [rows, setRows] = useState(() => policyRows(props.policy));
  const [saved, setSaved] = useState(false);
  const { problems, setProblems, busy, submit } = useSubmit((path) => policyErrorKey(path, rows));
  const setRole = (row: number, change: Partial<PolicyRows["roles"][number]>) =>
    setRows({ ...rows, roles: rows.roles.map((r, i) => (i === row ? { ...r, ...change } : r)) });
  const setPair = (row: number, side: 0 | 1, role: string) =>
    setRows({
      ...rows,
      pairs: rows.pairs.map((p, i): [string, string] =>
        i !== row ? p : side === 0 ? [role, p[1]] : [p[0], role],
      ),
    });
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const result = policyFromRows(rows);
    if ("problems" in result) {
      setProblems(result.problems);
      return;
    }
    void submit(async () => {
      const policy = await api.setVlanPolicy(props.projectId, result.policy);
      props.onSaved(policy);
      setRows(policyRows(policy));
      setSaved(true);
    });
  };
  /** An input whose errors are those under `key`, shown below it as `policy-<key>-error`. */
  const field = (key: string, label: string, value: string, onChange: (v: string) => void) => {
    const id = `policy-${key.replace(":", "-")}`;
    return (
      <>
        <input
          id={id}
          value={value}
          aria-label={label}
          {...invalid(id, problems[key])}
          onChange={(event) => onChange(event.target.value)}
        />
        <FieldErrors id={`${id}-error`} messages={problems[key]} />
      </>
    );
  };
  /** A pair's two inputs share the errors the server reports for the pair. */
  const pairField = (row: number, side: 0 | 1, value: string) => {
    const key = `pair:${row}`;
    return (
      <input
        id={`policy-pair-${row}-${side}`}
        value={value}
        aria-label={`Pair ${row + 1}, ${side === 0 ? "first" : "second"} role`}
        aria-invalid={(problems[key]?.length ?? 0) > 0}
        aria-describedby={problems[key]?.length ? `policy-pair-${row}-error` : undefined}
        onChange={(event) => setPair(row, side, event.target.value)}
      />
    );
  };
  return (
    <form onSubmit={save} noValidate aria-label="VLAN policy">
      <Alert messages={problems[BODY]} />
      <Alert messages={problems.ranges} />
      <table aria-labelledby="policy-heading" className="policy">
        <thead>
          <tr>
            <th scope="col">Traffic role</th>
            <th scope="col">VLANs (e.g. 10-19, 42)</th>
            <th scope="col">Remove</th>
          </tr>
        </thead>
        <tbody>
          {rows.roles.map((row, i) => {
            const name = row.role.trim() || `row ${i + 1}`;
            return (
              <tr key={i}>
                <td>
                  {field(`role:${i}`, `Traffic role ${i + 1}`, row.role, (role) =>
                    setRole(i, { role }),
                  )}
                </td>
                <td>
                  {field(`ranges:${i}`, `VLANs of ${name}`, row.ranges, (ranges) =>
                    setRole(i, { ranges }),
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove ${name}`}
                    onClick={() =>
                      setRows({ ...rows, roles: rows.roles.filter((_, j) => j !== i) })
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() => setRows({ ...rows, roles: [...rows.roles, { role: "", ranges: "" }] })}
      >
        Add a role
      </button>
      <h3 id="forbidden-heading">Never routed to each other</h3>
      <Alert messages={problems.forbidden_pairs} />
      <ul className="pairs" aria-labelledby="forbidden-heading">
        {rows.pairs.map(([a, b], i) => (
          <li key={i}>
            {pairField(i, 0, a)} and {pairField(i, 1, b)}{" "}
            <button
              type="button"
              aria-label={`Remove pair ${i + 1}`}
              onClick={() => setRows({ ...rows, pairs: rows.pairs.filter((_, j) => j !== i) })}
            >
              Remove
            </button>
            <FieldErrors id={`policy-pair-${i}-error`} messages={problems[`pair:${i}`]} />
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => setRows({ ...rows, pairs: [...rows.pairs, ["", ""]] })}>
        Add a pair
      </button>
      <p>
        <button type="submit" disabled={busy}>
          Save policy
        </button>{" "}
        <span role="status">{saved ? "Policy saved." : ""}</span>
      </p>
    </form>
  );
}
