/**
 * The REST API as the pages use it: JSON in and out, the session cookie, and the CSRF token
 * echoed on every write. Errors arrive as the server's {code, detail, errors:[{path,message}]}.
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

interface Page<T> {
  results: T[];
  next: string | null;
}

function csrfToken(): string {
  const match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : "";
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (payload ?? {}) as Partial<{
      code: string;
      detail: string;
      errors: FieldError[];
    }>;
    throw new ApiError(
      response.status,
      error.code ?? "error",
      error.detail ?? `The server answered ${response.status}.`,
      error.errors ?? [],
    );
  }
  return payload as T;
}

/** Every item of a paginated list. */
async function all<T>(url: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | null = url;
  while (next !== null) {
    const page: Page<T> = await request<Page<T>>("GET", next);
    items.push(...page.results);
    next = page.next;
  }
  return items;
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
};
