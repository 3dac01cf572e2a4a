"""Properties of the two endpoints that take whole documents from anyone with a role:
`POST validate/` and `PUT topologies/{id}/document/`.

Whatever JSON arrives (arbitrary values, raw text, valid documents with one to three things
broken), the answer is 200 or 400 (409 for a stale base), never a 500; a 400 names a path; a
refused write leaves the head as it was, and an accepted one moves it by exactly one.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from designer.models import Topology
from designer.spec import ELEMENT_LISTS, parse_document
from tests.api.conftest import API, World, sample_document

pytestmark = pytest.mark.django_db

# Modest counts: the suite runs on two cores. Function-scoped fixtures are shared by the
# examples of one test on purpose (one world, many requests).
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

FIELDS = [
    "id", "name", "kind", "network", "segment", "subnet", "device", "port", "cidr",
    "gateway_ip", "allocation_pools", "enable_dhcp", "dns_nameservers", "fixed_ips",
    "ip_address", "mac_address", "mtu", "role", "physical_network", "network_type",
    "segmentation_id", "external", "vni", "tunnels", "tunnel_type", "mode", "hosts", "host",
    "image", "published_ports", "external_gateway", "snat", "routes", "vrrp", "priorities",
    "floating_ip_address", "parent", "l2_bridge", "internal", "description",
]  # fmt: skip
IDS = ["web", "db", "apps", "web-v4", "db-v4", "apps-v4", "web1", "db1", "r1", "web1-p", "r1-db"]
KINDS = [
    "provider", "routed_provider", "self_service", "docker_bridge", "docker_none",
    "docker_host", "docker_user_bridge", "docker_overlay", "docker_macvlan", "container", "vm",
]  # fmt: skip
PLAUSIBLE = [
    "10.0.0.0/8", "10.0.1.0/24", "10.0.1.1", "10.0.1.300", "fe80::/64", "2001:db8::1",
    "0.0.0.0/0", "vlan", "flat", "vxlan", "gre", "ha", "distributed", "legacy", "static",
    "compute-1", "physnet1", "tenant", "storage", "02:00:00:00:00:01", "nginx:1.27",
    0, 1, -1, 4094, 4095, 70000, 2**24, 68, 9000, True, False, None, [], {},
]  # fmt: skip
HOSTILE = st.text(alphabet="<>\"'`$;|&\n\t\\ \x00\u202e/abc", max_size=12)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
    | st.sampled_from(PLAUSIBLE)
)
keys = st.sampled_from([*FIELDS, *ELEMENT_LISTS, "layout", "schema_version"]) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=24,
)
# Shaped like a document, so parsing gets past the top level more often.
document_like = st.dictionaries(
    st.sampled_from([*ELEMENT_LISTS, "description", "layout", "schema_version"]),
    st.lists(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6), max_size=4)
    | json_values,
    max_size=5,
)
# Values of the right type for a field of each list, so a mutation often still parses and
# reaches the validation rules (overlaps, gateways, VLANs, HA, DNAT...).
NETWORK_KINDS = [kind for kind in KINDS if kind not in {"container", "vm"}]
PLAUSIBLE_FIELDS: dict[str, dict[str, list[Any]]] = {
    "networks": {
        "kind": NETWORK_KINDS,
        "mtu": [68, 1400, 1500, 9000],
        "role": ["tenant", "storage", "external", "management", "unknown"],
        "vni": [None, 0, 1, 5000, 2**24, 2**24 - 1],
        "external": [True, False],
    },
    "subnets": {
        "cidr": ["10.0.1.0/24", "10.0.2.0/24", "10.0.1.5/24", "10.0.0.0/8", "fe80::/64", "1.2.3.4"],
        "gateway_ip": [None, "10.0.1.1", "10.0.2.1", "10.0.1.0", "10.9.9.9", "fe80::1"],
        "network": ["web", "db", "apps"],
        "enable_dhcp": [True, False],
        "allocation_pools": [[], [{"start": "10.0.1.100", "end": "10.0.1.50"}]],
        "dns_nameservers": [[], ["10.0.1.2"], ["8.8.8.8", "8.8.8.8"]],
    },
    "ports": {
        "network": ["web", "db", "apps"],
        "device": [None, "web1", "db1", "r1"],
        "fixed_ips": [
            [],
            [{"subnet": "web-v4", "ip_address": "10.0.1.10"}],
            [{"subnet": "db-v4", "ip_address": "10.0.1.10"}],
            [{"subnet": "apps-v4", "ip_address": None}],
            [{"subnet": "web-v4", "ip_address": "10.0.1.255"}],
        ],
        "mac_address": [None, "02:00:00:00:00:01"],
    },
    "instances": {
        "kind": ["container", "vm"],
        "host": [None, "compute-1", "compute-2"],
        "published_ports": [
            [],
            [{"host_port": 80, "container_port": 80}],
            [{"host_port": 80, "container_port": 80}, {"host_port": 80, "container_port": 81}],
        ],
        "l2_bridge": [True, False],
    },
    "routers": {
        "mode": ["legacy", "ha", "distributed"],
        "hosts": [[], ["compute-1"], ["compute-1", "compute-2"]],
        "external_gateway": [None, {"network": "web"}, {"network": "apps"}],
        "snat": [None, True, False],
        "routes": [[], [{"destination": "0.0.0.0/0", "nexthop": "10.0.1.254"}]],
    },
}
field_values = (
    json_values | st.sampled_from(IDS) | st.sampled_from(KINDS) | st.sampled_from(PLAUSIBLE)
) | HOSTILE


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The sample document with one to three things changed: a field set, removed or retyped,
    an element duplicated, removed or added, a list replaced."""
    document = sample_document()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        populated = [name for name in ELEMENT_LISTS if document.get(name)]
        list_name = draw(st.sampled_from(populated or list(ELEMENT_LISTS)))
        elements = document.setdefault(list_name, [])
        if not isinstance(elements, list):
            document[list_name] = draw(json_values)
            continue
        action = draw(
            st.sampled_from(
                ["plausible"] * 4 + ["set", "drop", "duplicate", "remove", "add", "replace"]
            )
        )
        if action == "add" or not elements:
            element = {"id": draw(st.sampled_from(IDS) | st.text(max_size=6))}
            element.update(draw(st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=4)))
            elements.append(element)
            continue
        index = draw(st.integers(min_value=0, max_value=len(elements) - 1))
        element = elements[index]
        if action == "replace":
            document[list_name] = draw(json_values)
        elif action == "duplicate":
            elements.append(copy.deepcopy(element))
        elif action == "remove":
            del elements[index]
        elif not isinstance(element, dict):
            elements[index] = draw(field_values)
        elif action == "plausible" and list_name in PLAUSIBLE_FIELDS:
            choices = PLAUSIBLE_FIELDS[list_name]
            name = draw(st.sampled_from(sorted(choices)))
            element[name] = copy.deepcopy(draw(st.sampled_from(choices[name])))
        elif action == "drop" and element:
            del element[draw(st.sampled_from(sorted(element)))]
        else:
            element[draw(st.sampled_from(FIELDS))] = draw(field_values)
    return document


def _check_answer(response: Any, allowed: set[int]) -> dict[str, Any]:
    assert response.status_code in allowed, response.content[:2000]
    event(f"status {response.status_code}")
    body = response.json()
    if response.status_code == 400:
        assert body["errors"], body
        for error in body["errors"]:
            assert isinstance(error["path"], str)
            assert error["path"]
            assert error["message"]
    elif response.status_code == 200:
        assert body["deployable"] is (body["counts"]["error"] == 0)
        assert sum(body["counts"].values()) == len(body["findings"])
    return body


def _post_validate(world: World, body: Any, *, raw: bool = False) -> Any:
    data = body if raw else json.dumps(body)
    return world.clients["viewer"].generic(
        "POST", API + "validate/", data=data, content_type="application/json"
    )


@PROPERTY
@given(document=json_values | document_like)
def test_validate_answers_any_json_document(world: World, document: Any) -> None:
    _check_answer(_post_validate(world, {"document": document}), {200, 400})


@PROPERTY
@given(body=json_values)
def test_validate_answers_any_json_body(world: World, body: Any) -> None:
    _check_answer(_post_validate(world, body), {200, 400})


@settings(PROPERTY, max_examples=100)
@given(raw=st.text(max_size=200) | st.binary(max_size=200))
def test_validate_answers_any_raw_body(world: World, raw: str | bytes) -> None:
    _check_answer(_post_validate(world, raw, raw=True), {200, 400})


@PROPERTY
@given(document=mutated_documents(), in_project=st.booleans())
def test_validate_answers_mutated_documents(
    world: World, document: dict[str, Any], in_project: bool
) -> None:
    body: dict[str, Any] = {"document": document}
    if in_project:
        body["project"] = world.project.pk
    _check_answer(_post_validate(world, body), {200, 400})


def _head(topology: Topology) -> tuple[int, Any]:
    topology.refresh_from_db()
    assert topology.head is not None
    return topology.head.number, topology.head.document


def _put_document(world: World, base: int, document: Any) -> Any:
    return world.clients["editor"].put(
        f"{API}topologies/{world.topology.pk}/document/",
        json.dumps({"base_revision": base, "document": document}),
        content_type="application/json",
    )


def _check_write(world: World, document: Any, stale: bool) -> None:
    number, stored = _head(world.topology)
    response = _put_document(world, number - 1 if stale else number, document)
    body = _check_answer(response, {200, 400, 409})
    after_number, after_stored = _head(world.topology)
    if response.status_code == 200:
        assert not stale
        assert body["revision"]["number"] == after_number == number + 1
        assert after_stored == parse_document(document).to_json()
        return
    assert (after_number, after_stored) == (number, stored)
    if response.status_code == 409:
        assert stale
        assert body["current_revision"] == number
        assert body["document"] == stored


@PROPERTY
@given(document=mutated_documents(), stale=st.booleans())
def test_saving_mutated_documents_never_loses_the_head(
    world: World, document: dict[str, Any], stale: bool
) -> None:
    _check_write(world, document, stale)


@settings(PROPERTY, max_examples=100)
@given(document=json_values | document_like)
def test_saving_any_json_never_loses_the_head(world: World, document: Any) -> None:
    _check_write(world, document, stale=False)
