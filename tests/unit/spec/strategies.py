"""Hypothesis strategies for topology documents: valid documents with references that resolve,
arbitrary JSON values, and mutations of a valid document (a value replaced, a key dropped or
added, an element duplicated)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from designer.spec import ELEMENT_LISTS
from designer.spec.fields import MAX_LIST

# The patterns of designer/spec/fields.py without their anchors: Python's `$` also matches
# before a final newline, so the anchored forms would generate values the parser refuses.
ELEMENT_ID = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,47}", fullmatch=True)
HOST = st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True)
PHYSNET = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,31}", fullmatch=True)
ROLE = st.from_regex(r"[a-z][a-z0-9_-]{0,31}", fullmatch=True)
IMAGE = st.from_regex(r"[a-z0-9][a-z0-9._/-]{0,30}(:[A-Za-z0-9_.-]{1,20})?", fullmatch=True)
MAC = st.from_regex(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", fullmatch=True)
# The characters names may hold (designer/spec/fields.py spells them out as ranges).
_NAME_CHAR = st.one_of(
    *(
        st.characters(min_codepoint=low, max_codepoint=high)
        for low, high in (
            (0x41, 0x5A),
            (0x61, 0x7A),
            (0x30, 0x39),
            (0xC0, 0xD6),
            (0xD8, 0xF6),
            (0xF8, 0x24F),
            (0x370, 0x3FF),
            (0x400, 0x4FF),
            (0x4E00, 0x9FFF),
        )
    ),
    st.sampled_from(list("_.:+@/(),#-")),
)
NAME = (
    st.just("")
    | _NAME_CHAR
    | st.builds(
        lambda first, middle, last: first + middle + last,
        _NAME_CHAR,
        st.text(_NAME_CHAR | st.just(" "), max_size=20),
        _NAME_CHAR,
    )
)
DESCRIPTION = st.text(max_size=200)
ADDRESS = (
    st.ip_addresses().map(str)
    | st.builds(lambda ip, n: f"{ip}/{n}", st.ip_addresses(v=4), st.integers(0, 32))
    | st.from_regex(r"[0-9A-Fa-f.:/]{1,49}", fullmatch=True)
)
WIDE_INT = st.integers(-(2**31), 2**32)
COORDINATE = st.floats(-1e7, 1e7, allow_nan=False) | st.integers(-(10**7), 10**7)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _fields(draw: st.DrawFn, required: dict[str, Any], maybe: dict[str, Any]) -> dict[str, Any]:
    """`required` as given; each of `maybe` drawn from its strategy, or left out (default)."""
    element = dict(required)
    for key, strategy in maybe.items():
        if draw(st.booleans()):
            element[key] = draw(strategy)
    return element


_NETWORK_FIELDS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "provider": {
        "network_type": st.sampled_from(["flat", "vlan"]),
        "segmentation_id": optional(WIDE_INT),
        "external": st.booleans(),
    },
    "routed_provider": {"external": st.booleans()},
    "self_service": {
        "tunnel_type": st.sampled_from(["vxlan", "gre"]),
        "vni": optional(WIDE_INT),
        "tunnels": st.sampled_from(["static", "dynamic"]),
    },
    "docker_bridge": {},
    "docker_none": {},
    "docker_host": {},
    "docker_user_bridge": {"internal": st.booleans(), "dns": st.booleans()},
    "docker_overlay": {"vni": optional(WIDE_INT), "attachable": st.booleans()},
    "docker_macvlan": {
        "parent": optional(PHYSNET),
        "mode": st.sampled_from(["bridge", "private", "vepa", "passthru"]),
    },
}
_COMMON = {"name": NAME, "description": DESCRIPTION}


def _short_list(strategy: st.SearchStrategy[Any], max_size: int = 3) -> st.SearchStrategy[Any]:
    return st.lists(strategy, max_size=min(max_size, MAX_LIST))


@st.composite
def documents(draw: st.DrawFn, max_per_list: int = 4) -> dict[str, Any]:
    """A document the parser accepts: unique ids, and every reference to an element of the
    right kind. Values are otherwise arbitrary (addresses need not be valid addresses)."""
    counts = {name: draw(st.integers(0, max_per_list)) for name in ELEMENT_LISTS}
    ids = draw(
        st.lists(
            ELEMENT_ID,
            min_size=sum(counts.values()) + 3,
            unique=True,
            max_size=sum(counts.values()) + 3,
        )
    )
    pool = iter(ids)
    ids_of = {name: [next(pool) for _ in range(counts[name])] for name in ELEMENT_LISTS}
    group_ids = [next(pool) for _ in range(draw(st.integers(0, 3)))]
    networks, segments, subnets = ids_of["networks"], ids_of["segments"], ids_of["subnets"]
    devices = ids_of["instances"] + ids_of["routers"]

    def pick(choices: list[str]) -> st.SearchStrategy[str]:
        return st.sampled_from(choices)

    def fixed_ips() -> st.SearchStrategy[list[dict[str, Any]]]:
        if not subnets:
            return st.just([])
        return _short_list(
            st.fixed_dictionaries(
                {"subnet": pick(subnets)}, optional={"ip_address": optional(ADDRESS)}
            )
        )

    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["description"] = draw(DESCRIPTION)
    if draw(st.booleans()):
        doc["schema_version"] = 1

    out_networks = []
    for network_id in networks:
        kind = draw(st.sampled_from(sorted(_NETWORK_FIELDS)))
        required = {"id": network_id, "kind": kind}
        if kind == "provider":
            required["physical_network"] = draw(PHYSNET)
        extra = {**_COMMON, "role": optional(ROLE), "mtu": optional(st.integers(68, 9216))}
        out_networks.append(_fields(draw, required, {**extra, **_NETWORK_FIELDS[kind]}))
    doc["networks"] = out_networks

    doc["segments"] = [
        _fields(
            draw,
            {"id": segment_id, "network": draw(pick(networks)), "physical_network": draw(PHYSNET)},
            {
                **_COMMON,
                "network_type": st.sampled_from(["flat", "vlan"]),
                "segmentation_id": optional(WIDE_INT),
                "hosts": _short_list(HOST),
            },
        )
        for segment_id in (segments if networks else [])
    ]
    if not networks:
        segments = []

    doc["subnets"] = [
        _fields(
            draw,
            {"id": subnet_id, "network": draw(pick(networks)), "cidr": draw(ADDRESS)},
            {
                **_COMMON,
                "segment": optional(pick(segments)) if segments else st.none(),
                "gateway_ip": optional(ADDRESS),
                "allocation_pools": _short_list(
                    st.fixed_dictionaries({"start": ADDRESS, "end": ADDRESS})
                ),
                "enable_dhcp": st.booleans(),
                "dns_nameservers": _short_list(ADDRESS),
                "ipv6_address_mode": optional(
                    st.sampled_from(["slaac", "dhcpv6-stateful", "dhcpv6-stateless"])
                ),
            },
        )
        for subnet_id in (subnets if networks else [])
    ]
    if not networks:
        subnets = []

    doc["ports"] = [
        _fields(
            draw,
            {"id": port_id, "network": draw(pick(networks))},
            {
                **_COMMON,
                "device": optional(pick(devices)) if devices else st.none(),
                "fixed_ips": fixed_ips(),
                "mac_address": optional(MAC),
            },
        )
        for port_id in (ids_of["ports"] if networks else [])
    ]
    ports = [p["id"] for p in doc["ports"]]

    doc["instances"] = [
        _fields(
            draw,
            {"id": instance_id},
            {
                **_COMMON,
                "kind": st.sampled_from(["container", "vm"]),
                "image": IMAGE,
                "host": optional(HOST),
                "published_ports": _short_list(
                    st.fixed_dictionaries(
                        {
                            "host_port": st.integers(1, 65535),
                            "container_port": st.integers(1, 65535),
                        },
                        optional={
                            "protocol": st.sampled_from(["tcp", "udp"]),
                            "host_ip": optional(ADDRESS),
                        },
                    )
                ),
                "l2_bridge": st.booleans(),
            },
        )
        for instance_id in ids_of["instances"]
    ]

    gateway = (
        st.fixed_dictionaries({"network": pick(networks)}, optional={"fixed_ips": fixed_ips()})
        if networks
        else st.none()
    )
    doc["routers"] = [
        _fields(
            draw,
            {"id": router_id},
            {
                **_COMMON,
                "mode": st.sampled_from(["legacy", "ha", "distributed"]),
                "external_gateway": optional(gateway),
                "snat": optional(st.booleans()),
                "routes": _short_list(
                    st.fixed_dictionaries({"destination": ADDRESS, "nexthop": ADDRESS})
                ),
                "hosts": _short_list(HOST),
                "vrrp": st.fixed_dictionaries(
                    {},
                    optional={
                        "vrrp_id": optional(WIDE_INT),
                        "advert_interval": st.floats(0.01, 255),
                        "nopreempt": st.booleans(),
                        "priorities": st.dictionaries(HOST, st.integers(1, 254), max_size=3),
                    },
                ),
            },
        )
        for router_id in ids_of["routers"]
    ]

    doc["floating_ips"] = [
        _fields(
            draw,
            {"id": fip_id, "network": draw(pick(networks))},
            {
                **_COMMON,
                "floating_ip_address": optional(ADDRESS),
                "port": optional(pick(ports)) if ports else st.none(),
            },
        )
        for fip_id in (ids_of["floating_ips"] if networks else [])
    ]

    members = st.fixed_dictionaries(
        {"instance": pick(ids_of["instances"]), "port": st.integers(1, 65535)},
        optional={"weight": st.integers(1, 256)},
    )
    health_check = st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(["tcp", "http"]),
            "interval": st.floats(0.5, 60),
            "timeout": st.floats(0.1, 60),
            "rise": st.integers(1, 10),
            "fall": st.integers(1, 10),
            "http_path": st.from_regex(r"/[A-Za-z0-9._~%/?=&+,:@-]{0,20}", fullmatch=True),
        },
    )
    doc["load_balancers"] = [
        _fields(
            draw,
            {"id": lb_id, "subnet": draw(pick(subnets)), "port": draw(st.integers(1, 65535))},
            {
                **_COMMON,
                "vip_address": optional(ADDRESS),
                "algorithm": st.sampled_from(["round_robin", "weighted"]),
                "members": _short_list(members) if ids_of["instances"] else st.just([]),
                "health_check": health_check,
                "hosts": _short_list(HOST, max_size=1),
            },
        )
        for lb_id in (ids_of["load_balancers"] if subnets else [])
    ]

    element_ids = [e["id"] for name in ELEMENT_LISTS for e in doc[name]]
    layout_keys = element_ids + group_ids
    position = st.fixed_dictionaries({"x": COORDINATE, "y": COORDINATE})
    keys = (
        st.sampled_from(layout_keys) | HOST.map(lambda h: f"host:{h}")
        if layout_keys
        else HOST.map(lambda h: f"host:{h}")
    )
    layout: dict[str, Any] = {}
    if group_ids:
        layout["groups"] = [
            {
                "id": group_id,
                "label": draw(NAME),
                "members": draw(_short_list(st.sampled_from(layout_keys))),
            }
            for group_id in group_ids
        ]
    if draw(st.booleans()):
        layout["positions"] = draw(st.dictionaries(keys, position, max_size=6))
    if draw(st.booleans()):
        layout["viewport"] = draw(
            st.fixed_dictionaries(
                {}, optional={"x": COORDINATE, "y": COORDINATE, "zoom": st.floats(0.001, 100)}
            )
        )
    if layout or draw(st.booleans()):
        doc["layout"] = layout
    # Leave out some of the (empty or not) lists: every list has a default.
    for name in ELEMENT_LISTS:
        if not doc[name] and draw(st.booleans()):
            del doc[name]
    return doc


# --- arbitrary values and mutations ---------------------------------------------------------

# Strings a person (or an attacker) might type into any field.
TRICKY_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "O'Brien",
        'say "hi"',
        "line\nbreak",
        "trailing\n",
        "; rm -rf /",
        "$(reboot)",
        "`id`",
        "a|b&c>d",
        "\x00",
        "x" * 10_000,
        "1500",
        "true",
        "10.0.0.1",
        "10.0.0.0/24",
        "n1",
        "host:network-1",
    ]
)
# Arbitrary text, without combining marks and other characters whose membership in `\w` differs
# between pydantic's regex engine and Python's `re` (see test_parse_errors.py, which pins that).
TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Mn", "Mc", "Me", "Pc", "So", "Cf")) | st.just("_"),
    max_size=30,
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | TRICKY_STRINGS
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(TEXT | TRICKY_STRINGS, children, max_size=4)
    ),
    max_leaves=12,
)
# Keys a mutation may add: real field names (misplaced) as well as nonsense.
FIELD_NAMES = st.sampled_from(
    [
        *ELEMENT_LISTS,
        "id",
        "name",
        "kind",
        "network",
        "segment",
        "subnet",
        "device",
        "port",
        "cidr",
        "fixed_ips",
        "external_gateway",
        "hosts",
        "vrrp",
        "layout",
        "positions",
        "groups",
        "members",
        "schema_version",
    ]
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*here, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*here, index)))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid document with one to three random changes."""
    doc: Any = copy.deepcopy(draw(documents(max_per_list=3)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if not path:
            doc = draw(JSON_VALUES) if action == "replace" else doc
            continue
        parent, last = _get(doc, path[:-1]), path[-1]
        if action == "replace":
            parent[last] = draw(JSON_VALUES)
        elif action == "delete":
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(FIELD_NAMES | TEXT)] = draw(JSON_VALUES)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc
