// Automatic layout: every drawn element placed, no two boxes on each other, the same answer
// every time, and a large topology in reasonable time.
import { describe, expect, it } from "vitest";
import { autoLayout, DEFAULT_NODE_SIZE, type Size } from "../src/canvas/layout";
import { NODE_LISTS } from "../src/canvas/adapter";
import { hostBoxes } from "../src/canvas/hosts";
import type { Position, TopologyDocument } from "../src/generated/document";
import { applyOperations, elementsOf } from "../src/model/operations";

/** A campus of `sites` sites: per site a network with a subnet, a router joining it to the
 * shared external network, `perSite` instances on it, and a floating IP on the first. */
function campus(sites: number, perSite: number): TopologyDocument {
  const document = {
    networks: [
      { id: "ext", kind: "provider", name: "ext", physical_network: "physnet1", external: true },
    ],
    subnets: [] as object[],
    segments: [{ id: "seg", network: "rp", physical_network: "physnet1", network_type: "vlan" }],
    ports: [] as object[],
    instances: [] as object[],
    routers: [] as object[],
    floating_ips: [] as object[],
  };
  document.networks.push({ id: "rp", kind: "routed_provider", name: "rp" } as never);
  for (let s = 0; s < sites; s += 1) {
    document.networks.push({ id: `n${s}`, kind: "self_service", name: `site ${s}` } as never);
    document.subnets.push({ id: `s${s}`, network: `n${s}`, cidr: `10.${s}.0.0/24` });
    document.routers.push({ id: `r${s}`, external_gateway: { network: "ext", fixed_ips: [] } });
    document.ports.push({ id: `rp${s}`, network: `n${s}`, device: `r${s}`, fixed_ips: [] });
    for (let i = 0; i < perSite; i += 1) {
      document.instances.push({ id: `vm${s}x${i}`, name: `vm ${s}.${i}` });
      document.ports.push({ id: `p${s}x${i}`, network: `n${s}`, device: `vm${s}x${i}` });
    }
    document.floating_ips.push({ id: `f${s}`, network: "ext", port: `p${s}x0` });
  }
  return document as TopologyDocument;
}

function drawnIds(document: TopologyDocument): string[] {
  return NODE_LISTS.flatMap((list) => elementsOf(document, list).map((element) => element.id));
}

function overlapping(positions: Record<string, Position>, sizes: Record<string, Size>): string[] {
  const boxes = Object.entries(positions).map(([id, at]) => ({
    id,
    ...at,
    ...(sizes[id] ?? DEFAULT_NODE_SIZE),
  }));
  boxes.sort((a, b) => a.x - b.x);
  const pairs: string[] = [];
  for (let i = 0; i < boxes.length; i += 1) {
    const a = boxes[i]!;
    for (let j = i + 1; j < boxes.length && boxes[j]!.x < a.x + a.width; j += 1) {
      const b = boxes[j]!;
      if (b.y < a.y + a.height && a.y < b.y + b.height) pairs.push(`${a.id}/${b.id}`);
    }
  }
  return pairs;
}

describe("autoLayout", () => {
  it("places every drawn element, and no two boxes overlap", async () => {
    const document = campus(3, 4);
    const sizes = { ext: { width: 300, height: 90 }, vm0x0: { width: 240, height: 70 } };
    const positions = await autoLayout(document, sizes);
    expect(Object.keys(positions).sort()).toEqual(drawnIds(document).sort());
    expect(overlapping(positions, sizes)).toEqual([]);
    for (const spot of Object.values(positions)) {
      expect(Number.isInteger(spot.x) && Number.isInteger(spot.y)).toBe(true);
    }
  });

  it("lays links out downwards: a device above its network, a floating IP above its instance", async () => {
    const positions = await autoLayout(campus(2, 2));
    expect(positions.vm0x1!.y).toBeLessThan(positions.n0!.y);
    expect(positions.r1!.y).toBeLessThan(positions.ext!.y);
    expect(positions.f0!.y).toBeLessThan(positions.vm0x0!.y);
    expect(positions.s0!.y).toBeLessThan(positions.n0!.y);
  });

  it("gives the same answer for the same document", async () => {
    const document = campus(4, 3);
    expect(await autoLayout(document)).toEqual(await autoLayout(structuredClone(document)));
  });

  it("becomes one move edit that applies", async () => {
    const document = campus(2, 2);
    const positions = await autoLayout(document);
    const moved = applyOperations(document, [{ op: "move", positions }]);
    expect(moved.layout?.positions).toEqual(positions);
  });

  it("moves the host boxes along: around their instances, an empty one under everything", async () => {
    const document = campus(2, 2);
    (document.instances![0] as { host?: string }).host = "compute-1";
    (document.instances![1] as { host?: string }).host = "compute-1";
    // Corners where an earlier layout left them, far from where the elements go now.
    document.layout = {
      positions: { "host:compute-1": { x: 5000, y: 5000 }, "host:spare": { x: 0, y: 0 } },
    };
    const positions = await autoLayout(document);
    const names = ["compute-1", "spare"];
    const [pinned, spare] = hostBoxes(document, names, (id) => positions[id]);
    expect(positions["host:compute-1"]).toEqual({ x: pinned!.x, y: pinned!.y });
    // Just around its two instances, not stretched to where its corner was.
    const members = ["vm0x0", "vm0x1"].map((id) => positions[id]!);
    expect(pinned!.x).toBeLessThanOrEqual(Math.min(...members.map((at) => at.x)));
    expect(pinned!.x + pinned!.width).toBeLessThan(5000);
    expect(pinned!.y + pinned!.height).toBeLessThan(5000);
    const lowest = Math.max(...drawnIds(document).map((id) => positions[id]!.y));
    expect(spare!.y).toBeGreaterThan(lowest);
    expect(positions["host:spare"]).toEqual({ x: spare!.x, y: spare!.y });
  });

  it("lays out an empty document as nothing", async () => {
    expect(await autoLayout({})).toEqual({});
  });

  it("lays out a thousand elements", async () => {
    const document = campus(50, 9); // 52 networks, 50 subnets, 1 segment, 500 ports, 450 vms...
    const count = drawnIds(document).length + elementsOf(document, "ports").length;
    expect(count).toBeGreaterThanOrEqual(1000);
    const started = performance.now();
    const positions = await autoLayout(document);
    const took = performance.now() - started;
    console.log(`autoLayout: ${count} elements in ${Math.round(took)} ms`);
    expect(Object.keys(positions)).toHaveLength(drawnIds(document).length);
    expect(overlapping(positions, {})).toEqual([]);
  }, 60_000);
});
