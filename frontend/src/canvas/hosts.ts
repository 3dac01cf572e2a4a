/**
 * Hosts as groups on the canvas. Each host (from the registry, or named by an instance) is a
 * box around the instances pinned to it; dropping an instance into a box pins it to that host,
 * dragging it out of every box unpins it, and dragging a box moves its instances along. The
 * box's corner is stored in the layout as `host:NAME`; its size follows its instances.
 */
import type { Position, TopologyDocument } from "../generated/document";
import { ELEMENT_LISTS, elementsOf } from "../model/operations";
import type { Size } from "../store/view";

/** The size the editor assumes for an element node when it has not been measured. */
export const NODE_SIZE: Size = { width: 190, height: 46 };
const PADDING = 20;
const HEADER = 26;
const MIN_SIZE = { width: 240, height: 110 };

export interface HostBox {
  name: string;
  /** The canvas node's id and the layout key: `host:NAME`. */
  key: string;
  x: number;
  y: number;
  width: number;
  height: number;
  members: string[];
}

export const hostKey = (name: string) => `host:${name}`;
export const isHostKey = (id: string) => id.startsWith("host:");

/** Every host a box is drawn for: the registry's and any an instance names, sorted. */
export function hostNames(document: TopologyDocument, registry: readonly string[]): string[] {
  const names = new Set(registry);
  for (const instance of document.instances ?? []) {
    if (typeof instance.host === "string" && instance.host !== "") names.add(instance.host);
  }
  return [...names].sort();
}

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function union(a: Rect | null, b: Rect): Rect {
  if (a === null) return b;
  return {
    left: Math.min(a.left, b.left),
    top: Math.min(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
  };
}

/** How `hostBoxes` judges the boxes, beyond where the elements are drawn. */
export interface BoxOptions {
  /** Instances left out, so a box can be judged without the instance being dropped. */
  excluding?: ReadonlySet<string>;
  /** How large the canvas measured an element (NODE_SIZE when it has not). */
  sizeOf?: (id: string) => Size | undefined;
  /** Where the elements rest, which the row of empty boxes goes under: not where they are
   * dragged, or an empty box would run from the instance dragged into it. */
  restingOf?: (id: string) => Position | undefined;
}

/**
 * The box of every host. `positionOf` gives where an element or a `host:NAME` corner is
 * drawn (stored, in the fallback grid, or while dragged). Boxes without a stored corner or
 * members go in a row under everything else.
 */
export function hostBoxes(
  document: TopologyDocument,
  names: readonly string[],
  positionOf: (id: string) => Position | undefined,
  { excluding = new Set(), sizeOf = () => undefined, restingOf = positionOf }: BoxOptions = {},
): HostBox[] {
  const members = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const instance of document.instances ?? []) {
    if (typeof instance.host !== "string" || excluding.has(instance.id)) continue;
    members.get(instance.host)?.push(instance.id);
  }
  // Under every element drawn (ports are lines, with no position), so that no box lands on one.
  let floor = 0;
  for (const list of ELEMENT_LISTS) {
    for (const element of elementsOf(document, list)) {
      const at = restingOf(element.id);
      if (at) floor = Math.max(floor, at.y + (sizeOf(element.id) ?? NODE_SIZE).height);
    }
  }
  const boxes: HostBox[] = [];
  let nextFree = 0;
  for (const name of names) {
    const ids = members.get(name) ?? [];
    const corner = positionOf(hostKey(name));
    let rect: Rect | null = corner
      ? {
          left: corner.x,
          top: corner.y,
          right: corner.x + MIN_SIZE.width,
          bottom: corner.y + MIN_SIZE.height,
        }
      : null;
    for (const id of ids) {
      const at = positionOf(id);
      if (!at) continue;
      const size = sizeOf(id) ?? NODE_SIZE;
      rect = union(rect, {
        left: at.x - PADDING,
        top: at.y - PADDING - HEADER,
        right: at.x + size.width + PADDING,
        bottom: at.y + size.height + PADDING,
      });
    }
    if (rect === null) {
      const x = nextFree * (MIN_SIZE.width + PADDING);
      nextFree += 1;
      rect = { left: x, top: floor + 3 * PADDING, right: x + MIN_SIZE.width, bottom: 0 };
      rect.bottom = rect.top + MIN_SIZE.height;
    }
    boxes.push({
      name,
      key: hostKey(name),
      x: rect.left,
      y: rect.top,
      width: Math.max(MIN_SIZE.width, rect.right - rect.left),
      height: Math.max(MIN_SIZE.height, rect.bottom - rect.top),
      members: ids,
    });
  }
  return boxes;
}

/** The host whose box holds `point`; the smallest box wins where boxes overlap. */
export function hostAt(boxes: readonly HostBox[], point: Position): HostBox | null {
  let found: HostBox | null = null;
  for (const box of boxes) {
    const inside =
      point.x >= box.x &&
      point.x <= box.x + box.width &&
      point.y >= box.y &&
      point.y <= box.y + box.height;
    if (inside && (found === null || box.width * box.height < found.width * found.height)) {
      found = box;
    }
  }
  return found;
}

/** The centre of an element node whose corner is at `at`. */
export function centreOf(at: Position): Position {
  return { x: at.x + NODE_SIZE.width / 2, y: at.y + NODE_SIZE.height / 2 };
}
