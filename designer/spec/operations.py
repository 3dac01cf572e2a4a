"""Edit operations: the small typed changes a client sends instead of a whole document.

An *edit* is a list of operations made on one base revision; the server applies them in order
to that revision's document and stores the result as the next revision, or refuses the whole
edit. Applying is pure: `apply_operations(document_json, operations) -> document_json`, and the
result is parsed like any document, so an edit can never store what a full write could not.

Operations:
- `add`: append an element to one of the element lists.
- `update`: set some top-level fields of one element (`set`), by list and id. The id itself
  cannot change: ids are stable across revisions.
- `remove`: remove one element; its canvas position and group memberships go with it (layout
  is not semantics). Elements that refer to it must be removed or changed in the same edit,
  or the edit is refused with the dangling reference named.
- `move`: set canvas positions.
- `set_groups`: replace the canvas groups.
- `set_description`: the document's description.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from designer.spec.document import (
    ELEMENT_LISTS,
    DocumentError,
    FieldError,
    Group,
    Position,
    format_path,
)
from designer.spec.fields import MAX_ELEMENTS, Description, ElementId

ElementListName = Literal[
    "networks",
    "segments",
    "subnets",
    "ports",
    "instances",
    "routers",
    "floating_ips",
    "load_balancers",
]
MAX_OPERATIONS = 2000


class _Operation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AddElement(_Operation):
    op: Literal["add"]
    list: ElementListName
    element: dict[str, Any]


class UpdateElement(_Operation):
    op: Literal["update"]
    list: ElementListName
    id: ElementId
    set: Annotated[dict[str, Any], Field(min_length=1, max_length=64)]


class RemoveElement(_Operation):
    op: Literal["remove"]
    list: ElementListName
    id: ElementId


class MoveElements(_Operation):
    op: Literal["move"]
    positions: Annotated[dict[str, Position], Field(min_length=1, max_length=MAX_ELEMENTS)]


class SetGroups(_Operation):
    op: Literal["set_groups"]
    groups: Annotated[list[Group], Field(max_length=1000)]


class SetDescription(_Operation):
    op: Literal["set_description"]
    description: Description


Operation = Annotated[
    AddElement | UpdateElement | RemoveElement | MoveElements | SetGroups | SetDescription,
    Field(discriminator="op"),
]
Operations = Annotated[list[Operation], Field(min_length=1, max_length=MAX_OPERATIONS)]


_OPERATIONS = TypeAdapter(Operations)


def parse_operations(data: Any) -> list[Operation]:
    """Parse the `ops` of an edit, or raise DocumentError naming each bad field (`ops[2].list`)."""
    try:
        return _OPERATIONS.validate_python(data)
    except ValidationError as exc:
        errors = [
            FieldError(
                format_path(("ops", *(p for p in e["loc"] if p not in _OP_TAGS))),
                e["msg"]
                if e["type"] != "union_tag_invalid"
                else f"unknown op; expected one of: {', '.join(sorted(_OP_TAGS))}",
            )
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise DocumentError(errors) from None


_OP_TAGS = frozenset({"add", "update", "remove", "move", "set_groups", "set_description"})


class OperationError(ValueError):
    """An operation that cannot apply to the document it was made on; `path` names it."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


def apply_operations(document: dict[str, Any], operations: list[Operation]) -> dict[str, Any]:
    """The stored document `document` with `operations` applied in order, as a new object that
    shares the untouched parts with the input (which is never changed). Raises OperationError
    naming the first operation that cannot apply. The result must still be parsed with
    `parse_document`."""
    result = dict(document)
    copied: set[str] = set()

    def writable(list_name: str) -> list[Any]:
        # Copy a list the first time an operation changes it, not before.
        if list_name not in copied:
            result[list_name] = list(result.get(list_name, []))
            copied.add(list_name)
        return result[list_name]

    layout = dict(result.get("layout", {}))
    result["layout"] = layout
    positions = dict(layout.get("positions", {}))
    layout["positions"] = positions
    for index, operation in enumerate(operations):
        path = f"ops[{index}]"
        if isinstance(operation, AddElement):
            # A colliding id is caught when the result is parsed, with the element's path.
            if not isinstance(operation.element.get("id"), str):
                raise OperationError(f"{path}.element.id", "an added element needs an id")
            writable(operation.list).append(copy.deepcopy(operation.element))
        elif isinstance(operation, UpdateElement):
            if "id" in operation.set and operation.set["id"] != operation.id:
                raise OperationError(f"{path}.set.id", "ids cannot change; remove and add")
            elements = writable(operation.list)
            position = _position(elements, operation.list, operation.id, path)
            elements[position] = {**elements[position], **copy.deepcopy(operation.set)}
        elif isinstance(operation, RemoveElement):
            elements = writable(operation.list)
            del elements[_position(elements, operation.list, operation.id, path)]
            positions.pop(operation.id, None)
            layout["groups"] = [
                {**group, "members": [m for m in group.get("members", []) if m != operation.id]}
                for group in layout.get("groups", [])
            ]
        elif isinstance(operation, MoveElements):
            for key, spot in operation.positions.items():
                positions[key] = spot.model_dump()
        elif isinstance(operation, SetGroups):
            layout["groups"] = [group.model_dump() for group in operation.groups]
        else:
            result["description"] = operation.description
    return result


def normalized_operations(
    operations: list[Operation], result: dict[str, Any]
) -> list[dict[str, Any]]:
    """The operations as stored and broadcast: added elements and updated fields carry the
    values of `result` (the parsed document, defaults filled in), so a client that applies them
    to the stored base gets exactly the stored result."""
    final = {element["id"]: element for list_name in ELEMENT_LISTS for element in result[list_name]}
    normalized = []
    for operation in operations:
        data = operation.model_dump(mode="json")
        if isinstance(operation, AddElement) and operation.element.get("id") in final:
            data["element"] = final[operation.element["id"]]
        elif isinstance(operation, UpdateElement) and operation.id in final:
            element = final[operation.id]
            data["set"] = {key: element.get(key) for key in operation.set}
        normalized.append(data)
    return normalized


def _position(elements: list[Any], list_name: str, element_id: str, path: str) -> int:
    for position, element in enumerate(elements):
        if element.get("id") == element_id:
            return position
    raise OperationError(f"{path}.id", f"there is no element '{element_id}' in {list_name}")
