/**
 * A topology's history over the REST API: the topology itself (its name and the caller's
 * role), its revisions newest first, one revision with its document, the diff of two, and
 * restoring one. A share-link visitor's reads carry the link's token as the API expects it
 * (`Authorization: Share <token>`, designer/api/authentication.py); a share link never writes.
 */
import type { TopologyDocument } from "../generated/document";
import type { RevisionDiff } from "../model/diff";
import type { Finding } from "../model/events";
import { request, type TopologySummary } from "./client";

export interface Revision {
  number: number;
  parent: number | null;
  /** The author's username; null when the account is gone. */
  author: string | null;
  created_at: string;
  message: string;
  element_count: number;
}

export interface RevisionDetail extends Revision {
  document: TopologyDocument;
}

/** One page of the revision list; `next` is the URL of the older revisions, if any. */
export interface RevisionPage {
  count: number;
  next: string | null;
  results: Revision[];
}

/** What a restore answers: the new head revision and what validation finds in it. */
export interface SavedRevision {
  revision: Revision;
  findings: Finding[];
  counts: Record<Finding["severity"], number>;
  deployable: boolean;
}

export interface HistoryApi {
  topology(): Promise<TopologySummary>;
  /** The newest revisions, or the page at `next`. */
  revisions(next?: string): Promise<RevisionPage>;
  revision(number: number): Promise<RevisionDetail>;
  diff(from: number, to: number): Promise<RevisionDiff>;
  /** A new head holding revision `number`'s document; 409 `stale_revision` when
   * `baseRevision` is not the head any more. */
  restore(number: number, baseRevision: number): Promise<SavedRevision>;
}

export function historyApi(topologyId: number, share?: string): HistoryApi {
  const base = `/api/v1/topologies/${encodeURIComponent(topologyId)}/`;
  const read = <T>(url: string): Promise<T> => request<T>("GET", url, undefined, { share });
  return {
    topology: () => read<TopologySummary>(base),
    revisions: (next) => read<RevisionPage>(next ?? `${base}revisions/`),
    revision: (number) => read<RevisionDetail>(`${base}revisions/${number}/`),
    diff: (from, to) => read<RevisionDiff>(`${base}diff/?from=${from}&to=${to}`),
    restore: (number, baseRevision) =>
      request<SavedRevision>("POST", `${base}revisions/${number}/restore/`, {
        base_revision: baseRevision,
      }),
  };
}
