/**
 * Inverse operations, for undo: computed from the document as it was before an edit, they
 * put back only what that edit changed, so changes other people made since stay.
 *
 * Group memberships are the one thing the wire has no targeted operation for (`set_groups`
 * replaces every group), so the inverse of a removal records the memberships to restore and
 * `resolveInverse` turns that into `set_groups` against the document at undo time.
 */
import type { TopologyDocument } from "../generated/document";
import {
  applyOperations,
  elementsOf,
  OperationError,
  type AnyElement,
  type ElementListName,
  type Operation,
} from "./operations";

/** Put `member` back into group `group`, if both still exist and it is not there already. */
export interface RestoreMembers {
  op: "restore_members";
  memberships: { group: string; member: string }[];
}

export type InverseOperation = Operation | RestoreMembers;

/** The operations that undo `operations` applied to `document`, in the order to apply them.
 * Throws OperationError when `operations` do not apply to `document`. */
export function invertOperations(
  document: TopologyDocument,
  operations: readonly Operation[],
): InverseOperation[] {
  let current = document;
  const blocks: InverseOperation[][] = [];
  operations.forEach((operation, index) => {
    blocks.push(invertOne(current, operation));
    try {
      current = applyOperations(current, [operation]);
    } catch (error) {
      if (error instanceof OperationError) {
        throw new OperationError(error.path.replace(/^ops\[0\]/, `ops[${index}]`), error.detail);
      }
      throw error;
    }
  });
  return blocks.reverse().flat();
}

function invertOne(document: TopologyDocument, operation: Operation): InverseOperation[] {
  const layout = document.layout ?? {};
  switch (operation.op) {
    case "add":
      return typeof operation.element.id === "string"
        ? [{ op: "remove", list: operation.list, id: operation.element.id }]
        : [];
    case "update": {
      const element = find(document, operation.list, operation.id);
      if (element === undefined) return [];
      // A field the element did not have cannot be unset by an update; such fields stay.
      const before = Object.fromEntries(
        Object.keys(operation.set)
          .filter((key) => key !== "id" && key in element)
          .map((key) => [key, structuredClone(element[key])]),
      );
      return Object.keys(before).length > 0
        ? [{ op: "update", list: operation.list, id: operation.id, set: before }]
        : [];
    }
    case "remove": {
      const element = find(document, operation.list, operation.id);
      if (element === undefined) return [];
      const inverse: InverseOperation[] = [
        { op: "add", list: operation.list, element: structuredClone(element) },
      ];
      const position = layout.positions?.[operation.id];
      if (position !== undefined) {
        inverse.push({ op: "move", positions: { [operation.id]: { ...position } } });
      }
      const memberships = (layout.groups ?? [])
        .filter((group) => (group.members ?? []).includes(operation.id))
        .map((group) => ({ group: group.id, member: operation.id }));
      if (memberships.length > 0) inverse.push({ op: "restore_members", memberships });
      return inverse;
    }
    case "move": {
      // A key without a position before the move cannot be given "no position" back.
      const before = Object.fromEntries(
        Object.keys(operation.positions)
          .filter((key) => layout.positions?.[key] !== undefined)
          .map((key) => [key, { ...layout.positions![key]! }]),
      );
      return Object.keys(before).length > 0 ? [{ op: "move", positions: before }] : [];
    }
    case "set_groups":
      return [{ op: "set_groups", groups: structuredClone(layout.groups ?? []) }];
    case "set_description":
      return [{ op: "set_description", description: document.description ?? "" }];
  }
}

/** The wire operations of an inverse, against `document` as it is now. Empty when there is
 * nothing left to undo. Throws OperationError when an operation no longer applies. */
export function resolveInverse(
  document: TopologyDocument,
  inverse: readonly InverseOperation[],
): Operation[] {
  const resolved: Operation[] = [];
  let current = document;
  for (const operation of inverse) {
    let wire: Operation | undefined;
    if (operation.op === "restore_members") {
      const groups = current.layout?.groups ?? [];
      let changed = false;
      const restored = groups.map((group) => {
        const members = [...(group.members ?? [])];
        for (const { group: id, member } of operation.memberships) {
          if (id === group.id && !members.includes(member)) {
            members.push(member);
            changed = true;
          }
        }
        return { ...group, members };
      });
      wire = changed ? { op: "set_groups", groups: restored } : undefined;
    } else {
      wire = operation;
    }
    if (wire !== undefined) {
      current = applyOperations(current, [wire]);
      resolved.push(wire);
    }
  }
  return resolved;
}

function find(
  document: TopologyDocument,
  list: ElementListName,
  id: string,
): AnyElement | undefined {
  return elementsOf(document, list).find((element) => element.id === id);
}
