/**
 * The canvas adapter: turns the topology into React Flow nodes and edges, and React Flow's
 * events into store actions, and nothing else. The canvas is never read back as the truth:
 * a finished drag becomes one `move` edit on the document.
 */
import type { Edge, Node, NodeChange } from "@xyflow/react";
import type { TopologyDocument } from "../generated/document";
import { elementsOf, type AnyElement, type ElementListName } from "../model/operations";
import type { UndoStore } from "../store/undo";
import type { ViewStore } from "../store/view";

/** The lists drawn as nodes; ports are drawn as edges from their device to their network. */
export const NODE_LISTS = ["networks", "subnets", "routers", "instances"] as const;
type NodeList = (typeof NODE_LISTS)[number];

export interface ElementNodeData extends Record<string, unknown> {
  list: NodeList;
  label: string;
  element: AnyElement;
}

const GRID = { columnWidth: 220, rowHeight: 120 };
const COLUMN: Record<NodeList, number> = { networks: 0, subnets: 1, routers: 2, instances: 3 };

export function toFlow(
  document: TopologyDocument,
  dragging: Record<string, { x: number; y: number }>,
  selection: readonly string[],
): { nodes: Node<ElementNodeData>[]; edges: Edge[] } {
  const positions = document.layout?.positions ?? {};
  const selected = new Set(selection);
  const nodes: Node<ElementNodeData>[] = [];
  for (const list of NODE_LISTS) {
    elementsOf(document, list).forEach((element, row) => {
      // Elements without a stored position get a column per kind until laid out.
      const fallback = { x: COLUMN[list] * GRID.columnWidth, y: row * GRID.rowHeight };
      nodes.push({
        id: element.id,
        type: "default",
        position: dragging[element.id] ?? positions[element.id] ?? fallback,
        selected: selected.has(element.id),
        data: { list, label: labelOf(element), element },
      });
    });
  }
  const drawn = new Set(nodes.map((node) => node.id));
  const edges: Edge[] = [];
  for (const port of elementsOf(document, "ports")) {
    const device = port.device;
    const network = port.network;
    if (typeof device === "string" && typeof network === "string") {
      if (drawn.has(device) && drawn.has(network)) {
        edges.push({ id: port.id, source: device, target: network, label: labelOf(port) });
      }
    }
  }
  for (const subnet of elementsOf(document, "subnets")) {
    if (typeof subnet.network === "string" && drawn.has(subnet.network)) {
      edges.push({ id: `${subnet.id}~net`, source: subnet.id, target: subnet.network });
    }
  }
  return { nodes, edges };
}

function labelOf(element: AnyElement): string {
  const name = typeof element.name === "string" && element.name !== "" ? element.name : element.id;
  return typeof element.cidr === "string" ? `${name} ${element.cidr}` : name;
}

/** React Flow's node changes, as store actions: drags into the view state until they end,
 * then one undoable move; selection into the view state. */
export function onNodesChange(
  changes: readonly NodeChange[],
  view: ViewStore,
  undo: UndoStore | null,
): void {
  let dragEnded = false;
  let selection: Set<string> | null = null;
  for (const change of changes) {
    if (change.type === "position") {
      if (change.position) view.getState().dragTo(change.id, change.position);
      if (change.dragging === false) dragEnded = true;
    } else if (change.type === "select") {
      selection ??= new Set(view.getState().selection);
      if (change.selected) selection.add(change.id);
      else selection.delete(change.id);
    }
  }
  if (selection !== null) view.getState().select([...selection]);
  if (dragEnded) {
    const positions = view.getState().endDrag();
    if (undo !== null && Object.keys(positions).length > 0) {
      undo.getState().perform("move", [{ op: "move", positions }]);
    }
  }
}

export type { ElementListName };
