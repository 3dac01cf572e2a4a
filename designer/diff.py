"""Element-by-element difference between two topology documents (pure)."""

from __future__ import annotations

from typing import Any

from designer.spec.document import ELEMENT_LISTS


def _by_id(document: dict[str, Any], list_name: str) -> dict[str, dict[str, Any]]:
    return {element["id"]: element for element in document.get(list_name, [])}


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed from `old` to `new`, both in stored (JSON) form.

    `elements` lists each added, removed or changed element with its list and, for a change,
    each changed field as `{field: {"old": ..., "new": ...}}`; `layout` lists the ids whose
    position moved and says whether the groups or viewport changed.
    """
    changes: list[dict[str, Any]] = []
    for list_name in ELEMENT_LISTS:
        before, after = _by_id(old, list_name), _by_id(new, list_name)
        for element_id, element in after.items():
            previous = before.get(element_id)
            if previous is None:
                changes.append(
                    {"op": "added", "list": list_name, "id": element_id, "element": element}
                )
            elif previous != element:
                fields = {
                    key: {"old": previous.get(key), "new": element.get(key)}
                    for key in sorted(previous.keys() | element.keys())
                    if previous.get(key) != element.get(key)
                }
                changes.append(
                    {"op": "changed", "list": list_name, "id": element_id, "fields": fields}
                )
        for element_id, element in before.items():
            if element_id not in after:
                changes.append(
                    {"op": "removed", "list": list_name, "id": element_id, "element": element}
                )
    old_layout, new_layout = old.get("layout", {}), new.get("layout", {})
    old_positions, new_positions = old_layout.get("positions", {}), new_layout.get("positions", {})
    moved = sorted(
        key
        for key in old_positions.keys() | new_positions.keys()
        if old_positions.get(key) != new_positions.get(key)
    )
    return {
        "elements": changes,
        "summary": {
            op: sum(1 for c in changes if c["op"] == op) for op in ("added", "removed", "changed")
        },
        "layout": {
            "moved": moved,
            "groups_changed": old_layout.get("groups") != new_layout.get("groups"),
            "viewport_changed": old_layout.get("viewport") != new_layout.get("viewport"),
        },
        "description_changed": old.get("description") != new.get("description"),
    }
