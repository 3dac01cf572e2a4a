"""Edit operations applied to stored documents."""

from __future__ import annotations

from typing import Any

import pytest

from designer.spec import DocumentError, parse_document
from designer.spec.operations import OperationError, apply_operations, parse_operations
from tests.builders import document, net, subnet


def stored(**lists: Any) -> dict[str, Any]:
    return document(**lists).to_json()


def apply(doc: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    return apply_operations(doc, parse_operations(ops))


def test_add_update_remove_in_order() -> None:
    base = stored(networks=[net("n1")])
    result = apply(
        base,
        [
            {"op": "add", "list": "subnets", "element": subnet("s1", "n1", "10.0.0.0/24")},
            {"op": "update", "list": "networks", "id": "n1", "set": {"mtu": 1450}},
            {"op": "add", "list": "networks", "element": net("n2")},
            {"op": "remove", "list": "networks", "id": "n2"},
        ],
    )
    parsed = parse_document(result)
    assert [n.id for n in parsed.networks] == ["n1"]
    assert parsed.networks[0].mtu == 1450
    assert [s.id for s in parsed.subnets] == ["s1"]


def test_the_input_document_is_never_changed() -> None:
    base = stored(networks=[net("n1")], layout={"positions": {"n1": {"x": 1, "y": 2}}})
    snapshot = parse_document(base).to_json()
    apply(
        base,
        [
            {"op": "update", "list": "networks", "id": "n1", "set": {"name": "renamed"}},
            {"op": "move", "positions": {"n1": {"x": 5, "y": 5}}},
        ],
    )
    assert base == snapshot


def test_remove_takes_its_layout_along() -> None:
    base = stored(
        networks=[net("n1"), net("n2")],
        layout={
            "positions": {"n1": {"x": 1, "y": 2}, "n2": {"x": 3, "y": 4}},
            "groups": [{"id": "g1", "label": "core", "members": ["n1", "n2"]}],
        },
    )
    result = parse_document(apply(base, [{"op": "remove", "list": "networks", "id": "n1"}]))
    assert set(result.layout.positions) == {"n2"}
    assert result.layout.groups[0].members == ["n2"]


def test_an_added_id_that_collides_is_named_by_the_parser() -> None:
    result = apply(
        stored(networks=[net("n1")]),
        [{"op": "add", "list": "subnets", "element": subnet("n1", "n1", "10.0.0.0/24")}],
    )
    with pytest.raises(DocumentError) as raised:
        parse_document(result)
    assert raised.value.errors[0].path == "subnets[0].id"


def test_removing_a_referenced_element_leaves_a_dangling_reference_the_parser_names() -> None:
    base = stored(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.0.0/24")])
    result = apply(base, [{"op": "remove", "list": "networks", "id": "n1"}])
    with pytest.raises(DocumentError) as raised:
        parse_document(result)
    assert raised.value.errors[0].path == "subnets[0].network"


@pytest.mark.parametrize(
    ("ops", "path"),
    [
        ([{"op": "add", "list": "networks", "element": {"name": "no id"}}], "ops[0].element.id"),
        ([{"op": "update", "list": "networks", "id": "nX", "set": {"mtu": 1}}], "ops[0].id"),
        ([{"op": "update", "list": "subnets", "id": "n1", "set": {"mtu": 1}}], "ops[0].id"),
        ([{"op": "update", "list": "networks", "id": "n1", "set": {"id": "n9"}}], "ops[0].set.id"),
        ([{"op": "remove", "list": "networks", "id": "gone"}], "ops[0].id"),
    ],
)
def test_operations_that_cannot_apply_name_themselves(ops: list[dict[str, Any]], path: str) -> None:
    with pytest.raises(OperationError) as raised:
        apply(stored(networks=[net("n1")]), ops)
    assert raised.value.path == path


@pytest.mark.parametrize(
    ("ops", "path"),
    [
        ([], "ops"),
        ([{"op": "explode"}], "ops[0]"),
        ([{"op": "remove", "list": "hosts", "id": "h"}], "ops[0].list"),
        ([{"op": "move", "positions": {"n1": {"x": "far", "y": 0}}}], "ops[0].positions.n1.x"),
        ([{"op": "update", "list": "networks", "id": "n1", "set": {}}], "ops[0].set"),
    ],
)
def test_malformed_operations_are_refused_with_their_path(
    ops: list[dict[str, Any]], path: str
) -> None:
    with pytest.raises(DocumentError) as raised:
        parse_operations(ops)
    assert raised.value.errors[0].path == path


def balanced() -> dict[str, Any]:
    """A subnet with two instances behind a load balancer on it."""
    return stored(
        networks=[net("n1")],
        subnets=[subnet("s1", "n1", "10.0.0.0/24")],
        instances=[
            {"id": "web1", "name": "web1", "image": "nginx:1.27"},
            {"id": "web2", "name": "web2", "image": "nginx:1.27"},
        ],
        load_balancers=[
            {
                "id": "lb1",
                "subnet": "s1",
                "port": 80,
                "members": [{"instance": "web1", "port": 80}, {"instance": "web2", "port": 80}],
            }
        ],
        layout={"positions": {"lb1": {"x": 1, "y": 2}}},
    )


def test_a_load_balancer_is_added_updated_and_removed_like_any_element() -> None:
    base = stored(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.0.0/24")])
    added = parse_document(
        apply(
            base,
            [
                {
                    "op": "add",
                    "list": "load_balancers",
                    "element": {"id": "lb1", "subnet": "s1", "port": 80},
                },
                {
                    "op": "update",
                    "list": "load_balancers",
                    "id": "lb1",
                    "set": {"algorithm": "weighted", "health_check": {"type": "http"}},
                },
            ],
        )
    )
    [balancer] = added.load_balancers
    assert (balancer.algorithm, balancer.health_check.type, balancer.port) == (
        "weighted",
        "http",
        80,
    )
    removed = apply(added.to_json(), [{"op": "remove", "list": "load_balancers", "id": "lb1"}])
    assert parse_document(removed).load_balancers == []


def test_removing_a_member_instance_alone_names_the_membership() -> None:
    result = apply(balanced(), [{"op": "remove", "list": "instances", "id": "web1"}])
    with pytest.raises(DocumentError) as raised:
        parse_document(result)
    assert [e.path for e in raised.value.errors] == ["load_balancers[0].members[0].instance"]


def test_removing_a_member_instance_with_its_membership_is_accepted() -> None:
    result = parse_document(
        apply(
            balanced(),
            [
                {
                    "op": "update",
                    "list": "load_balancers",
                    "id": "lb1",
                    "set": {"members": [{"instance": "web2", "port": 80}]},
                },
                {"op": "remove", "list": "instances", "id": "web1"},
            ],
        )
    )
    assert [m.instance for m in result.load_balancers[0].members] == ["web2"]


def test_removing_the_vip_subnet_takes_the_load_balancer_or_is_refused() -> None:
    alone = apply(balanced(), [{"op": "remove", "list": "subnets", "id": "s1"}])
    with pytest.raises(DocumentError) as raised:
        parse_document(alone)
    assert [e.path for e in raised.value.errors] == ["load_balancers[0].subnet"]
    both = parse_document(
        apply(
            balanced(),
            [
                {"op": "remove", "list": "load_balancers", "id": "lb1"},
                {"op": "remove", "list": "subnets", "id": "s1"},
            ],
        )
    )
    assert both.load_balancers == []
    assert "lb1" not in both.layout.positions


def test_load_balancers_are_an_element_list_of_operations() -> None:
    [operation] = parse_operations([{"op": "remove", "list": "load_balancers", "id": "lb1"}])
    assert operation.model_dump()["list"] == "load_balancers"
