// The deployment panel as rendered HTML: what viewers, share links and editors see, the
// progress bar and log, the plan preview per host and element, and the canvas badges.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { DeploymentDetail, PlanPreview } from "../src/api/deployments";
import { DeployPanel, elementBadge, PlanView } from "../src/editor/DeployPanel";
import type { ElementDeployState } from "../src/model/events";
import { createDeployStore } from "../src/store/deploy";

const applying: DeploymentDetail = {
  id: 8,
  action: "deploy",
  state: "applying",
  revision: 3,
  progress: 45,
  hosts: {
    alpha: { done: 4, total: 9, state: "pending" },
    beta: { done: 0, total: null, state: "pending" },
  },
  error: "",
  requested_by: { id: 1, name: "alice" },
  started_at: "2026-01-01T10:00:00+00:00",
  finished_at: null,
  elements: { lan: "up" },
  log: [
    { at: "2026-01-01T10:00:01+00:00", host: null, level: "info", message: "deploy started" },
    { at: "2026-01-01T10:00:02+00:00", host: "alpha", level: "error", message: "ip: busy" },
  ],
};

function panel(options: { canEdit: boolean; share?: string; detail?: DeploymentDetail | null }) {
  return renderToStaticMarkup(
    createElement(DeployPanel, {
      topologyId: 1,
      share: options.share,
      canEdit: options.canEdit,
      store: createDeployStore(options.detail === undefined ? applying : options.detail),
      headRevision: 3,
    }),
  );
}

const buttons = (html: string) =>
  [...html.matchAll(/<button[^>]*>([^<]*)<\/button>/g)].map((m) => m[1]);

describe("deploy panel", () => {
  it("shows state, revision, progress, hosts and log to everyone", () => {
    const html = panel({ canEdit: false });
    expect(html).toContain('<section class="deploy" aria-label="Deployment">');
    expect(html).toContain("Deploy of revision 3");
    expect(html).toContain("Applying");
    expect(html).toMatch(/role="progressbar"[^>]*aria-valuenow="45"/);
    expect(html).toContain("4 of 9 steps");
    expect(html).toMatch(/<strong>beta<\/strong> planning/);
    expect(html).toMatch(/<ol class="deploy-log"[^>]*aria-live="polite"/);
    expect(html).toMatch(/<li class="error">.*alpha.*ip: busy<\/li><\/ol>/);
  });

  it("gives viewers and share links no buttons, editors the ones that fit the state", () => {
    expect(buttons(panel({ canEdit: false }))).toEqual([]);
    expect(buttons(panel({ canEdit: true, share: "tok" }))).toEqual([]);
    const active = panel({ canEdit: true });
    expect(buttons(active)).toEqual(["Preview deploy", "Destroy", "Cancel"]);
    expect(active).toMatch(/<button type="button" disabled="">Preview deploy/);
    const done = panel({ canEdit: true, detail: { ...applying, state: "failed", error: "Boom." } });
    expect(buttons(done)).toEqual(["Preview deploy", "Destroy"]);
    expect(done).not.toMatch(/disabled/);
    expect(done).toContain('<p class="error">Boom.</p>');
  });

  it("says when nothing has been deployed", () => {
    const html = panel({ canEdit: true, detail: null });
    expect(html).toContain("Nothing has been deployed yet.");
    expect(html).not.toContain("progressbar");
  });
});

const plan: PlanPreview = {
  revision: 4,
  deployed_revision: 3,
  hosts: {
    alpha: {
      summary: {
        totals: { create: 3, update: 1, remove: 2 },
        kinds: {},
        elements: {
          web: { change: "create", create: 3, update: 0, remove: 0 },
          lan: { change: "update", create: 0, update: 1, remove: 0 },
          old: { change: "remove", create: 0, update: 0, remove: 2 },
        },
      },
      commands: ["ip netns add nl1-web", "ip link set nl1-lan mtu 1400"],
    },
    beta: {
      summary: { totals: { create: 0, update: 0, remove: 0 }, kinds: {}, elements: {} },
      commands: [],
    },
  },
  notes: [{ code: "spread", message: "web placed on alpha.", elements: ["web"], host: "alpha" }],
};

function preview(value: PlanPreview, headRevision: number): string {
  return renderToStaticMarkup(
    createElement(PlanView, {
      plan: value,
      headRevision,
      elementName: (id: string) => ({ web: "Web server" })[id],
      onDeploy: () => undefined,
      onClose: () => undefined,
    }),
  );
}

describe("plan preview", () => {
  it("lists per host what is created, changed and removed, with the commands and notes", () => {
    const html = preview(plan, 4);
    expect(html).toContain("(revision 3 deployed now)");
    expect(html).toContain("<h4>alpha</h4><p>3 to create, 1 to change, 2 to remove</p>");
    expect(html).toContain("<strong>created</strong> Web server (web)");
    expect(html).toContain("<strong>changed</strong> lan");
    expect(html).toContain("<strong>removed</strong> old");
    expect(html).toContain(
      "<details><summary>Commands (2)</summary><pre>ip netns add nl1-web\nip link set nl1-lan mtu 1400</pre></details>",
    );
    expect(html).toContain("<h4>beta</h4><p>0 to create, 0 to change, 0 to remove</p></div>");
    expect(html).toContain("<strong>alpha: </strong>web placed on alpha.");
    expect(buttons(html)).toEqual(["Deploy revision 4", "Close"]);
    expect(html).not.toContain("changed since");
  });

  it("warns of a newer head, of nothing to change and of no hosts", () => {
    expect(preview(plan, 5)).toContain("preview again to deploy revision 5");
    const idle = { ...plan, hosts: { beta: plan.hosts.beta! }, notes: [] };
    expect(preview(idle, 4)).toContain("Nothing to change on any host.");
    const none = preview({ ...plan, hosts: {}, deployed_revision: null }, 4);
    expect(none).toContain("No host is registered");
    expect(none).toContain("(nothing deployed now)");
    expect(none).toMatch(/disabled="">Deploy revision 4/);
  });
});

describe("element badges", () => {
  it("give each state a short text and its own class", () => {
    const states: ElementDeployState[] = [
      "pending",
      "creating",
      "up",
      "failed",
      "removing",
      "removed",
    ];
    const badges = states.map(elementBadge);
    expect(badges.map((b) => b.text)).toEqual([
      "waiting",
      "creating…",
      "up",
      "failed",
      "removing…",
      "removed",
    ]);
    expect(elementBadge("failed").className).toBe("deploy-badge deploy-badge-failed");
    expect(new Set(badges.map((b) => b.className)).size).toBe(states.length);
  });
});
