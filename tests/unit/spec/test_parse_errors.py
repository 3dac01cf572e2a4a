"""Every kind of bad input is refused with DocumentError naming the bad field's path: text that
is not JSON or YAML, wrong types, unknown kinds and fields, dangling references, colliding ids,
names that would need escaping somewhere, and absurd sizes."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from designer.spec import DocumentError, document_json_schema, load_document_text, parse_document
from designer.spec.fields import MAX_ELEMENTS, MAX_LIST
from tests.builders import net, port, subnet


def errors_of(data: Any) -> dict[str, str]:
    """path -> message of every error the parser reports for `data`."""
    with pytest.raises(DocumentError) as refused:
        parse_document(data)
    return {error.path: error.message for error in refused.value.errors}


def text_errors_of(text: str, filename: str = "") -> dict[str, str]:
    with pytest.raises(DocumentError) as refused:
        load_document_text(text, filename=filename)
    return {error.path: error.message for error in refused.value.errors}


def base() -> dict[str, Any]:
    """A small valid document to break one field of."""
    return {
        "networks": [net("n1")],
        "subnets": [subnet("s1", "n1", "10.0.0.0/24")],
        "ports": [port("p1", "n1", "vm1", ("s1", "10.0.0.5"))],
        "instances": [{"id": "vm1", "name": "vm1"}],
        "routers": [{"id": "r1", "name": "r1"}],
    }


def test_the_base_document_is_valid() -> None:
    parse_document(base())


# --- text that is not a document ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        ('{"networks": [}', ""),
        ('{"networks": []', "doc.json"),
        ("networks: [a, b\n", "doc.yaml"),
        ("networks:\n  - id: n1\n   kind: x\n", ""),
        ("networks: []\n", "doc.json"),  # YAML in a .json file
        ("\ufeff\x00\x01", ""),
    ],
)
def test_malformed_text_is_refused(text: str, filename: str) -> None:
    errors = text_errors_of(text, filename)
    assert list(errors) == ["(document)"]
    assert errors["(document)"].startswith("is not valid JSON or YAML")


def test_yaml_tags_do_not_construct_python_objects() -> None:
    errors = text_errors_of("networks: !!python/object/apply:os.system ['true']\n")
    assert list(errors) == ["(document)"]


@pytest.mark.parametrize("text", ["[]", "42", '"networks"', "", "null", "- a\n- b\n"])
def test_a_document_must_be_an_object(text: str) -> None:
    assert text_errors_of(text) == {"(document)": "must be an object"}


@pytest.mark.timeout(30)
def test_yaml_alias_expansion_is_refused_quickly() -> None:
    """A billion-laughs document: aliases nest lists nine deep, nine wide."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("networks: *a8")
    errors = text_errors_of("\n".join(lines) + "\n")
    assert "a0" in errors
    assert "networks[0]" in errors


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deeply_nested_text_is_refused(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = "networks: " + opener * 50_000 + closer * 50_000
    errors = text_errors_of(text)
    assert list(errors) == ["(document)"]


# --- wrong types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(networks="n1"), "networks"),
        (lambda d: d.update(networks=[["n1"]]), "networks[0]"),
        (lambda d: d["networks"][0].update(mtu="big"), "networks[0].mtu"),
        (lambda d: d["networks"][0].update(mtu=1500.5), "networks[0].mtu"),
        (lambda d: d["networks"][0].update(id=7), "networks[0].id"),
        (lambda d: d["subnets"][0].update(enable_dhcp=[1]), "subnets[0].enable_dhcp"),
        (lambda d: d["subnets"][0].update(cidr=None), "subnets[0].cidr"),
        (lambda d: d["subnets"][0].update(dns_nameservers="8.8.8.8"), "subnets[0].dns_nameservers"),
        (lambda d: d["ports"][0].update(fixed_ips={"subnet": "s1"}), "ports[0].fixed_ips"),
        (
            lambda d: d["instances"][0].update(
                published_ports=[{"host_port": 0, "container_port": 80}]
            ),
            "instances[0].published_ports[0].host_port",
        ),
        (
            lambda d: d["routers"][0].update(vrrp={"advert_interval": 0}),
            "routers[0].vrrp.advert_interval",
        ),
        (
            lambda d: d["routers"][0].update(vrrp={"priorities": {"network-1": 255}}),
            "routers[0].vrrp.priorities.network-1",
        ),
        (lambda d: d.update(layout={"viewport": {"zoom": -1}}), "layout.viewport.zoom"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d.update(description=["a"]), "description"),
    ],
)
def test_wrong_types_name_the_field(change: Any, path: str) -> None:
    data = base()
    change(data)
    assert path in errors_of(data)


# --- unknown kinds and fields ---------------------------------------------------------------


def test_unknown_network_kind() -> None:
    data = base()
    data["networks"][0]["kind"] = "warp_drive"
    message = errors_of(data)["networks[0].kind"]
    assert message.startswith("unknown kind; expected one of: ")
    assert "self_service" in message


def test_missing_network_kind() -> None:
    data = base()
    del data["networks"][0]["kind"]
    assert errors_of(data) == {"networks[0].kind": "kind is required"}


@pytest.mark.parametrize(
    ("list_name", "field", "value"),
    [
        ("instances", "kind", "unikernel"),
        ("routers", "mode", "anycast"),
        ("subnets", "ipv6_address_mode", "dhcp"),
    ],
)
def test_unknown_kinds_of_other_elements(list_name: str, field: str, value: str) -> None:
    data = base()
    data[list_name][0][field] = value
    assert f"{list_name}[0].{field}" in errors_of(data)


@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda d: d["subnets"][0], "subnets[0].colour"),
        (lambda d: d["networks"][0], "networks[0].colour"),
        (lambda d: d, "colour"),
        (lambda d: d["ports"][0]["fixed_ips"][0], "ports[0].fixed_ips[0].colour"),
    ],
)
def test_unknown_fields_are_errors(where: Any, path: str) -> None:
    data = base()
    where(data)["colour"] = "red"
    assert errors_of(data) == {path: "is not a known field here: check its spelling"}


# --- references and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            lambda d: d["subnets"][0].update(network="ghost"),
            "subnets[0].network",
            "refers to 'ghost', which does not exist",
        ),
        (
            lambda d: d["ports"][0].update(device="s1"),
            "ports[0].device",
            "refers to 's1', which is not an instance or a router",
        ),
        (
            lambda d: d["ports"][0]["fixed_ips"][0].update(subnet="n1"),
            "ports[0].fixed_ips[0].subnet",
            "refers to 'n1', which is not a subnet",
        ),
        (
            lambda d: d["subnets"][0].update(segment="ghost"),
            "subnets[0].segment",
            "refers to 'ghost', which does not exist",
        ),
        (
            lambda d: d["routers"][0].update(external_gateway={"network": "s1"}),
            "routers[0].external_gateway.network",
            "refers to 's1', which is not a network",
        ),
        (
            lambda d: d["routers"][0].update(
                external_gateway={"network": "n1", "fixed_ips": [{"subnet": "ghost"}]}
            ),
            "routers[0].external_gateway.fixed_ips[0].subnet",
            "refers to 'ghost', which does not exist",
        ),
        (
            lambda d: d.update(floating_ips=[{"id": "f1", "network": "n1", "port": "vm1"}]),
            "floating_ips[0].port",
            "refers to 'vm1', which is not a port",
        ),
        (
            lambda d: d.update(
                segments=[{"id": "g1", "network": "vm1", "physical_network": "physnet1"}]
            ),
            "segments[0].network",
            "refers to 'vm1', which is not a network",
        ),
        (
            lambda d: d.update(layout={"groups": [{"id": "g1", "members": ["ghost"]}]}),
            "layout.groups[0].members[0]",
            "refers to 'ghost', which does not exist",
        ),
        (
            lambda d: d.update(layout={"positions": {"ghost": {"x": 0, "y": 0}}}),
            "layout.positions.ghost",
            "refers to 'ghost', which does not exist",
        ),
    ],
)
def test_dangling_references_name_the_field(change: Any, path: str, message: str) -> None:
    data = base()
    change(data)
    assert errors_of(data) == {path: message}


def test_ids_collide_across_lists() -> None:
    data = base()
    data["routers"][0]["id"] = "vm1"
    errors = errors_of(data)
    assert errors["routers[0].id"] == "id 'vm1' is already used by instances[0]"


def test_ids_collide_within_a_list() -> None:
    data = base()
    data["networks"].append(net("n1", "docker_none"))
    assert errors_of(data)["networks[1].id"] == "id 'n1' is already used by networks[0]"


def test_group_id_collides_with_an_element() -> None:
    data = base()
    data["layout"] = {"groups": [{"id": "n1"}]}
    assert errors_of(data) == {"layout.groups[0].id": "id 'n1' is already used"}


# --- strings that would need escaping somewhere ---------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "O'Brien",
    'say "hi"',
    "line\nbreak",
    "trailing\n",
    "carriage\rreturn",
    "tab\there",
    "; rm -rf /",
    "$(reboot)",
    "`id`",
    "a|b",
    "a&b",
    "a>b",
    "back\\slash",
    "nul\x00byte",
    " leading space",
    "trailing space ",
    "\u202eevil",  # right-to-left override
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("where", "path"),
    [
        (lambda d: d["networks"][0], "networks[0].name"),
        (lambda d: d["routers"][0], "routers[0].name"),
        (lambda d: d["ports"][0], "ports[0].name"),
    ],
)
def test_hostile_names_are_refused(value: str, where: Any, path: str) -> None:
    data = base()
    where(data)["name"] = value
    message = errors_of(data)[path]
    assert message.startswith("may hold letters, digits, spaces")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_group_labels_are_refused(value: str) -> None:
    data = base()
    data["layout"] = {"groups": [{"id": "g1", "label": value}]}
    assert "layout.groups[0].label" in errors_of(data)


@pytest.mark.parametrize(
    ("where", "path", "value", "start"),
    [
        (lambda d: d["networks"][0], "networks[0].id", "n1; rm -rf /", "must be an id"),
        (lambda d: d["networks"][0], "networks[0].id", "1abc", "must be an id"),
        (lambda d: d["instances"][0], "instances[0].host", "compute-1; reboot", "must be a host"),
        (lambda d: d["instances"][0], "instances[0].host", "Compute_1", "must be a host"),
        (lambda d: d["instances"][0], "instances[0].image", "nginx && curl x", "must be an image"),
        (lambda d: d["instances"][0], "instances[0].image", "$(id)", "must be an image"),
        (lambda d: d["networks"][0], "networks[0].role", "Storage!", "must be a role name"),
        (lambda d: d["ports"][0], "ports[0].mac_address", "02:00:00:00:00:0A", "must be a MAC"),
        (lambda d: d["subnets"][0], "subnets[0].cidr", "10.0.0.0/24; ls", "holds characters"),
        (lambda d: d["subnets"][0], "subnets[0].gateway_ip", "10.0.0.1\n", "holds characters"),
    ],
)
def test_hostile_values_in_other_fields(where: Any, path: str, value: str, start: str) -> None:
    data = base()
    where(data)[path.rsplit(".", 1)[1]] = value
    errors = errors_of(data)
    assert errors[path].startswith(start)


def test_provider_physical_network_with_spaces() -> None:
    data = base()
    data["networks"].append(net("ext", "provider", physical_network="phys net"))
    assert errors_of(data)["networks[1].physical_network"].startswith(
        "must be a physical network name"
    )


def test_names_of_any_script_are_welcome() -> None:
    data = base()
    data["networks"][0]["name"] = "Réseau de test (étage 2)"
    data["routers"][0]["name"] = "路由器-1"
    parse_document(data)


# --- absurd sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["networks"][0].update(name="n" * 65), "networks[0].name"),
        (lambda d: d["networks"][0].update(id="n" * 49), "networks[0].id"),
        (lambda d: d.update(description="d" * 2001), "description"),
        (lambda d: d["instances"][0].update(image="a" * 331), "instances[0].image"),
        (lambda d: d["routers"][0].update(hosts=["h"] * (MAX_LIST + 1)), "routers[0].hosts"),
        (
            lambda d: d["subnets"][0].update(dns_nameservers=["1.1.1.1"] * 9),
            "subnets[0].dns_nameservers",
        ),
        (lambda d: d["subnets"][0].update(cidr="1" * 50), "subnets[0].cidr"),
        (lambda d: d["networks"][0].update(vni=2**40), "networks[0].vni"),
        (lambda d: d["networks"][0].update(mtu=10**100), "networks[0].mtu"),
        (lambda d: d["routers"][0].update(vrrp={"vrrp_id": -(2**63)}), "routers[0].vrrp.vrrp_id"),
        (
            lambda d: d.update(layout={"positions": {"n1": {"x": 1e308, "y": 0}}}),
            "layout.positions.n1.x",
        ),
        (
            lambda d: d.update(layout={"positions": {"n1": {"x": float("nan"), "y": 0}}}),
            "layout.positions.n1.x",
        ),
        (
            lambda d: d.update(layout={"positions": {"n1": {"x": 0, "y": float("-inf")}}}),
            "layout.positions.n1.y",
        ),
        (lambda d: d.update(layout={"viewport": {"zoom": 1e9}}), "layout.viewport.zoom"),
    ],
)
def test_absurd_sizes_name_the_field(change: Any, path: str) -> None:
    data = base()
    change(data)
    assert path in errors_of(data)


def test_too_many_elements_in_one_list() -> None:
    networks = [{"id": f"n{i}", "kind": "docker_none"} for i in range(MAX_ELEMENTS + 1)]
    errors = errors_of({"networks": networks})
    assert list(errors) == ["networks"]
    assert str(MAX_ELEMENTS) in errors["networks"]


def test_too_many_elements_in_all() -> None:
    half = MAX_ELEMENTS // 2 + 1
    data = {
        "networks": [{"id": f"n{i}", "kind": "docker_none"} for i in range(half)],
        "instances": [{"id": f"i{i}"} for i in range(half)],
    }
    assert errors_of(data) == {"(document)": f"holds more than {MAX_ELEMENTS} elements"}


def test_every_error_is_reported_not_just_the_first() -> None:
    data = base()
    data["networks"][0]["name"] = "<x>"
    data["subnets"][0]["colour"] = "red"
    data["instances"][0]["host"] = "BAD HOST"
    assert {"networks[0].name", "subnets[0].colour", "instances[0].host"} <= set(errors_of(data))


# --- known differences between the parser and the JSON Schema -------------------------------

SCHEMA = jsonschema.Draft202012Validator(document_json_schema())


@pytest.mark.parametrize(
    "network",
    [
        {"id": "n1", "kind": "self_service", "mtu": "1500"},
        {"id": "n1", "kind": "docker_user_bridge", "dns": "yes"},
        {"id": "n1", "kind": "provider", "physical_network": "p", "external": 1},
    ],
)
def test_parser_refuses_what_the_schema_refuses(network: dict[str, Any]) -> None:
    data = {"networks": [network]}
    schema_accepts = SCHEMA.is_valid(data)
    try:
        parse_document(data)
        parser_accepts = True
    except DocumentError:
        parser_accepts = False
    assert parser_accepts == schema_accepts


def test_schema_and_parser_agree_on_names() -> None:
    for name, accepted in (("Café", True), ("Сеть 1", True), ("Cafe\u0301", False)):
        data = {"networks": [{"id": "n1", "kind": "self_service", "name": name}]}
        assert SCHEMA.is_valid(json.loads(json.dumps(data))) is accepted, name
        try:
            parse_document(data)
            parsed = True
        except DocumentError:
            parsed = False
        assert parsed is accepted, name
