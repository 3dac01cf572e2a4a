/**
 * Automatic layout: every drawn element placed by ELK's layered algorithm, following the same
 * links the canvas draws. Links run downwards, as the nodes' handles do (a device above the
 * networks its ports join, a floating IP above its instance); the host boxes follow their
 * instances. The result is meant to become one `move` edit, so laying out is one undoable step.
 */
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode } from "elkjs/lib/elk-api";
import type { Position, TopologyDocument } from "../generated/document";
import { toFlow } from "./adapter";
import { hostBoxes, hostKey, hostNames, isHostKey } from "./hosts";

export interface Size {
  width: number;
  height: number;
}

/** What a node measures when the canvas has not measured it (an element node's usual box). */
export const DEFAULT_NODE_SIZE: Size = { width: 190, height: 70 };

const LAYOUT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.spacing.nodeNode": "40",
  "elk.layered.spacing.nodeNodeBetweenLayers": "80",
  "elk.spacing.componentComponent": "80",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP",
  "elk.randomSeed": "1",
};

const elk = new ELK();

/** Where each drawn element goes, its top-left corner in canvas coordinates, for `sizes`
 * as measured on the canvas (elements not in `sizes` count as DEFAULT_NODE_SIZE). */
export async function autoLayout(
  document: TopologyDocument,
  sizes: Readonly<Record<string, Size>> = {},
): Promise<Record<string, Position>> {
  const { nodes, edges } = toFlow(document, {}, []);
  const graph: ElkNode = {
    id: "root",
    layoutOptions: LAYOUT_OPTIONS,
    children: nodes.map((node) => ({ id: node.id, ...(sizes[node.id] ?? DEFAULT_NODE_SIZE) })),
    edges: edges.map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
  };
  const laidOut = await elk.layout(graph);
  const positions: Record<string, Position> = {};
  for (const child of laidOut.children ?? []) {
    positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  }
  // Host boxes follow: one with instances goes just around them, an empty one into the row
  // under everything. A corner left where it was would stretch its box or lie on the layout.
  const stored = Object.keys(document.layout?.positions ?? {}).filter(isHostKey);
  const names = hostNames(
    document,
    stored.map((key) => key.slice(hostKey("").length)),
  );
  const placed = (id: string) => (isHostKey(id) ? undefined : positions[id]);
  for (const box of hostBoxes(document, names, placed, { sizeOf: (id) => sizes[id] })) {
    positions[box.key] = { x: box.x, y: box.y };
  }
  return positions;
}
