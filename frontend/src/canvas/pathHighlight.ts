/**
 * A connectivity result's predicted path drawn on the canvas: its elements and the lines
 * between consecutive ones, green when the probe got through and red when it did not. The
 * path names routed-graph elements (instances, subnets, networks, routers) while the canvas
 * draws ports as lines to networks, so two consecutive elements with no line between them are
 * joined through the layer-2 domain (network or segment) both have a line to: a router and a
 * subnet through the subnet's network, an instance and its subnet through the network. A
 * result whose ends the design joins by nothing has no path: its two ends are marked.
 */
import type { Edge, Node } from "@xyflow/react";

export type PathTone = "reachable" | "blocked";

export interface PathHighlight {
  tone: PathTone;
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
}

/** The class a highlighted node or line gets. */
export const pathClass = (tone: PathTone): string => `path-${tone}`;

export function pathHighlight(
  result: { source: string; target: string; path: readonly string[]; reachable: boolean },
  edges: readonly Edge[],
  /** The networks and segments: the elements a pair of path elements may be joined through. */
  domains: ReadonlySet<string>,
): PathHighlight {
  const lines = new Map<string, Edge[]>();
  const ids = new Set(edges.map((edge) => edge.id));
  for (const edge of edges) {
    (lines.get(edge.source) ?? lines.set(edge.source, []).get(edge.source)!).push(edge);
    (lines.get(edge.target) ?? lines.set(edge.target, []).get(edge.target)!).push(edge);
  }
  const other = (edge: Edge, end: string) => (edge.source === end ? edge.target : edge.source);
  const between = (a: string, b: string) =>
    (lines.get(a) ?? []).filter((edge) => other(edge, a) === b);

  const nodes = new Set<string>();
  const marked = new Set<string>();
  // A port in the path is drawn as its line; the elements on either side of it still join.
  const path = result.path.length > 0 ? result.path : [result.source, result.target];
  const elements = path.filter((id) => {
    if (!ids.has(id)) return true;
    marked.add(id);
    return false;
  });
  elements.forEach((id) => lines.has(id) && nodes.add(id));
  for (let i = 0; i + 1 < elements.length; i += 1) {
    const [a, b] = [elements[i]!, elements[i + 1]!];
    const direct = between(a, b);
    if (direct.length > 0) {
      direct.forEach((edge) => marked.add(edge.id));
      continue;
    }
    for (const first of lines.get(a) ?? []) {
      const via = other(first, a);
      if (!domains.has(via)) continue;
      const second = between(via, b);
      if (second.length === 0) continue;
      nodes.add(via);
      marked.add(first.id);
      second.forEach((edge) => marked.add(edge.id));
    }
  }
  return { tone: result.reachable ? "reachable" : "blocked", nodes, edges: marked };
}

function withClass(className: string | undefined, added: string): string {
  return className ? `${className} ${added}` : added;
}

/** `nodes`, those on the path given the path's class; the others unchanged. */
export function highlightNodes(nodes: Node[], highlight: PathHighlight | null): Node[] {
  if (highlight === null || highlight.nodes.size === 0) return nodes;
  const added = pathClass(highlight.tone);
  return nodes.map((node) =>
    highlight.nodes.has(node.id) ? { ...node, className: withClass(node.className, added) } : node,
  );
}

/** `edges`, those on the path given the path's class; the others unchanged. */
export function highlightEdges(edges: Edge[], highlight: PathHighlight | null): Edge[] {
  if (highlight === null || highlight.edges.size === 0) return edges;
  const added = pathClass(highlight.tone);
  return edges.map((edge) =>
    highlight.edges.has(edge.id) ? { ...edge, className: withClass(edge.className, added) } : edge,
  );
}
