// Drift in the editor: the deploy store keeps the report of the deployed attempt from `drift`
// events and REST details (newer reports win, a newer attempt finishing makes it history), the
// canvas badges show drifted and missing elements (a port's on its device), and the panel
// lists the drifted objects with "Check now" and "Repair" for editors only.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { DeploymentDetail } from "../src/api/deployments";
import type { TopologyDocument } from "../src/generated/document";
import { DeployPanel, elementBadge, observedAttempt } from "../src/editor/DeployPanel";
import { deployBadges } from "../src/model/badges";
import type { Deployment, DriftEvent, DriftItem, DriftReport } from "../src/model/events";
import { createDeployStore } from "../src/store/deploy";

function deployment(id: number, overrides: Partial<Deployment> = {}): Deployment {
  return {
    id,
    action: "deploy",
    state: "deployed",
    revision: 3,
    progress: 100,
    hosts: { alpha: { done: 9, total: 9, state: "done" } },
    error: "",
    requested_by: { id: 1, name: "alice" },
    started_at: "2026-01-01T10:00:00+00:00",
    finished_at: "2026-01-01T10:00:09+00:00",
    ...overrides,
  };
}

const VETH: DriftItem = {
  host: "compute-1",
  element: "p1",
  object: "veth nl0001t1a2b3c4d5",
  change: "missing",
  detail: "not found on the host",
};
const DNSMASQ: DriftItem = {
  host: "network-1",
  element: "lan",
  object: "dnsmasq on nl0001p9z8y7x6w5 in nl0001-d-0123456789",
  change: "missing",
  detail: "not running",
};

function report(second: number, items: DriftItem[] = [VETH, DNSMASQ]): DriftReport {
  const elements: DriftReport["elements"] = {};
  for (const item of items) if (item.element !== null) elements[item.element] = "missing";
  if (items.includes(DNSMASQ)) elements.lan = "changed";
  return {
    checked_at: `2026-01-01T10:01:${String(second).padStart(2, "0")}+00:00`,
    elements,
    items,
  };
}

function drift(id: number, second: number, items?: DriftItem[]): DriftEvent {
  return { type: "drift", deployment: id, revision: 3, drift: report(second, items) };
}

function detail(id: number, overrides: Partial<DeploymentDetail> = {}): DeploymentDetail {
  return { ...deployment(id), elements: { lan: "up", vm1: "up" }, log: [], ...overrides };
}

describe("drift in the deploy store", () => {
  it("takes a drift event, and a newer report of the same attempt over an older one", () => {
    const store = createDeployStore(detail(4));
    expect(store.getState().drift).toBeNull();
    store.getState().applyDrift(drift(4, 10));
    expect(store.getState().drift).toMatchObject({ deployment: 4, revision: 3 });
    expect(store.getState().drift?.items).toEqual([VETH, DNSMASQ]);
    store.getState().applyDrift(drift(4, 20, []));
    expect(store.getState().drift?.items).toEqual([]);
    // An answer overtaken by a later check changes nothing.
    store.getState().applyDrift(drift(4, 15));
    expect(store.getState().drift?.items).toEqual([]);
  });

  it("reads the report of a deployed attempt from its REST detail, not from others", () => {
    const store = createDeployStore();
    store.getState().load(detail(4, { drift: report(10) }));
    expect(store.getState().drift?.deployment).toBe(4);
    expect(store.getState().deployment).not.toHaveProperty("drift");
    // A socket report newer than the REST answer stays.
    store.getState().applyDrift(drift(4, 30, []));
    store.getState().load(detail(4, { drift: report(10) }));
    expect(store.getState().drift?.items).toEqual([]);
    const never = createDeployStore(
      detail(5, { drift: { checked_at: null, elements: {}, items: [] } }),
    );
    expect(never.getState().drift).toBeNull();
  });

  it("keeps the report while a newer attempt is under way or failed, drops it once one finishes", () => {
    const store = createDeployStore(detail(4));
    store.getState().applyDrift(drift(4, 10));
    const repair = (state: Deployment["state"]) => ({
      type: "deployment" as const,
      deployment: deployment(5, { state }),
      elements: {},
      log: [],
    });
    store.getState().apply(repair("applying"));
    expect(store.getState().drift?.deployment).toBe(4);
    store.getState().apply(repair("failed"));
    expect(store.getState().drift?.deployment).toBe(4);
    store.getState().apply(repair("deployed"));
    expect(store.getState().drift).toBeNull();
    // A late report of the replaced attempt is not taken; the new attempt's is.
    store.getState().applyDrift(drift(4, 40));
    expect(store.getState().drift).toBeNull();
    store.getState().applyDrift(drift(5, 50, []));
    expect(store.getState().drift?.deployment).toBe(5);
  });

  it("drops the report when the topology is destroyed", () => {
    const store = createDeployStore(detail(4));
    store.getState().applyDrift(drift(4, 10));
    store.getState().load(detail(6, { action: "destroy", state: "destroyed", revision: null }));
    expect(store.getState().drift).toBeNull();
  });
});

describe("drift badges on the canvas", () => {
  const document = {
    ports: [{ id: "p1", network: "lan", device: "vm1", fixed_ips: [] }],
  } as unknown as TopologyDocument;

  it("shows drifted and missing elements over up, and a port's drift on its device", () => {
    const badges = deployBadges(document, { lan: "up", vm1: "up", r1: "up" }, report(10));
    expect(badges).toEqual({ lan: "drifted", vm1: "drifted", p1: "missing", r1: "up" });
    expect(deployBadges(document, { lan: "up" }, null)).toEqual({ lan: "up" });
  });

  it("lets an attempt at work on an element say so, and an element's own loss win", () => {
    const missingVm = {
      ...report(10),
      elements: { vm1: "missing" as const, p1: "missing" as const },
    };
    expect(deployBadges(document, { vm1: "up" }, missingVm).vm1).toBe("missing");
    expect(deployBadges(document, { lan: "creating", vm1: "creating" }, report(10))).toMatchObject({
      lan: "creating",
      vm1: "creating",
    });
  });

  it("gives the drift states a text and a class of their own", () => {
    expect(elementBadge("drifted")).toEqual({
      text: "drifted",
      className: "deploy-badge deploy-badge-drifted",
    });
    expect(elementBadge("missing").className).toBe("deploy-badge deploy-badge-missing");
  });
});

describe("drift in the deployment panel", () => {
  function panel(canEdit: boolean, share?: string, withDrift = true): string {
    // Rendered on the server, a store shows its initial state: the detail carries the report.
    const store = createDeployStore(detail(4, withDrift ? { drift: report(10) } : {}));
    return renderToStaticMarkup(
      createElement(DeployPanel, {
        topologyId: 1,
        share,
        canEdit,
        store,
        headRevision: 3,
        elementName: (id: string) => (id === "p1" ? "web port" : undefined),
      }),
    );
  }

  it("lists the drifted objects with host, element and detail, and the time of the check", () => {
    const html = panel(false);
    expect(html).toContain('aria-label="Drift"');
    expect(html).toContain("veth nl0001t1a2b3c4d5");
    expect(html).toContain("on compute-1 (web port, p1): not found on the host");
    expect(html).toContain("dnsmasq on nl0001p9z8y7x6w5");
    expect(html).toContain('dateTime="2026-01-01T10:01:10+00:00"');
  });

  it("offers Check now and Repair to editors only", () => {
    expect(panel(true)).toContain("Check now");
    expect(panel(true)).toContain("Repair (deploy revision 3 again)");
    for (const html of [panel(false), panel(true, "token")]) {
      expect(html).not.toContain("Check now");
      expect(html).not.toContain("Repair");
    }
  });

  it("says when nothing was checked yet, and offers no repair without drift", () => {
    const html = panel(true, undefined, false);
    expect(html).toContain("Not checked yet.");
    expect(html).toContain("Check now");
    expect(html).not.toContain("Repair");
  });

  it("checks the attempt the report is of, or a deployed newest attempt", () => {
    const shown = { ...report(10), deployment: 4, revision: 3 };
    expect(observedAttempt(deployment(7, { state: "failed" }), shown)).toEqual({
      id: 4,
      revision: 3,
    });
    expect(observedAttempt(deployment(7), null)).toEqual({ id: 7, revision: 3 });
    expect(observedAttempt(deployment(7, { state: "applying" }), null)).toBeNull();
    expect(observedAttempt(null, null)).toBeNull();
  });
});
