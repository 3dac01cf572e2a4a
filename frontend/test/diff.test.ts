// Comparing two revisions: every element's status, changed fields before and after, and one
// document holding both revisions for the canvas.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { compareRevisions, formatValue, type RevisionDiff } from "../src/model/diff";

const doc = (lists: Record<string, unknown>) => lists as TopologyDocument;

const older = doc({
  networks: [
    { id: "web", name: "web tier", kind: "self_service" },
    { id: "db", name: "", kind: "self_service" },
  ],
  subnets: [{ id: "web4", name: "web4", network: "web", cidr: "10.0.1.0/24" }],
  instances: [{ id: "vm1", name: "frontend" }],
  ports: [{ id: "p1", network: "db", device: "vm1" }],
  layout: {
    positions: { web: { x: 0, y: 0 }, db: { x: 0, y: 120 }, vm1: { x: 400, y: 0 } },
  },
});

const newer = doc({
  networks: [{ id: "web", name: "web tier", kind: "self_service", mtu: 1450 }],
  subnets: [{ id: "web4", name: "web4", network: "web", cidr: "10.0.2.0/24" }],
  instances: [
    { id: "vm1", name: "frontend" },
    { id: "vm2", name: "backend" },
  ],
  ports: [],
  layout: {
    positions: { web: { x: 0, y: 0 }, vm1: { x: 420, y: 0 }, vm2: { x: 400, y: 120 } },
  },
});

// designer/diff.py's answer for `older` -> `newer`, as the API sends it.
const serverDiff: RevisionDiff = {
  source: 2,
  target: 3,
  elements: [
    { op: "changed", list: "networks", id: "web", fields: { mtu: { old: null, new: 1450 } } },
    {
      op: "removed",
      list: "networks",
      id: "db",
      element: { id: "db", name: "", kind: "self_service" },
    },
    {
      op: "changed",
      list: "subnets",
      id: "web4",
      fields: { cidr: { old: "10.0.1.0/24", new: "10.0.2.0/24" } },
    },
    { op: "removed", list: "ports", id: "p1", element: { id: "p1", network: "db", device: "vm1" } },
    { op: "added", list: "instances", id: "vm2", element: { id: "vm2", name: "backend" } },
  ],
  summary: { added: 1, removed: 2, changed: 2 },
  layout: { moved: ["db", "vm1", "vm2"], groups_changed: false, viewport_changed: false },
  description_changed: false,
};

describe("compareRevisions", () => {
  it("gives every element of either revision a status", () => {
    const { statuses, counts } = compareRevisions(older, newer, serverDiff);
    expect(statuses).toEqual({
      web: "changed",
      web4: "changed",
      vm1: "unchanged",
      vm2: "added",
      db: "removed",
      p1: "removed",
    });
    expect(counts).toEqual({ added: 1, removed: 2, changed: 2, unchanged: 1 });
  });

  it("lists added, then changed, then removed elements, with each changed field", () => {
    const { changes } = compareRevisions(older, newer, serverDiff);
    expect(changes.map((c) => [c.status, c.list, c.id, c.label])).toEqual([
      ["added", "instances", "vm2", "backend"],
      ["changed", "networks", "web", "web tier"],
      ["changed", "subnets", "web4", "web4"],
      ["removed", "networks", "db", "db"],
      ["removed", "ports", "p1", "p1"],
    ]);
    expect(changes.find((c) => c.id === "web4")!.fields).toEqual([
      { field: "cidr", before: "10.0.1.0/24", after: "10.0.2.0/24" },
    ]);
    expect(changes.find((c) => c.id === "web")!.fields).toEqual([
      { field: "mtu", before: null, after: 1450 },
    ]);
    expect(changes.find((c) => c.id === "vm2")!.fields).toEqual([]);
  });

  it("draws the newer revision with the removed elements back where they were", () => {
    const { drawn } = compareRevisions(older, newer, serverDiff);
    expect(drawn.networks?.map((n) => n.id)).toEqual(["web", "db"]);
    expect(drawn.ports?.map((p) => p.id)).toEqual(["p1"]);
    expect(drawn.instances?.map((i) => i.id)).toEqual(["vm1", "vm2"]);
    expect(drawn.layout?.positions).toEqual({
      web: { x: 0, y: 0 },
      vm1: { x: 420, y: 0 },
      vm2: { x: 400, y: 120 },
      db: { x: 0, y: 120 },
    });
    // The documents compared are left as they were.
    expect(newer.networks?.map((n) => n.id)).toEqual(["web"]);
    expect(newer.layout?.positions?.db).toBeUndefined();
  });

  it("counts as moved only the elements of both revisions", () => {
    const { moved } = compareRevisions(older, newer, serverDiff);
    expect(moved).toEqual(["vm1"]);
  });

  it("draws the newer document as it is when nothing was removed", () => {
    const same: RevisionDiff = {
      ...serverDiff,
      elements: [],
      summary: { added: 0, removed: 0, changed: 0 },
      layout: { moved: [], groups_changed: false, viewport_changed: false },
      description_changed: true,
    };
    const comparison = compareRevisions(newer, newer, same);
    expect(comparison.drawn).toBe(newer);
    expect(comparison.changes).toEqual([]);
    expect(comparison.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 4 });
    expect(comparison.descriptionChanged).toBe(true);
  });

  it("draws an id that moved to another list once, as added, and lists both sides", () => {
    const network = { id: "x", name: "old x", kind: "self_service" };
    const before = doc({ networks: [network] });
    const after = doc({ instances: [{ id: "x", name: "new x" }] });
    const diff: RevisionDiff = {
      source: 1,
      target: 2,
      elements: [
        { op: "removed", list: "networks", id: "x", element: network },
        { op: "added", list: "instances", id: "x", element: { id: "x", name: "new x" } },
      ],
      summary: { added: 1, removed: 1, changed: 0 },
      layout: { moved: [], groups_changed: false, viewport_changed: false },
      description_changed: false,
    };
    const comparison = compareRevisions(before, after, diff);
    expect(comparison.statuses).toEqual({ x: "added" });
    expect(comparison.drawn.networks ?? []).toEqual([]);
    expect(comparison.changes.map((c) => [c.status, c.label])).toEqual([
      ["added", "new x"],
      ["removed", "old x"],
    ]);
  });
});

describe("formatValue", () => {
  it("shows text as it is, nothing as a dash and the rest as JSON", () => {
    expect(formatValue("10.0.0.0/24")).toBe("10.0.0.0/24");
    expect(formatValue("")).toBe('""');
    expect(formatValue(null)).toBe("—");
    expect(formatValue(undefined)).toBe("—");
    expect(formatValue(1450)).toBe("1450");
    expect(formatValue(false)).toBe("false");
    expect(formatValue([{ subnet: "s", ip_address: "10.0.0.5" }])).toBe(
      '[{"subnet":"s","ip_address":"10.0.0.5"}]',
    );
  });
});
