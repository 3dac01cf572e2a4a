/**
 * Deploying a topology over the REST API (designer/api/views/deployments.py): its deploys and
 * destroys, one with its elements and log, asking for a deploy or a destroy, cancelling one
 * under way, having the deployed one checked for drift now, and the plan preview of a
 * revision. A refused request is read by `refusal` into what the panel shows: the findings
 * blocking a deploy, the attempt in the way, or the error.
 */
import type { Deployment, DriftReport, ElementDeployState, LogLine } from "../model/events";
import { all, ApiError, request } from "./client";

/** A deployment with every element's state in it, its whole log and its drift. */
export interface DeploymentDetail extends Deployment {
  elements: Record<string, ElementDeployState>;
  log: LogLine[];
  /** What changed on its hosts outside Netloom, as last observed (deployed attempts). */
  drift?: DriftReport;
}

export interface ChangeCounts {
  create: number;
  update: number;
  remove: number;
}

export type Change = keyof ChangeCounts;

export interface ElementChange extends ChangeCounts {
  /** All creations: created; all removals: removed; otherwise changed. */
  change: Change;
}

export interface HostChanges {
  totals: ChangeCounts;
  /** By kind of kernel object, in creation order. */
  kinds: Record<string, ChangeCounts>;
  /** By element id. */
  elements: Record<string, ElementChange>;
}

export interface HostPreview {
  summary: HostChanges;
  /** The commands the linux driver would run, one per line. */
  commands: string[];
}

export interface PlanNote {
  code: string;
  message: string;
  elements: string[];
  host: string | null;
}

export interface PlanPreview {
  /** The revision a deploy would bring. */
  revision: number;
  /** The revision deployed now; null when nothing is. */
  deployed_revision: number | null;
  /** By registered host's name. */
  hosts: Record<string, HostPreview>;
  notes: PlanNote[];
}

/** A validation error that blocks a deploy. */
export interface BlockingFinding {
  code: string;
  message: string;
  elements: string[];
}

/** Why a deploy, destroy or cancel was not done. */
export type Refusal =
  | { kind: "blocked"; detail: string; findings: BlockingFinding[] }
  | { kind: "in_progress"; detail: string }
  | { kind: "finished"; detail: string }
  | { kind: "not_deployed"; detail: string }
  | { kind: "error"; detail: string };

/** What a refused request means to the person who made it. */
export function refusal(error: unknown): Refusal {
  if (!(error instanceof ApiError)) {
    return { kind: "error", detail: error instanceof Error ? error.message : String(error) };
  }
  switch (error.code) {
    case "deployment_blocked":
      return {
        kind: "blocked",
        detail: error.detail,
        // The server's error items carry the finding's code and elements beside the path.
        findings: error.errors.map((item) => {
          const finding = item as Partial<BlockingFinding>;
          return {
            code: finding.code ?? "",
            message: item.message,
            elements: finding.elements ?? [],
          };
        }),
      };
    case "deployment_in_progress":
      return { kind: "in_progress", detail: error.detail };
    case "deployment_finished":
      return { kind: "finished", detail: error.detail };
    case "deployment_not_deployed":
      return { kind: "not_deployed", detail: error.detail };
    default:
      return { kind: "error", detail: error.detail };
  }
}

export interface DeployApi {
  /** Every deploy and destroy of the topology, newest first. */
  list(): Promise<Deployment[]>;
  /** The newest deploy or destroy with its elements and log; null when there is none. */
  latest(): Promise<DeploymentDetail | null>;
  get(id: number): Promise<DeploymentDetail>;
  /** Deploy `revision` (the head when omitted). */
  deploy(revision?: number): Promise<DeploymentDetail>;
  destroy(): Promise<DeploymentDetail>;
  cancel(id: number): Promise<DeploymentDetail>;
  /** Have the deployed attempt's hosts observed for drift now; the report comes by event. */
  observe(id: number): Promise<DeploymentDetail>;
  /** What deploying `revision` (the head when omitted) would change on each host. */
  plan(revision?: number): Promise<PlanPreview>;
}

export function deployApi(topologyId: number, share?: string): DeployApi {
  const base = `/api/v1/topologies/${encodeURIComponent(topologyId)}/`;
  const read = <T>(url: string): Promise<T> => request<T>("GET", url, undefined, { share });
  const get = (id: number) => read<DeploymentDetail>(`${base}deployments/${id}/`);
  return {
    list: () => all<Deployment>(`${base}deployments/`, { share }),
    async latest() {
      const page = await read<{ results: Deployment[] }>(`${base}deployments/?limit=1`);
      const newest = page.results[0];
      return newest === undefined ? null : get(newest.id);
    },
    get,
    deploy: (revision) =>
      request<DeploymentDetail>("POST", `${base}deployments/`, {
        action: "deploy",
        ...(revision === undefined ? {} : { revision }),
      }),
    destroy: () => request<DeploymentDetail>("POST", `${base}deployments/`, { action: "destroy" }),
    cancel: (id) => request<DeploymentDetail>("POST", `${base}deployments/${id}/cancel/`),
    observe: (id) => request<DeploymentDetail>("POST", `${base}deployments/${id}/observe/`),
    plan: (revision) =>
      read<PlanPreview>(`${base}plan/${revision === undefined ? "" : `?revision=${revision}`}`),
  };
}
