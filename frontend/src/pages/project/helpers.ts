// The project page's pure parts: where a server error is shown in a form, what a quota row and a
// share link say and open, and how the VLAN policy form's text becomes the policy the server
// takes (and back).
import {
  ApiError,
  type QuotaKind,
  type ShareLink,
  type TopologySummary,
  type VlanPolicy,
} from "../../api/client";

/** Where a form keeps what names none of its fields. */
export const BODY = "(body)";

// --- form errors ---------------------------------------------------------------------------

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

// --- quota ---------------------------------------------------------------------------------

export const QUOTA_WORDS: Record<QuotaKind, string> = {
  networks: "networks",
  subnets: "subnets",
  ports: "ports",
  routers: "routers",
  floating_ips: "floating IPs",
  instances: "instances",
};

/** "networks 3 of 10" */
/** "networks 3 of 100"; a limit of -1 (Neutron's "no limit") reads "networks 3, no limit". */
export function usageText(kind: QuotaKind, used: number, limit: number): string {
  return limit < 0
    ? `${QUOTA_WORDS[kind]} ${used}, no limit`
    : `${QUOTA_WORDS[kind]} ${used} of ${limit}`;
}

/** Whether `used` is over `limit`; never, with no limit (-1). */
export function overLimit(used: number, limit: number): boolean {
  return limit >= 0 && used > limit;
}

// --- share links ---------------------------------------------------------------------------

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

/** The HTML that embeds a share link's topology in another page, read only and without the
 * app's navigation (`embed=1`); `url` is one of shareAddresses' addresses. */
export function embedSnippet(url: string, topology: string): string {
  const title = topology
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
  return (
    `<iframe src="${url}&embed=1" title="${title}" width="960" height="600" ` +
    `style="border:1px solid #ccc" loading="lazy"></iframe>`
  );
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

// --- VLAN policy ---------------------------------------------------------------------------

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
