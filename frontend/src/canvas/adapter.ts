/**
 * The canvas adapter: turns the topology into React Flow nodes and edges, and React Flow's
 * events into store actions, and nothing else. The canvas is never read back as the truth:
 * a finished drag becomes one `move` edit, a drop from the palette one `add`, a line drawn
 * between two nodes the edit that pair means; what an edit is comes from model/.
 */
import type { Connection, Edge, EdgeChange, Node, NodeChange } from "@xyflow/react";
import type { Position, TopologyDocument } from "../generated/document";
import { removalEdit } from "../model/cascade";
import { linkEdit } from "../model/links";
import {
  elementsOf,
  type AnyElement,
  type ElementListName,
  type Operation,
} from "../model/operations";
import { addFromPalette, type Outcome, type PaletteKind } from "../model/palette";
import type { Finding } from "../model/events";
import type { UndoStore } from "../store/undo";
import type { ViewStore } from "../store/view";

/** The lists drawn as nodes; ports are drawn as edges from their device to their network. */
export const NODE_LISTS = [
  "networks",
  "segments",
  "subnets",
  "routers",
  "instances",
  "floating_ips",
] as const;
type NodeList = (typeof NODE_LISTS)[number];

export type Severity = "error" | "warning";

export interface ElementNodeData extends Record<string, unknown> {
  list: NodeList;
  label: string;
  element: AnyElement;
  severity: Severity | null;
}

const GRID = { columnWidth: 220, rowHeight: 120 };
const COLUMN: Record<NodeList, number> = {
  networks: 0,
  segments: 1,
  subnets: 1,
  routers: 2,
  instances: 3,
  floating_ips: 4,
};

/** The worst finding on each element: errors above warnings. */
export function severities(findings: readonly Finding[]): Record<string, Severity> {
  const worst: Record<string, Severity> = {};
  for (const finding of findings) {
    if (finding.severity === "info") continue;
    for (const id of finding.elements) {
      if (worst[id] !== "error") worst[id] = finding.severity;
    }
  }
  return worst;
}

export function toFlow(
  document: TopologyDocument,
  dragging: Record<string, Position>,
  selection: readonly string[],
  worst: Record<string, Severity> = {},
): { nodes: Node<ElementNodeData>[]; edges: Edge[] } {
  const positions = document.layout?.positions ?? {};
  const selected = new Set(selection);
  const nodes: Node<ElementNodeData>[] = [];
  const rows: Partial<Record<number, number>> = {};
  for (const list of NODE_LISTS) {
    for (const element of elementsOf(document, list)) {
      // Elements without a stored position get a column per kind until laid out.
      const row = rows[COLUMN[list]] ?? 0;
      rows[COLUMN[list]] = row + 1;
      const fallback = { x: COLUMN[list] * GRID.columnWidth, y: row * GRID.rowHeight };
      nodes.push({
        id: element.id,
        type: "element",
        position: dragging[element.id] ?? positions[element.id] ?? fallback,
        selected: selected.has(element.id),
        className: worst[element.id] ? `finding-${worst[element.id]}` : undefined,
        data: { list, label: labelOf(element), element, severity: worst[element.id] ?? null },
      });
    }
  }
  const drawn = new Set(nodes.map((node) => node.id));
  const edges: Edge[] = [];
  const edge = (id: string, source: unknown, target: unknown, extra: Partial<Edge> = {}) => {
    if (
      typeof source === "string" &&
      typeof target === "string" &&
      drawn.has(source) &&
      drawn.has(target)
    ) {
      edges.push({ id, source, target, selected: selected.has(id), ...extra });
    }
  };
  for (const port of elementsOf(document, "ports")) {
    edge(port.id, port.device, port.network, {
      label: labelOf(port),
      ariaLabel: `port ${labelOf(port)}`,
    });
  }
  for (const subnet of elementsOf(document, "subnets")) {
    edge(`${subnet.id}~net`, subnet.id, subnet.network, { selectable: false, type: "straight" });
  }
  for (const segment of elementsOf(document, "segments")) {
    edge(`${segment.id}~net`, segment.id, segment.network, { selectable: false, type: "straight" });
  }
  for (const router of elementsOf(document, "routers")) {
    const gateway = router.external_gateway as { network?: string } | null | undefined;
    edge(`${router.id}~gw`, router.id, gateway?.network, { selectable: false, label: "gateway" });
  }
  for (const fip of elementsOf(document, "floating_ips")) {
    const port = elementsOf(document, "ports").find((candidate) => candidate.id === fip.port);
    edge(`${fip.id}~port`, fip.id, port?.device, { selectable: false, animated: true });
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

/** Edge selection (ports) joins the node selection. */
export function onEdgesChange(changes: readonly EdgeChange[], view: ViewStore): void {
  const selection = new Set(view.getState().selection);
  let changed = false;
  for (const change of changes) {
    if (change.type !== "select") continue;
    changed = true;
    if (change.selected) selection.add(change.id);
    else selection.delete(change.id);
  }
  if (changed) view.getState().select([...selection]);
}

/** Perform an outcome, or show why it was refused; returns the new element's id, if any. */
function perform(label: string, outcome: Outcome, view: ViewStore, undo: UndoStore): string | null {
  if ("refused" in outcome) {
    view.getState().notify(outcome.refused);
    return null;
  }
  view.getState().notify(null);
  undo.getState().perform(label, outcome.ops);
  return outcome.id;
}

/** A palette item dropped (or entered) at `at`, in canvas coordinates. */
export function onPaletteDrop(
  kind: PaletteKind,
  at: Position,
  document: TopologyDocument,
  positions: Record<string, Position>,
  view: ViewStore,
  undo: UndoStore,
): void {
  const outcome = addFromPalette(document, kind, {
    at,
    selection: view.getState().selection,
    positions,
  });
  const id = perform(`add ${kind}`, outcome, view, undo);
  if (id !== null) view.getState().select([id]);
}

/** Where an element added without a drop point goes: the first spot of a grid around
 * `centre` that no node covers, so added elements do not stack on each other. */
export function freeSpot(taken: readonly Position[], centre: Position): Position {
  const size = { width: 190, height: 70 };
  for (let k = 0; ; k += 1) {
    const column = [0, 1, -1][k % 3]!;
    const spot = {
      x: centre.x - size.width / 2 + column * size.width,
      y: centre.y + Math.floor(k / 3) * size.height,
    };
    const covered = taken.some(
      (other) =>
        Math.abs(other.x - spot.x) < size.width && Math.abs(other.y - spot.y) < size.height,
    );
    if (!covered) return spot;
  }
}

/** A line drawn from one node to another. */
export function onConnect(
  connection: Connection,
  document: TopologyDocument,
  view: ViewStore,
  undo: UndoStore,
): void {
  perform("link", linkEdit(document, connection.source, connection.target), view, undo);
}

/** The Delete key: the selection and what depends on it, as one edit. */
export function onDelete(document: TopologyDocument, view: ViewStore, undo: UndoStore): void {
  const ops: Operation[] = removalEdit(document, view.getState().selection);
  if (ops.length === 0) return;
  undo.getState().perform("delete", ops);
  view.getState().select([]);
}

export type { ElementListName };
