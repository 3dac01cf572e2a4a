/**
 * Teaching labs over the REST API: labs, each student's copy and its last check, the class's
 * invite codes and joining a class by one. The server decides who may do what; `Lab.access`
 * says what the caller is to a lab.
 */
import { all, request } from "./client";

export type LabAccess = "instructor" | "staff" | "student";
export type GoalStatus = "pass" | "fail" | "pending";

export interface Lab {
  id: number;
  /** The class: the project the lab belongs to. */
  project: number;
  project_name: string;
  title: string;
  /** Markdown. */
  instructions: string;
  /** One goal per line, in the written form the server parses. */
  goals: string;
  /** Each goal as a sentence, in the order of `goals`. */
  goal_words: string[];
  source: number | null;
  shared: boolean;
  published: boolean;
  copy_quotas: Record<string, number>;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  access: LabAccess | null;
}

export interface NewLab {
  project: number;
  source: number;
  title: string;
  instructions: string;
  goals: string;
  shared: boolean;
  published: boolean;
}

export type LabChanges = Partial<
  Pick<Lab, "title" | "instructions" | "goals" | "shared" | "published">
> & {
  /** Take the start again from the source topology's head. */
  retake_start?: boolean;
};

export interface GoalResult {
  goal: string;
  status: GoalStatus;
  detail: string;
  by: "design" | "deployment" | "drill";
}

/** A student's copy of a lab, with its last check. */
export interface LabCopy {
  id: number;
  lab: number;
  student: string;
  /** The topology the student edits. */
  topology: number;
  project: number;
  started_at: string;
  reset_at: string | null;
  checked_at: string | null;
  checked_revision: number | null;
  passed: number;
  total: number;
  results: GoalResult[];
  /** Parts of the check are still running on the deployed copy. */
  checking: boolean;
}

export interface Invite {
  id: number;
  code: string;
  project: number;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** Neither revoked nor expired. */
  active: boolean;
}

export interface Enrolment {
  project: number;
  project_name: string;
  joined_at: string;
}

const LABS = "/api/v1/labs/";

export const labsApi = {
  labs: () => all<Lab>(LABS),
  lab: (id: number) => request<Lab>("GET", `${LABS}${id}/`),
  createLab: (lab: NewLab) => request<Lab>("POST", LABS, lab),
  updateLab: (id: number, changes: LabChanges) => request<Lab>("PATCH", `${LABS}${id}/`, changes),
  deleteLab: (id: number) => request<void>("DELETE", `${LABS}${id}/`),
  /** The caller's copy, made the first time. */
  start: (id: number) => request<LabCopy>("POST", `${LABS}${id}/start/`),
  /** Every copy for instructors and staff; a student's own one for a student. */
  copies: (id: number) => all<LabCopy>(`${LABS}${id}/copies/`),
  copy: (lab: number, copy: number) => request<LabCopy>("GET", `${LABS}${lab}/copies/${copy}/`),
  check: (lab: number, copy: number) =>
    request<LabCopy>("POST", `${LABS}${lab}/copies/${copy}/check/`),
  reset: (lab: number, copy: number) =>
    request<LabCopy>("POST", `${LABS}${lab}/copies/${copy}/reset/`),
  gradesUrl: (id: number) => `${LABS}${id}/grades.csv`,
  invites: (project: number) => all<Invite>(`/api/v1/projects/${project}/invites/`),
  createInvite: (project: number) =>
    request<Invite>("POST", `/api/v1/projects/${project}/invites/`, {}),
  revokeInvite: (project: number, invite: number) =>
    request<void>("DELETE", `/api/v1/projects/${project}/invites/${invite}/`),
  join: (code: string) => request<Enrolment>("POST", `${LABS}join/`, { code }),
};

/** Where a copy opens: its topology in the editor, with the lab bar. */
export function copyUrl(copy: Pick<LabCopy, "lab" | "id" | "topology">): string {
  return `/app/topologies/${copy.topology}/?lab=${copy.lab}&copy=${copy.id}`;
}
