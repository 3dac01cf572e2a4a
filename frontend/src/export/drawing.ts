/**
 * What the canvas draws, as the plain description svg.ts turns into a picture: the React Flow
 * nodes and edges the adapter made (positions, measured sizes, badges, deploy and VRRP state),
 * or, without a canvas (the printable report), the same nodes made from the document alone.
 */
import type { Edge, Node } from "@xyflow/react";
import { toEdges, toNodes, type ElementNodeData, type HostNodeData } from "../canvas/adapter";
import { hostNames, NODE_SIZE } from "../canvas/hosts";
import { elementBadge } from "../editor/DeployPanel";
import { vrrpLabel } from "../editor/FailoverTimeline";
import { kindOf } from "../editor/icons";
import type { TopologyDocument } from "../generated/document";
import { addressBadges } from "../model/badges";
import { sized, type Drawing, type DrawnElement, type DrawnHost, type DrawnLine } from "./svg";

/** Room a host box keeps around its instances, and above them for its name. */
const HOST_PADDING = 20;
const HOST_HEADER = 26;

function nameOf(element: { id: string; name?: unknown }): string {
  return typeof element.name === "string" && element.name !== "" ? element.name : element.id;
}

function sizeOf(node: Node): { width: number; height: number } {
  return {
    width: node.measured?.width ?? node.width ?? node.initialWidth ?? NODE_SIZE.width,
    height: node.measured?.height ?? node.height ?? node.initialHeight ?? NODE_SIZE.height,
  };
}

/** The state lines of an element: where the latest deploy stands with it (or its drift), and
 * for an HA router, each instance's VRRP state by host, the master first. */
export function stateLines(data: Pick<ElementNodeData, "deploy" | "vrrp">): string[] {
  const lines: string[] = [];
  if (data.deploy === "up") lines.push("deployed");
  else if (data.deploy) lines.push(`deploy: ${elementBadge(data.deploy).text}`);
  for (const instance of data.vrrp) {
    lines.push(`${vrrpLabel(instance.state, instance.takenOver).text} ${instance.host}`);
  }
  return lines;
}

function drawnElement(node: Node<ElementNodeData>): DrawnElement {
  const { data } = node;
  const element = data.element as { id: string; name?: unknown; cidr?: unknown };
  const lines = typeof element.cidr === "string" ? [element.cidr, ...data.badge] : [...data.badge];
  return {
    id: node.id,
    kind: kindOf(data.list, data.element),
    x: node.position.x,
    y: node.position.y,
    ...sizeOf(node),
    name: nameOf(element),
    lines,
    state: stateLines(data),
    tone: data.severity,
  };
}

function drawnHost(node: Node<HostNodeData>): DrawnHost {
  return { name: node.data.name, x: node.position.x, y: node.position.y, ...sizeOf(node) };
}

function drawnLine(edge: Edge): DrawnLine {
  return {
    source: edge.source,
    target: edge.target,
    label: typeof edge.label === "string" ? edge.label : undefined,
    dashed: edge.style?.strokeDasharray !== undefined,
  };
}

/** A host box grown to hold its instances as the picture draws them (their text may make
 * them larger than the canvas assumed when it sized the box). */
function holding(host: DrawnHost, members: readonly DrawnElement[]): DrawnHost {
  const boxes = members.map(sized);
  if (boxes.length === 0) return host;
  const left = Math.min(host.x, ...boxes.map((b) => b.x - HOST_PADDING));
  const top = Math.min(host.y, ...boxes.map((b) => b.y - HOST_HEADER));
  const right = Math.max(host.x + host.width, ...boxes.map((b) => b.x + b.width + HOST_PADDING));
  const bottom = Math.max(host.y + host.height, ...boxes.map((b) => b.y + b.height + HOST_PADDING));
  return { ...host, x: left, y: top, width: right - left, height: bottom - top };
}

/** The canvas's nodes and lines as a drawing. */
export function drawingOf(nodes: readonly Node[], edges: readonly Edge[], title?: string): Drawing {
  const hosts: DrawnHost[] = [];
  const elements: DrawnElement[] = [];
  const members = new Map<string, DrawnElement[]>();
  for (const node of nodes) {
    if (node.type === "host") hosts.push(drawnHost(node as Node<HostNodeData>));
    else if (node.type === "element") {
      const data = (node as Node<ElementNodeData>).data;
      const drawn = drawnElement(node as Node<ElementNodeData>);
      elements.push(drawn);
      const host = data.list === "instances" ? data.element.host : undefined;
      if (typeof host === "string")
        (members.get(host) ?? members.set(host, []).get(host)!).push(drawn);
    }
  }
  return {
    title,
    hosts: hosts.map((host) => holding(host, members.get(host.name) ?? [])),
    elements,
    lines: edges.map(drawnLine),
  };
}

/** The drawing of a document on its own, as the canvas would draw it with nothing selected,
 * no deploy known and the hosts its instances name. */
export function documentDrawing(document: TopologyDocument, title?: string): Drawing {
  const nodes = toNodes(
    document,
    {},
    [],
    {},
    {
      badges: addressBadges(document),
      hosts: hostNames(document, []),
    },
  );
  return drawingOf(nodes, toEdges(document, [], true), title);
}
