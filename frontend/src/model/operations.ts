/**
 * Edit operations on a topology document, applied exactly as the server's
 * designer/spec/operations.py applies them (the shared fixture in tests/ checks that both
 * give the same results). Applying is pure: the input document is never changed, and the
 * result shares the untouched parts with it.
 */
import type {
  AddElement,
  MoveElements,
  RemoveElement,
  SetDescription,
  SetGroups,
  UpdateElement,
} from "../generated/events";
import type { Group, Position, TopologyDocument } from "../generated/document";

export type Operation =
  | AddElement
  | UpdateElement
  | RemoveElement
  | MoveElements
  | SetGroups
  | SetDescription;

export type ElementListName = AddElement["list"];

/** The element lists of a document, in the order the server reads and writes them. */
export const ELEMENT_LISTS: readonly ElementListName[] = [
  "networks",
  "segments",
  "subnets",
  "ports",
  "instances",
  "routers",
  "floating_ips",
  "load_balancers",
];

/** Any element of any list: every element has an id, the rest depends on its kind. */
export type AnyElement = { id: string; [field: string]: unknown };

/** An operation that cannot apply to the document it was made on; `path` names it. */
export class OperationError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = "OperationError";
  }
}

type MutableDocument = Record<string, unknown> & {
  layout: { positions: Record<string, Position>; groups?: Group[]; [key: string]: unknown };
};

/**
 * `document` with `operations` applied in order, as a new object. Throws OperationError
 * naming the first operation that cannot apply. Like the server, it does not check what the
 * server's parser checks afterwards (colliding ids, dangling references).
 */
export function applyOperations(
  document: TopologyDocument,
  operations: readonly Operation[],
): TopologyDocument {
  const result = { ...document } as unknown as MutableDocument;
  const copied = new Set<string>();
  const writable = (listName: ElementListName): AnyElement[] => {
    // Copy a list the first time an operation changes it, not before.
    if (!copied.has(listName)) {
      result[listName] = [...((result[listName] as AnyElement[] | undefined) ?? [])];
      copied.add(listName);
    }
    return result[listName] as AnyElement[];
  };
  const layout = { ...(document.layout ?? {}) } as MutableDocument["layout"];
  result.layout = layout;
  const positions: Record<string, Position> = { ...(layout.positions ?? {}) };
  layout.positions = positions;

  operations.forEach((operation, index) => {
    const path = `ops[${index}]`;
    switch (operation.op) {
      case "add": {
        if (typeof operation.element.id !== "string") {
          throw new OperationError(`${path}.element.id`, "an added element needs an id");
        }
        writable(operation.list).push(structuredClone(operation.element) as AnyElement);
        break;
      }
      case "update": {
        if ("id" in operation.set && operation.set.id !== operation.id) {
          throw new OperationError(`${path}.set.id`, "ids cannot change; remove and add");
        }
        const elements = writable(operation.list);
        const at = positionOf(elements, operation.list, operation.id, path);
        elements[at] = { ...elements[at], ...structuredClone(operation.set) } as AnyElement;
        break;
      }
      case "remove": {
        const elements = writable(operation.list);
        elements.splice(positionOf(elements, operation.list, operation.id, path), 1);
        delete positions[operation.id];
        layout.groups = (layout.groups ?? []).map((group) => ({
          ...group,
          members: (group.members ?? []).filter((member) => member !== operation.id),
        }));
        break;
      }
      case "move": {
        for (const [key, spot] of Object.entries(operation.positions)) {
          positions[key] = { x: spot.x, y: spot.y };
        }
        break;
      }
      case "set_groups": {
        // The server parses groups before storing them, which fills their defaults.
        layout.groups = operation.groups.map((group) => ({
          id: group.id,
          label: group.label ?? "",
          members: [...(group.members ?? [])],
        }));
        break;
      }
      case "set_description": {
        result.description = operation.description;
        break;
      }
    }
  });
  return result as unknown as TopologyDocument;
}

function positionOf(
  elements: readonly AnyElement[],
  listName: ElementListName,
  elementId: string,
  path: string,
): number {
  const at = elements.findIndex((element) => element.id === elementId);
  if (at < 0) {
    throw new OperationError(`${path}.id`, `there is no element '${elementId}' in ${listName}`);
  }
  return at;
}

/** The elements of one list of a document (empty when the list is absent). */
export function elementsOf(document: TopologyDocument, listName: ElementListName): AnyElement[] {
  return ((document as Record<string, unknown>)[listName] as AnyElement[] | undefined) ?? [];
}

/** Where the element with `id` is: its list and the element, or undefined. */
export function findElement(
  document: TopologyDocument,
  id: string,
): { list: ElementListName; element: AnyElement } | undefined {
  for (const list of ELEMENT_LISTS) {
    const element = elementsOf(document, list).find((candidate) => candidate.id === id);
    if (element !== undefined) {
      return { list, element };
    }
  }
  return undefined;
}
