"""Properties of every plan: deterministic (twice, and in any element order), kernel names that
fit and carry the prefix, no trace of what a person typed in any kernel object, and the demo
topologies planned whole."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.spec import ELEMENT_LISTS, Document, load_document_text, parse_document
from tasks.planner.names import MAX_INTERFACE
from tasks.planner.planner import plan
from tasks.planner.state import (
    Address,
    Bridge,
    Dnsmasq,
    Macvlan,
    Namespace,
    Plan,
    Route,
    Veth,
    Vlan,
    Vxlan,
)
from tests.unit.planner.test_planner_support import FABRIC, PREFIX, TOPOLOGY, facts
from tests.unit.spec.strategies import documents

DEMOS = sorted(Path(__file__).resolve().parents[3].joinpath("designer", "demo").glob("*.yaml"))
HOSTILE = 'x\'; rm -rf / $(reboot)\n`id` "q" ' + "y" * 200
# Every character a kernel object's strings may hold: names, addresses, rule tokens.
KERNEL_TEXT = re.compile(r"[A-Za-z0-9._:/+!-]*")
# The lab fabric carries VLANs as segments; each host has the demo's VLANs.
LAB = tuple(
    dataclasses.replace(
        host,
        vlan_devices=False,
        vlan_segments={("physnet1", 21): "p1v21", ("physnet1", 22): "p1v22"},
    )
    for host in FABRIC
)


def _demo(path: Path) -> Document:
    return load_document_text(path.read_text(), filename=path.name)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def _link_names(result: Plan) -> Iterator[str]:
    """Every name of a link the deployment makes (not the hosts' own interfaces)."""
    for state in result.hosts.values():
        for obj in state.objects():
            if isinstance(obj, Bridge | Vxlan | Macvlan | Vlan):
                yield obj.name
            if isinstance(obj, Veth):
                yield from (obj.name, obj.peer)
            if isinstance(obj, Vxlan | Vlan | Veth) and obj.master:
                yield obj.master
            if isinstance(obj, Address | Dnsmasq):
                yield obj.interface
            if isinstance(obj, Route) and obj.device:
                yield obj.device


def _check_names(result: Plan) -> None:
    for name in _link_names(result):
        assert len(name.encode()) <= MAX_INTERFACE, name
        assert name.startswith(result.prefix), name
    for state in result.hosts.values():
        for obj in state.objects():
            if isinstance(obj, Namespace):
                assert obj.name.startswith(f"{result.prefix}-")
            namespace = getattr(obj, "namespace", None)
            if namespace is not None:
                assert namespace.startswith(f"{result.prefix}-")


def _shuffled(document: Document, draw: st.DataObject) -> Document:
    return document.model_copy(
        update={
            name: draw.draw(st.permutations(getattr(document, name)), label=name)
            for name in ELEMENT_LISTS
        }
    )


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_demo_topologies_plan_whole(path: Path) -> None:
    result = plan(_demo(path), TOPOLOGY, LAB)
    assert result.prefix == PREFIX
    assert set(result.placement.values()) <= {"compute-1", "compute-2"}
    _check_names(result)
    instances = {ns.owner for s in result.hosts.values() for ns in s.namespaces}
    assert set(result.placement) <= instances


def test_demo_notes_say_what_is_not_realised() -> None:
    notes = {path.stem: {n.code for n in plan(_demo(path), TOPOLOGY, LAB).notes} for path in DEMOS}
    assert notes["ha-router"] == set()
    assert notes["docker-bridge"] == set()
    assert notes["routed-provider"] == {"plan.vlan_segment"}


def test_planning_twice_gives_equal_plans() -> None:
    for path in DEMOS:
        assert plan(_demo(path), TOPOLOGY, LAB) == plan(_demo(path), TOPOLOGY, LAB)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(DEMOS), st.permutations(LAB), st.data())
def test_element_and_host_order_do_not_change_the_plan(
    path: Path, hosts: list[Any], data: st.DataObject
) -> None:
    document = _demo(path)
    assert plan(_shuffled(document, data), TOPOLOGY, tuple(hosts)) == plan(document, TOPOLOGY, LAB)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_any_valid_document_plans_with_fitting_names_in_any_order(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    document = parse_document(raw)
    hosts = (*FABRIC, facts("node-1", "both", "198.18.0.201", {"physnet1": "phy1"}))
    result = plan(document, TOPOLOGY, hosts)
    _check_names(result)
    assert plan(_shuffled(document, data), TOPOLOGY, hosts[::-1]) == result


def _renamed(document: Document, name: str) -> Document:
    """The document with every element named `name`: what the parser refuses, built anyway
    to show the planner never uses a name where the kernel would see it."""
    return document.model_copy(
        update={
            list_name: [e.model_copy(update={"name": name}) for e in getattr(document, list_name)]
            for list_name in ELEMENT_LISTS
        }
    )


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_hostile_names_reach_no_kernel_object(path: Path) -> None:
    document = _renamed(_demo(path), HOSTILE)
    result = plan(document, TOPOLOGY, LAB)
    for state in result.hosts.values():
        for text in _strings(state):
            assert KERNEL_TEXT.fullmatch(text), text
            assert "y" * 64 not in text
    for text in _strings(result.notes):
        assert HOSTILE not in text
        assert "$(" not in text
        assert "\n" not in text
    # Names become DNS labels, never the names themselves.
    labels = {h.hostname for s in result.hosts.values() for d in s.dnsmasqs for h in d.hosts}
    labels |= {label for s in result.hosts.values() for d in s.dnsmasqs for label, _ in d.records}
    assert all(re.fullmatch(r"[a-z0-9-]{1,63}", label) for label in labels)
    # The same plan as with the demo's own names, save for the DNS labels.
    assert result.placement == plan(_demo(path), TOPOLOGY, LAB).placement
