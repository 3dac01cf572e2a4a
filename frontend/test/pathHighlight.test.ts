// A connectivity result's path on the canvas: the nodes on it and the lines between consecutive
// elements, joined through a network where the path names a subnet the canvas draws apart,
// green or red, and nothing else touched.
import { describe, expect, it } from "vitest";
import { toEdges, toNodes } from "../src/canvas/adapter";
import { highlightEdges, highlightNodes, pathHighlight } from "../src/canvas/pathHighlight";
import type { TopologyDocument } from "../src/generated/document";

// web (lan) -- r1 -- db (dmz); cache on an isolated network.
const document = {
  networks: [
    { id: "lan", kind: "self_service" },
    { id: "dmz", kind: "self_service" },
    { id: "iso", kind: "self_service" },
  ],
  subnets: [
    { id: "lan4", network: "lan", cidr: "10.1.0.0/24" },
    { id: "dmz4", network: "dmz", cidr: "10.2.0.0/24" },
    { id: "iso4", network: "iso", cidr: "10.3.0.0/24" },
  ],
  routers: [{ id: "r1", name: "edge" }],
  instances: [
    { id: "web", name: "web", kind: "vm" },
    { id: "db", name: "db", kind: "vm" },
    { id: "cache", name: "cache", kind: "vm" },
  ],
  ports: [
    { id: "p-web", network: "lan", device: "web" },
    { id: "p-db", network: "dmz", device: "db" },
    { id: "p-cache", network: "iso", device: "cache" },
    { id: "p-r1-lan", network: "lan", device: "r1" },
    { id: "p-r1-dmz", network: "dmz", device: "r1" },
  ],
} as unknown as TopologyDocument;

const edges = toEdges(document, []);
const domains = new Set(["lan", "dmz", "iso"]);
const ends = { source: "web", target: "db" };
const sorted = (set: ReadonlySet<string>) => [...set].sort();

describe("path highlight", () => {
  it("marks the path's nodes and the lines between consecutive elements", () => {
    const path = ["web", "lan", "r1", "dmz", "db"];
    const shown = pathHighlight({ ...ends, path, reachable: true }, edges, domains);
    expect(shown.tone).toBe("reachable");
    expect(sorted(shown.nodes)).toEqual(["db", "dmz", "lan", "r1", "web"]);
    expect(sorted(shown.edges)).toEqual(["p-db", "p-r1-dmz", "p-r1-lan", "p-web"]);
  });

  it("joins a subnet to its neighbours through its network", () => {
    const path = ["web", "lan4", "r1", "dmz4", "db"];
    const shown = pathHighlight({ ...ends, path, reachable: false }, edges, domains);
    expect(shown.tone).toBe("blocked");
    expect(sorted(shown.nodes)).toEqual(["db", "dmz", "dmz4", "lan", "lan4", "r1", "web"]);
    expect(sorted(shown.edges)).toEqual([
      "dmz4~net",
      "lan4~net",
      "p-db",
      "p-r1-dmz",
      "p-r1-lan",
      "p-web",
    ]);
  });

  it("draws a port named in the path as its line", () => {
    const shown = pathHighlight(
      { ...ends, path: ["web", "p-web", "lan", "p-r1-lan", "r1"], reachable: true },
      edges,
      domains,
    );
    expect(sorted(shown.edges)).toEqual(["p-r1-lan", "p-web"]);
    expect(sorted(shown.nodes)).toEqual(["lan", "r1", "web"]);
  });

  it("joins only through networks, and marks no line where the path has a gap", () => {
    // No line joins web and cache, not even through one network: only their own nodes.
    const shown = pathHighlight(
      { ...ends, path: ["web", "cache"], reachable: false },
      edges,
      domains,
    );
    expect(sorted(shown.nodes)).toEqual(["cache", "web"]);
    expect(shown.edges.size).toBe(0);
    // A router is not a network: two subnets are not joined through it.
    const through = pathHighlight(
      { ...ends, path: ["lan", "dmz"], reachable: true },
      edges,
      new Set(),
    );
    expect(through.edges.size).toBe(0);
    // An element the canvas does not draw is skipped.
    const unknown = pathHighlight(
      { ...ends, path: ["web", "gone"], reachable: true },
      edges,
      domains,
    );
    expect(sorted(unknown.nodes)).toEqual(["web"]);
  });

  it("adds the tone's class to the nodes and lines on the path, and leaves the rest", () => {
    const nodes = toNodes(document, {}, [], { web: "error" });
    const shown = pathHighlight(
      { ...ends, path: ["web", "lan", "r1"], reachable: true },
      edges,
      domains,
    );
    const drawn = highlightNodes(nodes, shown);
    const classOf = (id: string) => drawn.find((node) => node.id === id)!.className;
    expect(classOf("web")).toBe("finding-error path-reachable");
    expect(classOf("lan")).toBe("path-reachable");
    expect(classOf("db")).toBeUndefined();
    expect(drawn.find((node) => node.id === "db")).toBe(nodes.find((node) => node.id === "db"));
    const lines = highlightEdges(edges, shown);
    expect(lines.filter((edge) => edge.className).map((edge) => [edge.id, edge.className])).toEqual(
      [
        ["p-web", "path-reachable"],
        ["p-r1-lan", "path-reachable"],
      ],
    );
    const blocked = pathHighlight(
      { ...ends, path: ["web", "lan"], reachable: false },
      edges,
      domains,
    );
    expect(highlightEdges(edges, blocked).find((e) => e.id === "p-web")!.className).toBe(
      "path-blocked",
    );
  });

  it("marks the two ends of a result the design joins by nothing", () => {
    const shown = pathHighlight(
      { source: "web", target: "cache", path: [], reachable: false },
      edges,
      domains,
    );
    expect(sorted(shown.nodes)).toEqual(["cache", "web"]);
    expect(shown.edges.size).toBe(0);
  });

  it("changes nothing when no result is picked", () => {
    const nodes = toNodes(document, {}, []);
    expect(highlightNodes(nodes, null)).toBe(nodes);
    expect(highlightEdges(edges, null)).toBe(edges);
  });
});
