/**
 * Connectivity checks over the REST API (designer/api/views/checks.py): a ping or a TCP
 * connection from one deployed instance to another, or the reachability matrix of every pair,
 * run inside the deployment's namespaces and compared with what the design predicts. A refused
 * request is read by `checkRefusal` into what the panel shows.
 */
import type { Check, CheckResult, ConnectivityEvent } from "../model/events";
import { ApiError, request, type FieldError } from "./client";

export type { Check, CheckResult, ConnectivityEvent };
export type CheckKind = Check["kind"];
export type CheckState = Check["state"];

/** What to run: a probe between two instances, or the whole matrix (pings, or TCP connects
 * to `port` when one is given). */
export type CheckRequest =
  | { kind: "ping"; source: string; target: string }
  | { kind: "tcp"; source: string; target: string; port: number }
  | { kind: "matrix"; port?: number };

/** Why a check was not started. */
export type CheckRefusal =
  | { kind: "not_deployed"; detail: string }
  | { kind: "invalid"; detail: string; errors: FieldError[] }
  | { kind: "forbidden"; detail: string }
  | { kind: "error"; detail: string };

/** What a refused request means to the person who made it. */
export function checkRefusal(error: unknown): CheckRefusal {
  if (!(error instanceof ApiError)) {
    return { kind: "error", detail: error instanceof Error ? error.message : String(error) };
  }
  if (error.code === "not_deployed") return { kind: "not_deployed", detail: error.detail };
  if (error.status === 403) return { kind: "forbidden", detail: error.detail };
  if (error.status === 400) return { kind: "invalid", detail: error.detail, errors: error.errors };
  return { kind: "error", detail: error.detail };
}

/** The newest checks the panel lists when it opens. */
export const RECENT_CHECKS = 20;

export interface ChecksApi {
  /** The newest checks of the topology, newest first. */
  recent(limit?: number): Promise<Check[]>;
  get(id: number): Promise<Check>;
  /** Start a check; it comes back queued, and its progress arrives on the socket. */
  run(check: CheckRequest): Promise<Check>;
}

export function checksApi(topologyId: number, share?: string): ChecksApi {
  const base = `/api/v1/topologies/${encodeURIComponent(topologyId)}/checks/`;
  const read = <T>(url: string): Promise<T> => request<T>("GET", url, undefined, { share });
  return {
    async recent(limit = RECENT_CHECKS) {
      const page = await read<{ results: Check[] }>(`${base}?limit=${limit}`);
      return page.results;
    },
    get: (id) => read<Check>(`${base}${id}/`),
    run: (check) => request<Check>("POST", base, check),
  };
}
