// The connectivity panel as rendered HTML: the Run buttons for editors only, disabled with the
// reason when nothing is deployed; a probe's results with the design's disagreement marked; the
// matrix as a table of green and red cells; the findings in plain sentences. And the checks
// API: the URLs and bodies it sends, and how a refusal is read.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/client";
import { checkRefusal, checksApi, type Check, type CheckResult } from "../src/api/checks";
import {
  blockedReason,
  ConnectivityPanel,
  resultText,
  selectedPair,
} from "../src/editor/ConnectivityPanel";
import type { Deployment } from "../src/model/events";
import { createConnectivityStore } from "../src/store/connectivity";

const deployed: Deployment = {
  id: 4,
  action: "deploy",
  state: "deployed",
  revision: 2,
  progress: 100,
  hosts: {},
  error: "",
  requested_by: null,
  started_at: "2026-01-01T10:00:00+00:00",
  finished_at: "2026-01-01T10:01:00+00:00",
};

const instances = [
  { id: "vm1", label: "web" },
  { id: "vm2", label: "db" },
  { id: "vm3", label: "cache" },
];

function result(source: string, target: string, overrides: Partial<CheckResult> = {}) {
  return {
    source,
    target,
    address: "10.70.0.12",
    protocol: "icmp",
    port: null,
    reachable: true,
    expected: true,
    agrees: true,
    rtt_ms: 0.42,
    detail: "",
    path: [source, "lan", target],
    ...overrides,
  } satisfies CheckResult;
}

const ping: Check = {
  id: 3,
  kind: "ping",
  source: "vm1",
  target: "vm2",
  port: null,
  state: "done",
  results: [
    result("vm1", "vm2"),
    result("vm1", "vm2", {
      address: "10.80.0.12",
      reachable: false,
      agrees: false,
      rtt_ms: null,
      detail: "100% packet loss",
    }),
  ],
  findings: [
    {
      code: "connectivity.unexpected_block",
      severity: "warning",
      elements: ["vm1", "vm2"],
      message: "web cannot reach db at 10.80.0.12, though the design says it can.",
      data: {},
    },
  ],
  error: "",
  created_at: "2026-01-01T10:02:00+00:00",
  finished_at: "2026-01-01T10:02:01+00:00",
  deployment: 4,
  revision: 2,
  hosts: { "compute-1": { done: 2, total: 2, state: "done" } },
  requested_by: { id: 1, name: "ada" },
};

const matrix: Check = {
  ...ping,
  id: 5,
  kind: "matrix",
  source: null,
  target: null,
  results: [
    result("vm1", "vm2"),
    result("vm2", "vm1"),
    result("vm1", "vm3", { reachable: false, expected: false, agrees: true }),
    result("vm3", "vm1", { reachable: true, expected: false, agrees: false }),
  ],
  findings: [],
};

function panel(options: {
  canEdit: boolean;
  share?: string;
  deployment?: Deployment | null;
  checks?: Check[];
}) {
  // Rendered on the server, the panel shows the store's initial state.
  const store = createConnectivityStore(options.checks ?? []);
  return renderToStaticMarkup(
    createElement(ConnectivityPanel, {
      topologyId: 1,
      share: options.share,
      canEdit: options.canEdit,
      store,
      deployment: options.deployment === undefined ? deployed : options.deployment,
      instances,
      selection: [],
    }),
  );
}

const buttons = (html: string) =>
  [...html.matchAll(/<button([^>]*)>([^<]*)<\/button>/g)].map((m) => ({
    text: m[2],
    disabled: m[1]!.includes("disabled"),
  }));
const named = (html: string, text: string) => buttons(html).find((b) => b.text === text);

describe("connectivity panel", () => {
  it("gives editors the Run buttons, viewers and share links none", () => {
    const editor = panel({ canEdit: true });
    expect(editor).toContain('<section class="connectivity" aria-label="Connectivity">');
    expect(editor).toContain("No check has been run yet.");
    expect(named(editor, "Run")).toEqual({ text: "Run", disabled: true }); // no pair chosen
    expect(named(editor, "Run reachability matrix")?.disabled).toBe(false);
    expect(named(editor, "Use selection")?.disabled).toBe(true);
    expect(editor).toContain('<option value="vm2">db</option>');
    for (const html of [
      panel({ canEdit: false, checks: [ping] }),
      panel({ canEdit: true, share: "tok", checks: [ping] }),
    ]) {
      expect(html).not.toContain("Run reachability matrix");
      expect(html).not.toContain("<form");
      expect(html).toContain("100% packet loss");
    }
  });

  it("is disabled with the reason when nothing is deployed", () => {
    const html = panel({ canEdit: true, deployment: null });
    expect(html).toContain("Nothing is deployed: deploy the topology to check it.");
    expect(named(html, "Run reachability matrix")?.disabled).toBe(true);
    expect(named(html, "Run")?.disabled).toBe(true);
    expect(html).not.toContain("<select");
    expect(blockedReason(deployed)).toBeNull();
    expect(blockedReason({ ...deployed, state: "applying" })).toMatch(/under way/);
    expect(blockedReason({ ...deployed, action: "destroy", state: "destroyed" })).toMatch(
      /destroyed/,
    );
  });

  it("lists a probe's results, marking where they disagree with the design", () => {
    const html = panel({ canEdit: false, checks: [ping] });
    expect(html).toContain("Ping web → db");
    expect(html).toContain("(1 of 2 reachable)");
    expect(html).toMatch(/<li class="reachable"><button[^>]*aria-pressed="false"/);
    expect(html).toMatch(/<li class="blocked disagrees"><button[^>]*aria-pressed="false"/);
    expect(html).toContain("✓ 10.70.0.12 · ping · 0.4 ms");
    expect(html).toContain("✗ 10.80.0.12 · ping · 100% packet loss");
    expect(html).toContain("not as designed: the design predicts reachable");
    expect(html).toContain("web cannot reach db at 10.80.0.12, though the design says it can.");
    expect(resultText(result("a", "b", { protocol: "tcp", port: 22 }))).toBe(
      "✓ 10.70.0.12 · TCP 22 · 0.4 ms",
    );
  });

  it("says how far a running check has got", () => {
    const hosts = {
      "compute-1": { done: 1, total: 3, state: "pending" as const },
      "compute-2": { done: 0, total: 3, state: "pending" as const },
    };
    const running = { ...matrix, state: "running" as const, results: [], hosts };
    expect(panel({ canEdit: false, checks: [running] })).toContain(
      'Reachability matrix: <strong class="connectivity-state-running">Running</strong>' +
        '<span class="muted"> (1 of 6 probes)</span>',
    );
    const planning = { ...running, hosts: { "compute-1": { ...hosts["compute-1"], total: null } } };
    expect(panel({ canEdit: false, checks: [planning] })).toContain(
      '<span class="muted"> …</span>',
    );
  });

  it("draws the matrix as a table, green and red, disagreements outlined", () => {
    const html = panel({ canEdit: true, checks: [ping, matrix] });
    expect(html).toContain('<table class="connectivity-matrix" aria-label="Reachability matrix">');
    const header = /<thead>(.*)<\/thead>/.exec(html)![1]!;
    expect([...header.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1])).toEqual([
      "from \\ to",
      "web",
      "db",
      "cache",
    ]);
    const cells = [...html.matchAll(/<td class="([^"]*)"><button[^>]*aria-label="([^"]*)"/g)].map(
      (m) => [m[2], m[1]],
    );
    expect(cells).toEqual([
      ["web to db: reachable", "reachable"],
      ["web to cache: blocked", "blocked"],
      ["db to web: reachable", "reachable"],
      ["cache to web: reachable, not as designed", "reachable disagrees"],
    ]);
    expect(html).toContain('<td class="none">');
    // Both checks are listed to pick from.
    expect(html).toContain("All checks (2)");
  });

  it("takes the two instances selected on the canvas, and only two", () => {
    expect(selectedPair(["vm2", "lan", "vm1"], instances)).toEqual(["vm2", "vm1"]);
    expect(selectedPair(["vm1"], instances)).toBeNull();
    expect(selectedPair(["vm1", "vm2", "vm3"], instances)).toBeNull();
  });
});

describe("checks API", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists, reads and starts checks at the topology's URL", async () => {
    const sent: { url: string; method: string; body: unknown }[] = [];
    vi.stubGlobal("document", { cookie: "csrftoken=t" });
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      sent.push({
        url,
        method: init.method ?? "GET",
        body: init.body === undefined ? undefined : JSON.parse(init.body as string),
      });
      const body = url.includes("?limit") ? { results: [ping] } : ping;
      return new Response(JSON.stringify(body), { status: init.method === "POST" ? 202 : 200 });
    });
    const api = checksApi(9);
    expect(await api.recent()).toEqual([ping]);
    expect(await api.get(3)).toEqual(ping);
    await api.run({ kind: "tcp", source: "vm1", target: "vm2", port: 22 });
    await api.run({ kind: "matrix" });
    expect(sent).toEqual([
      { url: "/api/v1/topologies/9/checks/?limit=20", method: "GET", body: undefined },
      { url: "/api/v1/topologies/9/checks/3/", method: "GET", body: undefined },
      {
        url: "/api/v1/topologies/9/checks/",
        method: "POST",
        body: { kind: "tcp", source: "vm1", target: "vm2", port: 22 },
      },
      { url: "/api/v1/topologies/9/checks/", method: "POST", body: { kind: "matrix" } },
    ]);
  });

  it("reads a refusal as what it means", () => {
    expect(checkRefusal(new ApiError(409, "not_deployed", "Nothing is deployed.", []))).toEqual({
      kind: "not_deployed",
      detail: "Nothing is deployed.",
    });
    const errors = [{ path: "port", message: "Give a port from 1 to 65535." }];
    expect(checkRefusal(new ApiError(400, "invalid", "Bad check.", errors))).toEqual({
      kind: "invalid",
      detail: "Bad check.",
      errors,
    });
    expect(checkRefusal(new ApiError(403, "forbidden", "No.", [])).kind).toBe("forbidden");
    expect(checkRefusal(new TypeError("offline"))).toEqual({ kind: "error", detail: "offline" });
  });
});
