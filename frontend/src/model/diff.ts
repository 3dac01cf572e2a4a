/**
 * What changed between two revisions, element by element: the server's diff
 * (designer/diff.py) joined with the two documents, so that every element of either revision
 * has a status, every changed field its value before and after, and one document holds both
 * revisions for the canvas to draw. Pure: nothing here reads the network or the page.
 */
import type { Position, TopologyDocument } from "../generated/document";
import { ELEMENT_LISTS, elementsOf, type AnyElement, type ElementListName } from "./operations";

export type ElementStatus = "added" | "removed" | "changed" | "unchanged";
export type ChangeStatus = Exclude<ElementStatus, "unchanged">;

/** One element in the server's diff: an added or removed element whole, or the fields that
 * changed with their old and new values. */
export type DiffEntry =
  | { op: "added"; list: ElementListName; id: string; element: AnyElement }
  | { op: "removed"; list: ElementListName; id: string; element: AnyElement }
  | {
      op: "changed";
      list: ElementListName;
      id: string;
      fields: Record<string, { old: unknown; new: unknown }>;
    };

/** The server's answer to GET /api/v1/topologies/<id>/diff/?from=<n>&to=<m>. */
export interface RevisionDiff {
  source: number;
  target: number;
  elements: DiffEntry[];
  summary: Record<ChangeStatus, number>;
  layout: { moved: string[]; groups_changed: boolean; viewport_changed: boolean };
  description_changed: boolean;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface ElementChange {
  id: string;
  list: ElementListName;
  status: ChangeStatus;
  /** The element's name (or id), as it reads in the revision where it last exists. */
  label: string;
  /** For a changed element, each changed field; empty otherwise. */
  fields: FieldChange[];
}

export interface Comparison {
  /** The added, changed and removed elements, in that order, each group in list order. */
  changes: ElementChange[];
  /** The status of every element drawn, by id. */
  statuses: Record<string, ElementStatus>;
  /** The newer document with the removed elements put back where they were. */
  drawn: TopologyDocument;
  counts: Record<ElementStatus, number>;
  /** Elements of both revisions whose position on the canvas changed. */
  moved: string[];
  descriptionChanged: boolean;
}

const STATUS_ORDER: Record<ChangeStatus, number> = { added: 0, changed: 1, removed: 2 };

/** The singular noun for an element of each list, as the side list names it. */
export const ELEMENT_NOUN: Record<ElementListName, string> = {
  networks: "network",
  segments: "segment",
  subnets: "subnet",
  ports: "port",
  instances: "instance",
  routers: "router",
  floating_ips: "floating IP",
  load_balancers: "load balancer",
};

/**
 * Compare revision `from` with revision `to` (usually the older with the newer) as `diff`,
 * the server's diff of the two, describes it. Removed elements are drawn from `from`, the
 * others from `to`. An id removed from one list and added to another (the server sees a
 * removal and an addition) is drawn once, as added, and listed twice.
 */
export function compareRevisions(
  from: TopologyDocument,
  to: TopologyDocument,
  diff: RevisionDiff,
): Comparison {
  const inTo = new Map<string, AnyElement>();
  for (const list of ELEMENT_LISTS) {
    for (const element of elementsOf(to, list)) inTo.set(element.id, element);
  }
  const statuses: Record<string, ElementStatus> = {};
  for (const id of inTo.keys()) statuses[id] = "unchanged";
  const changes: ElementChange[] = [];
  const removed: { list: ElementListName; element: AnyElement }[] = [];
  for (const entry of diff.elements) {
    if (entry.op === "removed") {
      changes.push(changeOf(entry, entry.element, []));
      if (!inTo.has(entry.id)) {
        statuses[entry.id] = "removed";
        removed.push({ list: entry.list, element: entry.element });
      }
    } else if (entry.op === "added") {
      changes.push(changeOf(entry, entry.element, []));
      statuses[entry.id] = "added";
    } else {
      const fields = Object.entries(entry.fields).map(([field, values]) => ({
        field,
        before: values.old,
        after: values.new,
      }));
      changes.push(changeOf(entry, inTo.get(entry.id) ?? { id: entry.id }, fields));
      statuses[entry.id] = "changed";
    }
  }
  changes.sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      ELEMENT_LISTS.indexOf(a.list) - ELEMENT_LISTS.indexOf(b.list),
  );
  const counts: Record<ElementStatus, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const status of Object.values(statuses)) counts[status] += 1;
  return {
    changes,
    statuses,
    drawn: withRemoved(from, to, removed),
    counts,
    moved: diff.layout.moved.filter((id) => ["unchanged", "changed"].includes(statuses[id] ?? "")),
    descriptionChanged: diff.description_changed,
  };
}

function changeOf(entry: DiffEntry, element: AnyElement, fields: FieldChange[]): ElementChange {
  return { id: entry.id, list: entry.list, status: entry.op, label: nameOf(element), fields };
}

/** `to` with `removed` appended to their lists, at their positions in `from`. */
function withRemoved(
  from: TopologyDocument,
  to: TopologyDocument,
  removed: readonly { list: ElementListName; element: AnyElement }[],
): TopologyDocument {
  if (removed.length === 0) return to;
  const drawn = { ...to } as Record<string, unknown>;
  const oldPositions = from.layout?.positions ?? {};
  const positions: Record<string, Position> = { ...(to.layout?.positions ?? {}) };
  for (const { list, element } of removed) {
    drawn[list] = [...((drawn[list] as AnyElement[] | undefined) ?? []), element];
    const spot = oldPositions[element.id];
    if (spot !== undefined) positions[element.id] = spot;
  }
  drawn.layout = { ...(to.layout ?? {}), positions };
  return drawn as TopologyDocument;
}

function nameOf(element: AnyElement): string {
  return typeof element.name === "string" && element.name !== "" ? element.name : element.id;
}

/** A field's value as the side list shows it: text as it is, nothing as a dash, the rest as
 * compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}
