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
import type { Badges, DeployBadge, MemberBadge, VrrpBadge } from "../model/badges";
import type { Finding, PresenceClient } from "../model/events";
import {
  centreOf,
  hostAt,
  hostBoxes,
  hostKey,
  isHostKey,
  NODE_SIZE,
  type BoxOptions,
  type HostBox,
} from "./hosts";
import type { UndoStore } from "../store/undo";
import type { Size, ViewStore } from "../store/view";

/** The lists drawn as nodes; ports are drawn as edges from their device to their network. */
export const NODE_LISTS = [
  "networks",
  "segments",
  "subnets",
  "routers",
  "instances",
  "floating_ips",
  "load_balancers",
] as const;
type NodeList = (typeof NODE_LISTS)[number];

export type Severity = "error" | "warning";

/** Another person here, shown around the elements they have selected. */
export interface PresenceMark {
  name: string;
  color: string;
}

export interface ElementNodeData extends Record<string, unknown> {
  list: NodeList;
  label: string;
  element: AnyElement;
  severity: Severity | null;
  /** The element's addresses (fixed and floating IPs, gateway, VLAN or VNI). */
  badge: readonly string[];
  /** Who else has it selected. */
  presence: readonly PresenceMark[];
  /** Where the latest deploy or destroy has got with it, if it touched it, or how it has
   * drifted since. */
  deploy: DeployBadge | null;
  /** An HA router's instances: which host's is master and which are backups. */
  vrrp: readonly VrrpBadge[];
  /** A deployed load balancer's members, each up or down. */
  members: readonly MemberBadge[];
}

export interface HostNodeData extends Record<string, unknown> {
  name: string;
  members: number;
  /** An instance being dragged would be pinned here if dropped now. */
  dropTarget: boolean;
}

/** What the canvas shows beside the document: computed once per change, not per frame. */
export interface FlowContext {
  badges?: Badges;
  /** The hosts drawn as boxes (see hosts.ts). */
  hosts?: readonly string[];
  presence?: Readonly<Record<string, readonly PresenceMark[]>>;
  deploy?: Readonly<Record<string, DeployBadge>>;
  vrrp?: Readonly<Record<string, readonly VrrpBadge[]>>;
  members?: Readonly<Record<string, readonly MemberBadge[]>>;
  /** Node sizes as measured by the browser (React Flow forgets them on a new node object). */
  sizes?: Readonly<Record<string, Size>>;
}

/** The other people's selections, by element: the outline each element gets. */
export function presenceMarks(
  clients: readonly PresenceClient[],
  self: string | null,
): Record<string, PresenceMark[]> {
  const marks: Record<string, PresenceMark[]> = {};
  for (const client of clients) {
    if (client.client_id === self) continue;
    const mark = { name: client.user?.name ?? "guest", color: client.color };
    for (const id of client.selection) (marks[id] ??= []).push(mark);
  }
  return marks;
}

const NO_LINES: readonly string[] = [];
const NO_MARKS: readonly PresenceMark[] = [];
const NO_INSTANCES: readonly VrrpBadge[] = [];
const NO_MEMBERS: readonly MemberBadge[] = [];
const ORIGIN: Position = { x: 0, y: 0 };

const GRID = { columnWidth: 220, rowHeight: 120, minRows: 12 };
/** The group of columns each kind is drawn in until laid out. */
const COLUMN: Record<NodeList, number> = {
  networks: 0,
  segments: 1,
  subnets: 1,
  routers: 2,
  instances: 3,
  floating_ips: 4,
  load_balancers: 2,
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
  context: FlowContext = {},
): { nodes: Node[]; edges: Edge[] } {
  return {
    nodes: toNodes(document, dragging, selection, worst, context),
    edges: toEdges(document, selection),
  };
}

/** The nodes: host boxes first (under the rest), then every element drawn as a box. */
export function toNodes(
  document: TopologyDocument,
  dragging: Record<string, Position>,
  selection: readonly string[],
  worst: Record<string, Severity> = {},
  context: FlowContext = {},
): Node[] {
  const resting = restingPositions(document);
  const positionOf = (id: string) => dragging[id] ?? resting(id);
  const selected = new Set(selection);
  const sizeOf = (id: string) => context.sizes?.[id];
  const boxOptions = { sizeOf, restingOf: resting };
  const nodes: Node[] = hostNodes(document, dragging, positionOf, boxOptions, context.hosts ?? []);
  for (const list of NODE_LISTS) {
    for (const element of elementsOf(document, list)) {
      const data: ElementNodeData = {
        list,
        label: labelOf(element),
        element,
        severity: worst[element.id] ?? null,
        badge: context.badges?.[element.id] ?? NO_LINES,
        presence: context.presence?.[element.id] ?? NO_MARKS,
        deploy: context.deploy?.[element.id] ?? null,
        vrrp: context.vrrp?.[element.id] ?? NO_INSTANCES,
        members: context.members?.[element.id] ?? NO_MEMBERS,
      };
      nodes.push({
        id: element.id,
        type: "element",
        position: positionOf(element.id) ?? ORIGIN,
        // Until measured (or when off screen and not drawn), a node is this big.
        initialWidth: NODE_SIZE.width,
        initialHeight: NODE_SIZE.height,
        measured: context.sizes?.[element.id],
        selected: selected.has(element.id),
        className: worst[element.id] ? `finding-${worst[element.id]}` : undefined,
        data,
      });
    }
  }
  return nodes;
}

/** Where an element or a host box's corner is drawn when not dragged: where the layout puts
 * it, or for an element it does not place, its cell of the fallback grid. */
function restingPositions(document: TopologyDocument): (id: string) => Position | undefined {
  const stored = document.layout?.positions ?? {};
  const spots = fallbackGrid(document);
  return (id) => stored[id] ?? spots.get(id);
}

/** The cells elements without a stored position are drawn in until laid out: a group of
 * columns per kind, each column at most as many rows as keep the whole about as high as
 * wide. The n-th element of a kind takes the n-th cell of its group whether or not it has a
 * stored position, so placing one element moves no other. */
function fallbackGrid(document: TopologyDocument): Map<string, Position> {
  const counts = new Array<number>(Math.max(...Object.values(COLUMN)) + 1).fill(0);
  for (const list of NODE_LISTS) {
    counts[COLUMN[list]] = (counts[COLUMN[list]] ?? 0) + elementsOf(document, list).length;
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  const rows = Math.max(
    GRID.minRows,
    Math.ceil(Math.sqrt((total * GRID.columnWidth) / GRID.rowHeight)),
  );
  // Each group starts right of the one before, with at least one column for itself.
  const firstColumn = counts.map((_, group) =>
    counts.slice(0, group).reduce((sum, count) => sum + Math.max(1, Math.ceil(count / rows)), 0),
  );
  const taken = counts.map(() => 0);
  const spots = new Map<string, Position>();
  for (const list of NODE_LISTS) {
    const group = COLUMN[list];
    for (const element of elementsOf(document, list)) {
      const cell = taken[group]!;
      taken[group] = cell + 1;
      const column = firstColumn[group]! + Math.floor(cell / rows);
      spots.set(element.id, { x: column * GRID.columnWidth, y: (cell % rows) * GRID.rowHeight });
    }
  }
  return spots;
}

/** The lines: ports from their device to their network, and the membership lines (subnet and
 * segment to network, gateway, floating IP to instance). They do not depend on positions, so
 * a drag does not rebuild them. `labels`: name the ports and gateways (worth it only when
 * zoomed in close enough to read them; a selected port is always named). */
export function toEdges(
  document: TopologyDocument,
  selection: readonly string[],
  labels = true,
): Edge[] {
  const selected = new Set(selection);
  const drawn = new Set(NODE_LISTS.flatMap((list) => elementsOf(document, list).map((e) => e.id)));
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
  // Lines that cannot be selected need no invisible area to catch the pointer.
  const membership: Partial<Edge> = { selectable: false, interactionWidth: 0 };
  const deviceOfPort = new Map<string, unknown>();
  for (const port of elementsOf(document, "ports")) {
    deviceOfPort.set(port.id, port.device);
    const named = labels || selected.has(port.id);
    edge(port.id, port.device, port.network, {
      label: named ? labelOf(port) : undefined,
      ariaLabel: `port ${labelOf(port)}`,
    });
  }
  for (const subnet of elementsOf(document, "subnets")) {
    edge(`${subnet.id}~net`, subnet.id, subnet.network, { ...membership, type: "straight" });
  }
  for (const segment of elementsOf(document, "segments")) {
    edge(`${segment.id}~net`, segment.id, segment.network, { ...membership, type: "straight" });
  }
  for (const router of elementsOf(document, "routers")) {
    const gateway = router.external_gateway as { network?: string } | null | undefined;
    edge(`${router.id}~gw`, router.id, gateway?.network, {
      ...membership,
      label: labels ? "gateway" : undefined,
    });
  }
  for (const fip of elementsOf(document, "floating_ips")) {
    const device = typeof fip.port === "string" ? deviceOfPort.get(fip.port) : undefined;
    // Dashed, not animated: an animated line repaints its whole area on every frame.
    edge(`${fip.id}~port`, fip.id, device, {
      ...membership,
      style: { strokeDasharray: "4 4" },
    });
  }
  for (const balancer of elementsOf(document, "load_balancers")) {
    edge(`${balancer.id}~vip`, balancer.id, String(balancer.subnet), {
      ...membership,
      label: labels ? "VIP" : undefined,
    });
    for (const member of (balancer.members as { instance: string }[] | undefined) ?? []) {
      edge(`${balancer.id}~${member.instance}`, balancer.id, member.instance, {
        ...membership,
        style: { strokeDasharray: "2 3" },
      });
    }
  }
  return edges;
}

export interface Sketch {
  plain: string;
  /** Floating IP lines. */
  dashed: string;
  selected: string;
  /** The lines to or from an element being dragged. */
  moving: string;
}

/** The lines as drawn zoomed out too far to pick one: an SVG path each for the plain, the
 * dashed (floating IP), the selected and the moving lines (those of the elements in
 * `dragging`), every line straight from the bottom middle of its source box to the top
 * middle of its target box, where the handles are. One path costs the browser far less per
 * frame than a thousand lines of their own; during a drag only the moving path changes. */
export function sketchLines(
  nodes: readonly Node[],
  edges: readonly Edge[],
  dragging: Readonly<Record<string, Position>> = {},
): Sketch {
  const boxes = new Map(nodes.map((node) => [node.id, node]));
  const paths = { plain: [], dashed: [], selected: [], moving: [] } as Record<
    keyof Sketch,
    string[]
  >;
  for (const edge of edges) {
    const [source, target] = [boxes.get(edge.source), boxes.get(edge.target)];
    if (source === undefined || target === undefined) continue;
    const from = middleOf(source, 1);
    const to = middleOf(target, 0);
    const path =
      edge.source in dragging || edge.target in dragging
        ? "moving"
        : edge.selected
          ? "selected"
          : edge.style?.strokeDasharray
            ? "dashed"
            : "plain";
    paths[path].push(`M${from.x} ${from.y}L${to.x} ${to.y}`);
  }
  return {
    plain: paths.plain.join(""),
    dashed: paths.dashed.join(""),
    selected: paths.selected.join(""),
    moving: paths.moving.join(""),
  };
}

/** The middle of a node's top (`side` 0) or bottom (`side` 1) edge. */
function middleOf(node: Node, side: 0 | 1): Position {
  const width = node.measured?.width ?? node.initialWidth ?? NODE_SIZE.width;
  const height = node.measured?.height ?? node.initialHeight ?? NODE_SIZE.height;
  return { x: node.position.x + width / 2, y: node.position.y + side * height };
}

/** The host boxes, drawn first so they sit under the elements. While instances are dragged,
 * the box they would be pinned to if dropped now is marked. */
function hostNodes(
  document: TopologyDocument,
  dragging: Record<string, Position>,
  positionOf: (id: string) => Position | undefined,
  options: BoxOptions,
  names: readonly string[],
): Node<HostNodeData>[] {
  if (names.length === 0) return [];
  const boxes = hostBoxes(document, names, positionOf, options);
  let target: string | null = null;
  const moved = Object.keys(dragging).filter((id) => !isHostKey(id));
  const first = moved[0];
  if (first !== undefined && elementsOf(document, "instances").some((i) => i.id === first)) {
    const resting = hostBoxes(document, names, positionOf, {
      ...options,
      excluding: new Set(moved),
    });
    target = hostAt(resting, centreOf(dragging[first]!))?.name ?? null;
  }
  return boxes.map((box) => ({
    id: box.key,
    type: "host",
    position: { x: box.x, y: box.y },
    width: box.width,
    height: box.height,
    measured: { width: box.width, height: box.height },
    style: { width: box.width, height: box.height },
    zIndex: -1,
    selectable: false,
    ariaLabel: `host ${box.name}, ${box.members.length} pinned`,
    data: { name: box.name, members: box.members.length, dropTarget: box.name === target },
  }));
}

function labelOf(element: AnyElement): string {
  const name = typeof element.name === "string" && element.name !== "" ? element.name : element.id;
  return typeof element.cidr === "string" ? `${name} ${element.cidr}` : name;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((item, i) => item === b[i]));
}

function sameNode(a: Node, b: Node): boolean {
  if (
    a.type !== b.type ||
    a.selected !== b.selected ||
    a.className !== b.className ||
    a.position.x !== b.position.x ||
    a.position.y !== b.position.y ||
    a.measured?.width !== b.measured?.width ||
    a.measured?.height !== b.measured?.height ||
    a.width !== b.width ||
    a.height !== b.height
  ) {
    return false;
  }
  const [x, y] = [a.data, b.data];
  return Object.keys(x).every((key) => {
    const [u, v] = [x[key], y[key]];
    return u === v || (Array.isArray(u) && Array.isArray(v) && sameList(u, v));
  });
}

/** `next`, with every node that draws the same as before replaced by the earlier object:
 * React Flow then skips it, which keeps a large canvas smooth while one element changes. */
export function reuseNodes(previous: readonly Node[], next: Node[]): Node[] {
  if (previous.length === 0) return next;
  const byId = new Map(previous.map((node) => [node.id, node]));
  return next.map((node) => {
    const earlier = byId.get(node.id);
    return earlier !== undefined && sameNode(earlier, node) ? earlier : node;
  });
}

function sameEdge(a: Edge, b: Edge): boolean {
  return (
    a.source === b.source &&
    a.target === b.target &&
    a.selected === b.selected &&
    a.className === b.className &&
    a.label === b.label &&
    a.ariaLabel === b.ariaLabel
  );
}

/** `next`, with every line that draws the same as before replaced by the earlier object. */
export function reuseEdges(previous: readonly Edge[], next: Edge[]): Edge[] {
  if (previous.length === 0) return next;
  const byId = new Map(previous.map((edge) => [edge.id, edge]));
  return next.map((edge) => {
    const earlier = byId.get(edge.id);
    return earlier !== undefined && sameEdge(earlier, edge) ? earlier : edge;
  });
}

/** What a finished drag is judged against: the document as it was, and the host boxes. */
export interface DragContext {
  document: TopologyDocument;
  hosts: readonly string[];
}

/** React Flow's node changes, as store actions: drags into the view state until they end,
 * then one undoable edit; selection into the view state. A dragged host box carries its
 * instances along; an instance dropped into a host box is pinned to that host. */
export function onNodesChange(
  changes: readonly NodeChange[],
  view: ViewStore,
  undo: UndoStore | null,
  context: DragContext = { document: {}, hosts: [] },
): void {
  let dragEnded = false;
  let selection: Set<string> | null = null;
  const sizes: Record<string, Size> = {};
  for (const change of changes) {
    if (change.type === "dimensions") {
      if (change.dimensions && !isHostKey(change.id)) sizes[change.id] = change.dimensions;
    } else if (change.type === "position") {
      if (change.position) {
        view.getState().dragTo(change.id, change.position);
        if (isHostKey(change.id)) carryMembers(change.id, change.position, view, context);
      }
      if (change.dragging === false) dragEnded = true;
    } else if (change.type === "select") {
      selection ??= new Set(view.getState().selection);
      if (change.selected) selection.add(change.id);
      else selection.delete(change.id);
    }
  }
  if (Object.keys(sizes).length > 0) view.getState().measure(sizes);
  if (selection !== null) view.getState().select([...selection]);
  if (dragEnded) {
    const positions = view.getState().endDrag();
    if (undo !== null && Object.keys(positions).length > 0) {
      const { label, ops } = dropEdit(positions, context);
      undo.getState().perform(label, ops);
    }
  }
}

function restingBoxes(context: DragContext, excluding?: ReadonlySet<string>): HostBox[] {
  return hostBoxes(context.document, context.hosts, restingPositions(context.document), {
    excluding,
  });
}

/** A host box moved to `to`: its instances move by as much. */
function carryMembers(key: string, to: Position, view: ViewStore, context: DragContext): void {
  const box = restingBoxes(context).find((candidate) => candidate.key === key);
  if (box === undefined) return;
  const resting = restingPositions(context.document);
  for (const id of box.members) {
    const from = resting(id);
    if (from) view.getState().dragTo(id, { x: from.x + to.x - box.x, y: from.y + to.y - box.y });
  }
}

/** A host box dropped over a routed provider network's segment joins that segment's group
 * of hosts (a segment node whose centre the box covers). */
function hostDropEdit(
  positions: Record<string, Position>,
  context: DragContext,
): { label: string; ops: Operation[] } {
  const move: Operation = { op: "move", positions };
  const resting = restingPositions(context.document);
  const ops: Operation[] = [];
  for (const box of restingBoxes(context)) {
    const to = positions[box.key];
    if (to === undefined) continue;
    const moved = { ...box, x: to.x, y: to.y };
    for (const segment of elementsOf(context.document, "segments")) {
      const at = resting(segment.id);
      const hosts = Array.isArray(segment.hosts) ? (segment.hosts as string[]) : [];
      if (at === undefined || hosts.includes(box.name)) continue;
      if (hostAt([moved], centreOf(at)) === null) continue;
      ops.push({
        op: "update",
        list: "segments",
        id: segment.id,
        set: { hosts: [...hosts, box.name] },
      });
    }
  }
  if (ops.length === 0) return { label: "move", ops: [move] };
  return { label: "add host to segment", ops: [move, ...ops] };
}

/** The edit a finished drag makes: the move, and for instances dropped into another host's
 * box (or out of every box), the change of host. */
function dropEdit(
  positions: Record<string, Position>,
  context: DragContext,
): { label: string; ops: Operation[] } {
  const moved = Object.keys(positions);
  const instances = new Map(elementsOf(context.document, "instances").map((i) => [i.id, i]));
  if (context.hosts.length === 0) return { label: "move", ops: [{ op: "move", positions }] };
  if (moved.some(isHostKey)) return hostDropEdit(positions, context);
  const before = restingBoxes(context);
  const others = restingBoxes(context, new Set(moved));
  const ops: Operation[] = [];
  const stored = context.document.layout?.positions ?? {};
  const corners: Record<string, Position> = {};
  for (const id of moved) {
    const instance = instances.get(id);
    if (instance === undefined) continue;
    const centre = centreOf(positions[id]!);
    const current = typeof instance.host === "string" ? instance.host : null;
    const into = hostAt(others, centre);
    const stays = before.some((box) => box.name === current && hostAt([box], centre) !== null);
    const host = into?.name ?? (stays ? current : null);
    if (host === current) continue;
    ops.push({ op: "update", list: "instances", id, set: { host } });
    // The box keeps its place once something is pinned to it.
    if (into && !stored[hostKey(into.name)]) corners[into.key] = { x: into.x, y: into.y };
  }
  const move: Operation = { op: "move", positions: { ...corners, ...positions } };
  if (ops.length === 0) return { label: "move", ops: [move] };
  return { label: ops.length === 1 ? "pin to host" : "pin to hosts", ops: [move, ...ops] };
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

/** Drawing a link from the keyboard: with a link started, choosing one other element (Enter
 * on it, or a click) links the pair. Returns whether a link was attempted. */
export function onLinkTarget(
  document: TopologyDocument,
  view: ViewStore,
  undo: UndoStore,
): boolean {
  const { linkFrom, selection } = view.getState();
  if (linkFrom === null || selection.length !== 1 || selection[0] === linkFrom) return false;
  view.getState().startLink(null);
  perform("link", linkEdit(document, linkFrom, selection[0]!), view, undo);
  return true;
}
