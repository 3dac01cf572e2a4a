// The deployments API module against a stubbed fetch: the URLs, methods and bodies it sends,
// the share link's token on reads, and how each refusal of the server is read.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deployApi, refusal } from "../src/api/deployments";
import { ApiError } from "../src/api/client";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

let sent: Sent[];
let answers: { status: number; body: unknown }[];

beforeEach(() => {
  sent = [];
  answers = [];
  vi.stubGlobal("document", { cookie: "csrftoken=tok%3D1" });
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: init.method ?? "GET",
      headers: init.headers as Record<string, string>,
      body: init.body === undefined ? undefined : JSON.parse(init.body as string),
    });
    const answer = answers.shift() ?? { status: 500, body: null };
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const answer = (status: number, body: unknown) => answers.push({ status, body });

async function refused(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return refusal(error);
  }
  throw new Error("the request was not refused");
}

describe("deployments API", () => {
  it("asks for a deploy of a revision, or of the head, and a destroy, with the CSRF token", async () => {
    const api = deployApi(12);
    answer(202, { id: 3 });
    answer(202, { id: 4 });
    answer(202, { id: 5 });
    expect(await api.deploy(7)).toEqual({ id: 3 });
    await api.deploy();
    await api.destroy();
    expect(sent.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "/api/v1/topologies/12/deployments/", { action: "deploy", revision: 7 }],
      ["POST", "/api/v1/topologies/12/deployments/", { action: "deploy" }],
      ["POST", "/api/v1/topologies/12/deployments/", { action: "destroy" }],
    ]);
    expect(sent[0]?.headers["X-CSRFToken"]).toBe("tok=1");
  });

  it("cancels by id and previews a revision or the head", async () => {
    const api = deployApi(12);
    answer(200, { id: 3, state: "applying" });
    answer(200, { revision: 4, deployed_revision: null, hosts: {}, notes: [] });
    answer(200, { revision: 5, deployed_revision: 4, hosts: {}, notes: [] });
    await api.cancel(3);
    expect((await api.plan(4)).revision).toBe(4);
    expect((await api.plan()).deployed_revision).toBe(4);
    expect(sent.map((s) => [s.method, s.url])).toEqual([
      ["POST", "/api/v1/topologies/12/deployments/3/cancel/"],
      ["GET", "/api/v1/topologies/12/plan/?revision=4"],
      ["GET", "/api/v1/topologies/12/plan/"],
    ]);
  });

  it("reads the newest attempt's detail, with a share link's token, or null when none", async () => {
    const api = deployApi(12, "s3cret");
    answer(200, { count: 2, next: "x", results: [{ id: 9 }] });
    answer(200, { id: 9, elements: { lan: "up" }, log: [] });
    answer(200, { count: 0, next: null, results: [] });
    expect(await api.latest()).toEqual({ id: 9, elements: { lan: "up" }, log: [] });
    expect(await api.latest()).toBeNull();
    expect(sent.map((s) => s.url)).toEqual([
      "/api/v1/topologies/12/deployments/?limit=1",
      "/api/v1/topologies/12/deployments/9/",
      "/api/v1/topologies/12/deployments/?limit=1",
    ]);
    expect(sent.every((s) => s.headers.Authorization === "Share s3cret")).toBe(true);
  });

  it("reads a blocked deploy's findings", async () => {
    answer(409, {
      code: "deployment_blocked",
      detail: "The revision has 2 validation error(s); fix them to deploy.",
      errors: [
        { path: "findings[0]", message: "Subnet overlaps.", code: "overlap", elements: ["a", "b"] },
        { path: "findings[1]", message: "No gateway.", code: "no_gateway", elements: [] },
      ],
    });
    expect(await refused(deployApi(1).deploy())).toEqual({
      kind: "blocked",
      detail: "The revision has 2 validation error(s); fix them to deploy.",
      findings: [
        { code: "overlap", message: "Subnet overlaps.", elements: ["a", "b"] },
        { code: "no_gateway", message: "No gateway.", elements: [] },
      ],
    });
  });

  it("reads an attempt under way, a finished one and any other error", async () => {
    const busy = "Deployment 4 of this topology is applying; wait for it to finish or cancel it.";
    answer(409, { code: "deployment_in_progress", detail: busy, deployment: 4, state: "applying" });
    answer(409, { code: "deployment_finished", detail: "Deployment 4 is deployed." });
    answer(403, { code: "permission_denied", detail: "Not allowed." });
    answer(502, "<html>");
    const api = deployApi(1);
    expect(await refused(api.destroy())).toEqual({ kind: "in_progress", detail: busy });
    expect(await refused(api.cancel(4))).toEqual({
      kind: "finished",
      detail: "Deployment 4 is deployed.",
    });
    expect(await refused(api.deploy())).toEqual({ kind: "error", detail: "Not allowed." });
    expect(await refused(api.deploy())).toEqual({
      kind: "error",
      detail: "The server answered 502.",
    });
    expect(refusal(new TypeError("Failed to fetch"))).toEqual({
      kind: "error",
      detail: "Failed to fetch",
    });
    expect(refusal(new ApiError(409, "deployment_blocked", "Blocked.", []))).toEqual({
      kind: "blocked",
      detail: "Blocked.",
      findings: [],
    });
  });
});
