"""A load balancer in the document: parsed strictly, its references checked by field path, its
id unique across the document, and the published JSON Schema saying the same."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from designer.spec import DocumentError, document_json_schema, parse_document
from tests.builders import net, port, subnet


def doc(**balancer: Any) -> dict[str, Any]:
    return {
        "networks": [net("n1")],
        "subnets": [subnet("s1", "n1", "10.0.0.0/24")],
        "ports": [port("p1", "n1", "vm1", ("s1", "10.0.0.5"))],
        "instances": [{"id": "vm1", "name": "vm1"}],
        "load_balancers": [
            {
                "id": "lb1",
                "subnet": "s1",
                "port": 80,
                "members": [{"instance": "vm1", "port": 8080}],
                **balancer,
            }
        ],
    }


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(DocumentError) as refused:
        parse_document(data)
    return {error.path: error.message for error in refused.value.errors}


def test_a_load_balancer_parses_with_its_defaults() -> None:
    [balancer] = parse_document(doc()).load_balancers
    assert balancer.vip_address is None
    assert balancer.protocol == "tcp"
    assert balancer.algorithm == "round_robin"
    assert balancer.members[0].weight == 1
    check = balancer.health_check
    assert (check.type, check.interval, check.rise, check.fall, check.http_path) == (
        "tcp",
        2.0,
        2,
        3,
        "/",
    )
    assert parse_document(doc()).element_count() == 5


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"port": 0}, "load_balancers[0].port"),
        ({"port": 65536}, "load_balancers[0].port"),
        ({"port": "80"}, "load_balancers[0].port"),
        ({"protocol": "udp"}, "load_balancers[0].protocol"),
        ({"algorithm": "least_conn"}, "load_balancers[0].algorithm"),
        (
            {"members": [{"instance": "vm1", "port": 80, "weight": 0}]},
            "load_balancers[0].members[0].weight",
        ),
        (
            {"members": [{"instance": "vm1", "port": 80, "weight": 257}]},
            "load_balancers[0].members[0].weight",
        ),
        (
            {"members": [{"instance": "vm1", "port": 80, "extra": 1}]},
            "load_balancers[0].members[0].extra",
        ),
        ({"health_check": {"interval": 0.4}}, "load_balancers[0].health_check.interval"),
        ({"health_check": {"interval": 61}}, "load_balancers[0].health_check.interval"),
        ({"health_check": {"type": "icmp"}}, "load_balancers[0].health_check.type"),
        ({"health_check": {"http_path": "health"}}, "load_balancers[0].health_check.http_path"),
        ({"health_check": {"http_path": "/a b"}}, "load_balancers[0].health_check.http_path"),
        ({"health_check": {"http_path": "/a\nb"}}, "load_balancers[0].health_check.http_path"),
        ({"health_check": {"http_path": "/a;b"}}, "load_balancers[0].health_check.http_path"),
        ({"health_check": {"http_path": '/a"b'}}, "load_balancers[0].health_check.http_path"),
        ({"hosts": ["Bad Host"]}, "load_balancers[0].hosts[0]"),
        ({"hosts": ["net-1", "net-2"]}, "load_balancers[0].hosts"),
        ({"vip_address": "10.0.0.9 ; x"}, "load_balancers[0].vip_address"),
        ({"colour": "red"}, "load_balancers[0].colour"),
    ],
)
def test_bad_fields_are_refused_by_path(change: dict[str, Any], path: str) -> None:
    errors = errors_of(doc(**change))
    assert path in errors, errors


def test_an_http_path_error_says_what_a_path_may_hold() -> None:
    message = errors_of(doc(health_check={"http_path": "/a b"}))[
        "load_balancers[0].health_check.http_path"
    ]
    assert message.startswith("must be a path beginning with '/'")


def test_dangling_references_are_named_by_field_path() -> None:
    data = doc(
        subnet="nowhere", members=[{"instance": "p1", "port": 80}, {"instance": "x", "port": 1}]
    )
    errors = errors_of(data)
    assert errors["load_balancers[0].subnet"] == "refers to 'nowhere', which does not exist"
    assert errors["load_balancers[0].members[0].instance"] == (
        "refers to 'p1', which is not an instance"
    )
    assert errors["load_balancers[0].members[1].instance"] == "refers to 'x', which does not exist"


def test_ids_are_unique_across_the_document() -> None:
    errors = errors_of(doc(id="vm1"))
    assert errors["load_balancers[0].id"] == "id 'vm1' is already used by instances[0]"


def test_the_json_schema_agrees() -> None:
    schema = document_json_schema()
    jsonschema.validate(doc(health_check={"type": "http", "http_path": "/health?full=1"}), schema)
    for bad in (
        doc(health_check={"http_path": "/a b"}),
        doc(members=[{"instance": "vm1", "port": 80, "weight": 0}]),
        doc(algorithm="random"),
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
