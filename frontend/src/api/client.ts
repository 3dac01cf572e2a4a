/**
 * The REST API as the pages use it: JSON in and out, the session cookie (or a share link's
 * token), and the CSRF token echoed on every write. Errors arrive as the server's
 * {code, detail, errors:[{path,message}]}.
 */

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[],
  ) {
    super(detail);
    this.name = "ApiError";
  }

  /** The messages about one field (`path`), or about the request as a whole (`(body)`). */
  messagesFor(path: string): string[] {
    return this.errors.filter((e) => e.path === path).map((e) => e.message);
  }
}

export interface Me {
  kind: "user" | "share_link";
  user: { id: number; username: string } | null;
  is_admin: boolean;
}

export interface ProjectSummary {
  id: number;
  name: string;
  description: string;
  role: string | null;
}

export interface TopologySummary {
  id: number;
  project: number;
  name: string;
  description: string;
  head_revision: number | null;
  role: string | null;
}

export type Role = "owner" | "editor" | "viewer";

export interface Member {
  user: number;
  username: string;
  role: Role;
  created_at: string;
}

export interface ShareLink {
  id: number;
  token: string;
  project: number;
  /** null: the whole project. */
  topology: number | null;
  label: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** Neither revoked nor expired. */
  active: boolean;
}

export interface NewShareLink {
  topology: number | null;
  label: string;
  expires_at: string | null;
}

/** Neutron's quota kinds, in the order the pages show them. */
export const QUOTA_KINDS = [
  "networks",
  "subnets",
  "ports",
  "routers",
  "floating_ips",
  "instances",
] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];
export type QuotaLimits = Record<QuotaKind, number>;

export interface Quota extends QuotaLimits {
  /** Elements of each kind over the head revisions of the project's topologies. */
  usage: QuotaLimits;
}

export interface VlanPolicy {
  /** {role: [[low, high], ...]} */
  ranges: Record<string, [number, number][]>;
  /** Pairs of roles that must never be routed to each other. */
  forbidden_pairs: [string, string][];
}

interface Page<T> {
  results: T[];
  next: string | null;
}

function csrfToken(): string {
  const match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : "";
}

export interface RequestOptions {
  /** A share link's token, sent as the API expects it (`Authorization: Share <token>`,
   * designer/api/authentication.py) and without the session: the link, not whoever is signed
   * in on this browser, decides what the answer holds. */
  share?: string;
}

function send(
  method: string,
  url: string,
  body: unknown,
  options: RequestOptions,
): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (options.share !== undefined) headers.Authorization = `Share ${options.share}`;
  return fetch(url, {
    method,
    headers,
    credentials: options.share === undefined ? "same-origin" : "omit",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function refusal(status: number, payload: unknown): ApiError {
  const error = (payload ?? {}) as Partial<{ code: string; detail: string; errors: FieldError[] }>;
  return new ApiError(
    status,
    error.code ?? "error",
    error.detail ?? `The server answered ${status}.`,
    error.errors ?? [],
  );
}

export async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const response = await send(method, url, body, options);
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw refusal(response.status, payload);
  return payload as T;
}

/** A file the API answers with (not JSON), with the name it gives it. */
export async function download(
  url: string,
  options: RequestOptions = {},
): Promise<{ blob: Blob; name: string | null }> {
  const response = await send("GET", url, undefined, options);
  if (!response.ok) throw refusal(response.status, await response.json().catch(() => null));
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  return { blob: await response.blob(), name: named?.[1] ?? null };
}

/** Every item of a paginated list. */
export async function all<T>(url: string, options: RequestOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let next: string | null = url;
  while (next !== null) {
    const page: Page<T> = await request<Page<T>>("GET", next, undefined, options);
    items.push(...page.results);
    next = page.next;
  }
  return items;
}

function memberUrl(project: number, username: string): string {
  return `/api/v1/projects/${project}/members/${encodeURIComponent(username)}/`;
}

export const api = {
  me: () => request<Me>("GET", "/api/v1/me/"),
  async signIn(username: string, password: string): Promise<Me> {
    await request<void>("GET", "/api/v1/auth/session/"); // sets the CSRF cookie
    return request<Me>("POST", "/api/v1/auth/session/", { username, password });
  },
  signOut: () => request<void>("DELETE", "/api/v1/auth/session/"),
  projects: () => all<ProjectSummary>("/api/v1/projects/"),
  topologies: (project: number) =>
    all<TopologySummary>(`/api/v1/topologies/?project=${encodeURIComponent(project)}`),
  project: (id: number) => request<ProjectSummary>("GET", `/api/v1/projects/${id}/`),
  /** A new topology, empty or with the document of a YAML or JSON file (`documentText`). */
  createTopology: (project: number, name: string, description: string, documentText?: string) =>
    request<TopologySummary>("POST", "/api/v1/topologies/", {
      project,
      name,
      description,
      ...(documentText === undefined ? {} : { document_text: documentText }),
    }),
  /** The topology's document as a YAML or JSON file (topology as code). */
  exportDocument: (topology: number, kind: "yaml" | "json", share?: string) =>
    download(`/api/v1/topologies/${topology}/export/?as=${kind}`, { share }),
  members: (project: number) => all<Member>(`/api/v1/projects/${project}/members/`),
  addMember: (project: number, username: string, role: Role) =>
    request<Member>("POST", `/api/v1/projects/${project}/members/`, { username, role }),
  setMemberRole: (project: number, username: string, role: Role) =>
    request<Member>("PUT", memberUrl(project, username), { role }),
  removeMember: (project: number, username: string) =>
    request<void>("DELETE", memberUrl(project, username)),
  shareLinks: (project: number) => all<ShareLink>(`/api/v1/projects/${project}/share-links/`),
  createShareLink: (project: number, link: NewShareLink) =>
    request<ShareLink>("POST", `/api/v1/projects/${project}/share-links/`, link),
  revokeShareLink: (project: number, link: number) =>
    request<void>("DELETE", `/api/v1/projects/${project}/share-links/${link}/`),
  quota: (project: number) => request<Quota>("GET", `/api/v1/projects/${project}/quota/`),
  /** Values are sent as typed, so the server names a bad one by its kind. */
  setQuota: (project: number, limits: Partial<Record<QuotaKind, number | string>>) =>
    request<Quota>("PATCH", `/api/v1/projects/${project}/quota/`, limits),
  vlanPolicy: (project: number) =>
    request<VlanPolicy>("GET", `/api/v1/projects/${project}/vlan-policy/`),
  setVlanPolicy: (project: number, policy: VlanPolicy) =>
    request<VlanPolicy>("PUT", `/api/v1/projects/${project}/vlan-policy/`, policy),
};
