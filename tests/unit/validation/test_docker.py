"""Docker networking rules: host and none networks, published ports, macvlan, DNS names."""

from __future__ import annotations

from typing import Any

from designer.validation import HostInfo, ValidationContext
from tests.builders import document, findings_for, net, port


def container(id: str, *published: tuple[int, str, str | None], **fields: Any) -> dict[str, Any]:
    """`container("c1", (8080, "tcp", None))`: published (host port, protocol, host address)."""
    ports = [
        {"host_port": hp, "container_port": 80, "protocol": proto, "host_ip": ip}
        for hp, proto, ip in published
    ]
    return {"id": id, "name": id, "published_ports": ports, **fields}


# --- host and none networks -----------------------------------------------------------------


def test_container_on_the_host_network_and_another_is_an_error() -> None:
    doc = document(
        networks=[net("host", "docker_host"), net("br", "docker_user_bridge")],
        instances=[container("c1")],
        ports=[port("p1", "host", "c1"), port("p2", "br", "c1")],
    )
    [finding] = findings_for(doc, "docker.exclusive_network_shared")
    assert finding.elements == ("c1", "host", "br")
    assert finding.data == {"network": "host"}


def test_container_on_the_none_network_and_another_is_an_error() -> None:
    doc = document(
        networks=[net("br", "docker_bridge"), net("none", "docker_none")],
        instances=[container("c1")],
        ports=[port("p1", "br", "c1"), port("p2", "none", "c1")],
    )
    [finding] = findings_for(doc, "docker.exclusive_network_shared")
    assert finding.data == {"network": "none"}


def test_container_only_on_the_host_network_is_fine() -> None:
    doc = document(
        networks=[net("host", "docker_host"), net("br", "docker_user_bridge")],
        instances=[container("c1"), container("c2")],
        ports=[port("p1", "host", "c1"), port("p2", "br", "c2"), port("p3", "br", "c2")],
    )
    assert findings_for(doc, "docker.exclusive_network_shared") == []


def test_published_ports_on_the_none_network_only_are_a_warning() -> None:
    doc = document(
        networks=[net("none", "docker_none")],
        instances=[container("c1", (8080, "tcp", None)), container("c2")],
        ports=[port("p1", "none", "c1"), port("p2", "none", "c2")],
    )
    [finding] = findings_for(doc, "docker.published_ports_ignored")
    assert finding.elements == ("c1", "none")
    assert finding.data == {"ports": [8080]}


def test_published_ports_on_a_bridge_are_fine() -> None:
    doc = document(
        networks=[net("br", "docker_user_bridge")],
        instances=[container("c1", (8080, "tcp", None)), container("c2", (8081, "tcp", None))],
        ports=[port("p1", "br", "c1")],  # c2 has no port: it joins the default bridge
    )
    assert findings_for(doc, "docker.published_ports_ignored") == []


# --- published ports -----------------------------------------------------------------------


def test_two_containers_publishing_one_port_on_the_default_host_clash() -> None:
    doc = document(
        instances=[container("c1", (8080, "tcp", None)), container("c2", (8080, "tcp", None))]
    )
    [finding] = findings_for(doc, "docker.host_port_conflict")
    assert finding.elements == ("c1", "c2")
    assert finding.data == {"host": None, "protocol": "tcp", "host_port": 8080}
    assert "default host" in finding.message


def test_one_port_on_different_hosts_or_protocols_is_fine() -> None:
    doc = document(
        instances=[
            container("c1", (8080, "tcp", None), host="h1"),
            container("c2", (8080, "tcp", None), host="h2"),
            container("c3", (8080, "udp", None), host="h1"),
            container("c4", (8081, "tcp", None), host="h1"),
        ]
    )
    assert findings_for(doc, "docker.host_port_conflict") == []


def test_one_port_on_different_host_addresses_is_fine() -> None:
    doc = document(
        instances=[
            container("c1", (8080, "tcp", "192.0.2.1")),
            container("c2", (8080, "tcp", "192.0.2.2")),
        ]
    )
    assert findings_for(doc, "docker.host_port_conflict") == []


def test_the_any_address_clashes_with_a_specific_one() -> None:
    doc = document(
        instances=[
            container("c1", (8080, "tcp", "192.0.2.1"), host="h1"),
            container("c2", (8080, "tcp", "0.0.0.0"), host="h1"),  # noqa: S104 (the any address)
        ]
    )
    [finding] = findings_for(doc, "docker.host_port_conflict")
    assert finding.elements == ("c1", "c2")
    assert finding.data["host"] == "h1"


def test_one_specific_address_twice_clashes() -> None:
    doc = document(
        instances=[
            container("c1", (53, "udp", "192.0.2.1"), (53, "udp", "192.0.2.1")),
            container("c2", (53, "udp", "192.0.2.2")),
        ]
    )
    [finding] = findings_for(doc, "docker.host_port_conflict")
    assert finding.elements == ("c1",)


# --- macvlan --------------------------------------------------------------------------------


def test_macvlan_network_without_a_parent_is_an_error() -> None:
    doc = document(
        networks=[net("mv", "docker_macvlan"), net("mv2", "docker_macvlan", parent="physnet1")]
    )
    [finding] = findings_for(doc, "docker.macvlan_without_parent")
    assert finding.elements == ("mv",)


HOSTS = {
    "h1": HostInfo("h1", frozenset({"compute"}), frozenset({"physnet1"})),
    "h2": HostInfo("h2", frozenset({"compute"})),
}


def macvlan_on(host: str | None) -> Any:
    fields = {} if host is None else {"host": host}
    return document(
        networks=[net("mv", "docker_macvlan", parent="physnet1")],
        instances=[container("c1", **fields)],
        ports=[port("p1", "mv", "c1")],
    )


def test_macvlan_parent_missing_on_the_instances_host_is_an_error() -> None:
    [finding] = findings_for(
        macvlan_on("h2"), "docker.macvlan_parent_missing", ValidationContext(hosts=HOSTS)
    )
    assert finding.elements == ("c1", "mv")
    assert finding.data == {"host": "h2", "physical_network": "physnet1"}


def test_macvlan_parent_on_the_host_or_no_host_context_is_fine() -> None:
    context = ValidationContext(hosts=HOSTS)
    assert findings_for(macvlan_on("h1"), "docker.macvlan_parent_missing", context) == []
    assert findings_for(macvlan_on(None), "docker.macvlan_parent_missing", context) == []
    assert findings_for(macvlan_on("h2"), "docker.macvlan_parent_missing") == []


# --- DNS names ------------------------------------------------------------------------------


def named(id: str, name: str) -> dict[str, Any]:
    return {"id": id, "name": name}


def test_two_containers_with_one_name_on_a_dns_bridge_are_an_error() -> None:
    doc = document(
        networks=[net("br", "docker_user_bridge")],
        instances=[named("c1", "web"), named("c2", "Web"), named("c3", "db")],
        ports=[port("p1", "br", "c1"), port("p2", "br", "c2"), port("p3", "br", "c3")],
    )
    [finding] = findings_for(doc, "docker.dns_name_ambiguous")
    assert finding.elements == ("br", "c1", "c2")
    assert finding.data == {"name": "web"}


def test_one_name_without_dns_or_on_different_bridges_is_fine() -> None:
    doc = document(
        networks=[
            net("br1", "docker_user_bridge"),
            net("br2", "docker_user_bridge"),
            net("quiet", "docker_user_bridge", dns=False),
        ],
        instances=[named("c1", "web"), named("c2", "web"), named("c3", "web")],
        ports=[
            port("p1", "br1", "c1"),
            port("p1b", "br1", "c1"),
            port("p2", "br2", "c2"),
            port("p3", "quiet", "c1"),
            port("p4", "quiet", "c3"),
        ],
    )
    assert findings_for(doc, "docker.dns_name_ambiguous") == []
