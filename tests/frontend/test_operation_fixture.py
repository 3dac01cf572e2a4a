"""The shared fixture of edit operations: (document, ops, expected) cases computed here by the
server's `apply_operations`, which the front end's Vitest suite replays against its own
TypeScript implementation. This test fails when the committed fixture is out of date; run it
with NETLOOM_UPDATE_FIXTURES=1 to rewrite it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from designer.spec import parse_document
from designer.spec.operations import OperationError, apply_operations, parse_operations
from tests.builders import net, port, subnet

FIXTURE = Path(__file__).resolve().parents[2] / "frontend" / "test" / "fixtures" / "operations.json"


def _base() -> dict[str, Any]:
    """A small stored document (defaults filled) with positions and groups."""
    return parse_document(
        {
            "description": "campus",
            "networks": [net("lan"), net("dmz")],
            "subnets": [subnet("lan4", "lan", "10.0.0.0/24"), subnet("dmz4", "dmz", "10.0.1.0/24")],
            "routers": [{"id": "r1", "name": "edge"}],
            "instances": [{"id": "web", "name": "web", "image": "nginx:1.27"}],
            "ports": [
                port("p-web", "dmz", "web", ("dmz4", "10.0.1.10")),
                port("p-r1-lan", "lan", "r1", ("lan4", "10.0.0.1")),
            ],
            "layout": {
                "positions": {"lan": {"x": 0, "y": 0}, "web": {"x": 120.5, "y": -40}},
                "groups": [
                    {"id": "g1", "label": "front", "members": ["web", "dmz"]},
                    {"id": "g2", "members": ["lan"]},
                ],
            },
        }
    ).to_json()


def _balancer() -> dict[str, Any]:
    return {
        "id": "lb1",
        "name": "front",
        "subnet": "dmz4",
        "port": 80,
        "members": [{"instance": "web", "port": 80}],
    }


def _cases() -> list[dict[str, Any]]:
    base = _base()
    balanced = parse_document(
        {
            **base,
            "load_balancers": [_balancer()],
            "layout": {"positions": {"lb1": {"x": 5, "y": 6}}},
        }
    ).to_json()
    bare: dict[str, Any] = {"networks": [net("solo")]}
    cases: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
        ("add a network", base, [{"op": "add", "list": "networks", "element": net("wan")}]),
        (
            "add to a list the document lacks",
            bare,
            [{"op": "add", "list": "routers", "element": {"id": "r9"}}],
        ),
        (
            "update two fields",
            base,
            [
                {
                    "op": "update",
                    "list": "instances",
                    "id": "web",
                    "set": {"name": "www", "kind": "vm"},
                }
            ],
        ),
        (
            "update with the same id is allowed",
            base,
            [{"op": "update", "list": "networks", "id": "lan", "set": {"id": "lan", "mtu": 1400}}],
        ),
        (
            "remove drops position and memberships",
            base,
            [
                {"op": "remove", "list": "ports", "id": "p-web"},
                {"op": "remove", "list": "instances", "id": "web"},
            ],
        ),
        (
            "remove from a document without layout",
            bare,
            [{"op": "remove", "list": "networks", "id": "solo"}],
        ),
        (
            "move adds and replaces positions",
            base,
            [{"op": "move", "positions": {"web": {"x": 1, "y": 2}, "r1": {"x": -3.25, "y": 4}}}],
        ),
        (
            "set groups fills defaults",
            base,
            [{"op": "set_groups", "groups": [{"id": "g3"}, {"id": "g4", "members": ["r1"]}]}],
        ),
        ("set description", base, [{"op": "set_description", "description": "edge lab"}]),
        (
            "several operations in order",
            base,
            [
                {"op": "add", "list": "networks", "element": net("wan")},
                {"op": "move", "positions": {"wan": {"x": 10, "y": 10}}},
                {"op": "update", "list": "networks", "id": "wan", "set": {"name": "uplink"}},
                {"op": "remove", "list": "networks", "id": "wan"},
                {"op": "set_description", "description": ""},
            ],
        ),
        (
            "add without an id",
            base,
            [{"op": "add", "list": "networks", "element": {"name": "x", "kind": "self_service"}}],
        ),
        (
            "update changing the id",
            base,
            [{"op": "update", "list": "networks", "id": "lan", "set": {"id": "lan2"}}],
        ),
        (
            "update of a missing element",
            base,
            [
                {"op": "set_description", "description": "x"},
                {"op": "update", "list": "routers", "id": "lan", "set": {"name": "x"}},
            ],
        ),
        ("remove of a missing element", bare, [{"op": "remove", "list": "ports", "id": "p1"}]),
        (
            "add a load balancer",
            base,
            [{"op": "add", "list": "load_balancers", "element": _balancer()}],
        ),
        (
            "update a load balancer's members and check",
            balanced,
            [
                {
                    "op": "update",
                    "list": "load_balancers",
                    "id": "lb1",
                    "set": {
                        "members": [{"instance": "web", "port": 8080, "weight": 3}],
                        "algorithm": "weighted",
                        "health_check": {"type": "http", "http_path": "/ok"},
                    },
                }
            ],
        ),
        (
            "remove a member instance with its membership",
            balanced,
            [
                {"op": "update", "list": "load_balancers", "id": "lb1", "set": {"members": []}},
                {"op": "remove", "list": "ports", "id": "p-web"},
                {"op": "remove", "list": "instances", "id": "web"},
            ],
        ),
        (
            "remove a load balancer",
            balanced,
            [{"op": "remove", "list": "load_balancers", "id": "lb1"}],
        ),
        (
            "update of a load balancer that is not there",
            base,
            [{"op": "update", "list": "load_balancers", "id": "lb1", "set": {"port": 81}}],
        ),
    ]
    result = []
    for name, document, ops in cases:
        expected: dict[str, Any]
        try:
            expected = {"document": apply_operations(document, parse_operations(ops))}
        except OperationError as exc:
            expected = {"error": {"path": exc.path, "message": exc.message}}
        result.append({"name": name, "document": document, "ops": ops, "expected": expected})
    return result


def _fixture_text() -> str:
    return json.dumps(_cases(), indent=1, sort_keys=True) + "\n"


def test_the_committed_operations_fixture_is_up_to_date() -> None:
    text = _fixture_text()
    if os.environ.get("NETLOOM_UPDATE_FIXTURES"):
        FIXTURE.write_text(text, encoding="utf-8")
    committed = FIXTURE.read_text(encoding="utf-8") if FIXTURE.exists() else ""
    assert committed == text, (
        f"{FIXTURE} differs from what designer/spec/operations.py gives now; "
        "rerun this test with NETLOOM_UPDATE_FIXTURES=1 and commit the file"
    )


def test_the_fixture_covers_every_operation_and_errors() -> None:
    cases = _cases()
    assert {op["op"] for case in cases for op in case["ops"]} == {
        "add",
        "update",
        "remove",
        "move",
        "set_groups",
        "set_description",
    }
    assert sum("error" in case["expected"] for case in cases) >= 4
    assert sum("document" in case["expected"] for case in cases) >= 8
