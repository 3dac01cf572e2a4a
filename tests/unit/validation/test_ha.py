"""High-availability and distributed router rules: VRRP and host placement."""

from __future__ import annotations

from typing import Any

from designer.validation import HostInfo, ValidationContext
from tests.builders import document, findings_for, net, port, subnet

NETWORK = frozenset({"network"})
COMPUTE = frozenset({"compute"})
HOSTS = {
    "net1": HostInfo("net1", NETWORK, external=True),
    "net2": HostInfo("net2", NETWORK, external=True),
    "cmp1": HostInfo("cmp1", COMPUTE, external=True),
    "cmp2": HostInfo("cmp2", COMPUTE),
}
WITH_HOSTS = ValidationContext(hosts=HOSTS)
ONE_NETWORKING_NODE = ValidationContext(hosts={"net1": HOSTS["net1"], "cmp1": HOSTS["cmp1"]})


def router(id: str, mode: str = "ha", **fields: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "mode": mode, **fields}


def vrrp(vrrp_id: int | None = None, **priorities: int) -> dict[str, Any]:
    return {"vrrp_id": vrrp_id, "priorities": priorities}


# --- HA routers -----------------------------------------------------------------------------


def test_ha_router_with_one_networking_node_among_its_hosts_is_an_error() -> None:
    doc = document(routers=[router("r1", hosts=["net1", "cmp1", "nowhere"])])
    [finding] = findings_for(doc, "ha.too_few_hosts", WITH_HOSTS)
    assert finding.elements == ("r1",)
    assert finding.data == {"count": 1, "hosts": ["net1"]}


def test_ha_router_with_two_networking_nodes_is_fine() -> None:
    doc = document(routers=[router("r1", hosts=["net1", "net2"]), router("r2")])
    assert findings_for(doc, "ha.too_few_hosts", WITH_HOSTS) == []


def test_ha_router_without_hosts_counts_every_networking_node() -> None:
    doc = document(routers=[router("r1"), router("r2", "legacy")])
    [finding] = findings_for(doc, "ha.too_few_hosts", ONE_NETWORKING_NODE)
    assert finding.elements == ("r1",)
    assert finding.data["count"] == 1


def test_ha_router_hosts_are_counted_without_the_host_registry() -> None:
    doc = document(
        routers=[router("r1", hosts=["net1", "net1"]), router("r2", hosts=["a", "b"]), router("r3")]
    )
    [finding] = findings_for(doc, "ha.too_few_hosts")
    assert finding.elements == ("r1",)


def test_vrrp_id_outside_1_to_255_is_an_error() -> None:
    doc = document(
        routers=[
            router("r0", vrrp=vrrp(0)),
            router("r1", vrrp=vrrp(1)),
            router("r255", vrrp=vrrp(255)),
            router("r256", vrrp=vrrp(256)),
            router("legacy", "legacy", vrrp=vrrp(999)),
        ]
    )
    findings = findings_for(doc, "ha.vrrp_id_invalid")
    assert [(f.elements, f.data) for f in findings] == [
        (("r0",), {"vrrp_id": 0}),
        (("r256",), {"vrrp_id": 256}),
    ]


def test_two_ha_routers_with_one_vrrp_id_are_an_error() -> None:
    doc = document(
        routers=[
            router("r1", vrrp=vrrp(7)),
            router("r2", vrrp=vrrp(8)),
            router("r3", vrrp=vrrp(7)),
            router("r4", vrrp=vrrp()),
            router("r5", vrrp=vrrp()),
            router("legacy", "legacy", vrrp=vrrp(8)),
        ]
    )
    [finding] = findings_for(doc, "ha.vrrp_id_duplicate")
    assert finding.elements == ("r1", "r3")
    assert finding.data == {"vrrp_id": 7}


def test_vrrp_priority_for_a_host_the_router_does_not_run_on_is_a_warning() -> None:
    doc = document(
        routers=[
            router("r1", hosts=["net1", "net2"], vrrp=vrrp(net1=200, cmp1=100)),
            router("r2", hosts=["net1", "net2"], vrrp=vrrp(net1=200, net2=100)),
        ]
    )
    [finding] = findings_for(doc, "ha.priority_for_other_host")
    assert finding.elements == ("r1",)
    assert finding.data == {"hosts": ["cmp1"]}


def test_vrrp_priorities_of_a_router_without_hosts_need_the_registry() -> None:
    doc = document(routers=[router("r1", vrrp=vrrp(net2=200))])
    assert findings_for(doc, "ha.priority_for_other_host") == []
    [finding] = findings_for(doc, "ha.priority_for_other_host", ONE_NETWORKING_NODE)
    assert finding.data == {"hosts": ["net2"]}
    assert findings_for(doc, "ha.priority_for_other_host", WITH_HOSTS) == []


# --- placement ------------------------------------------------------------------------------


def test_legacy_router_on_a_compute_node_is_an_error() -> None:
    doc = document(
        routers=[
            router("r1", "legacy", hosts=["cmp1"]),
            router("r2", "legacy", hosts=["net1"]),
            router("dvr", "distributed", hosts=["cmp1", "cmp2"]),
        ]
    )
    [finding] = findings_for(doc, "ha.router_not_on_networking_node", WITH_HOSTS)
    assert finding.elements == ("r1",)
    assert finding.data == {"hosts": ["cmp1"]}
    assert findings_for(doc, "ha.router_not_on_networking_node") == []


def test_unknown_host_names_are_errors_wherever_they_are() -> None:
    doc = document(
        networks=[net("rp", "routed_provider")],
        segments=[{"id": "seg", "network": "rp", "physical_network": "p", "hosts": ["cmp1", "x"]}],
        instances=[{"id": "vm1", "host": "y"}, {"id": "vm2", "host": "cmp2"}],
        routers=[router("r1", "legacy", hosts=["z"]), router("r2", hosts=["net1", "net2"])],
    )
    findings = findings_for(doc, "ha.unknown_host", WITH_HOSTS)
    assert [(f.elements, f.data) for f in findings] == [
        (("vm1",), {"field": "host", "hosts": ["y"]}),
        (("seg",), {"field": "hosts", "hosts": ["x"]}),
        (("r1",), {"field": "hosts", "hosts": ["z"]}),
    ]
    assert findings_for(doc, "ha.unknown_host") == []


# --- distributed routers --------------------------------------------------------------------


def dvr(*, gateway: bool, host: str, allocated_host: str = "cmp1") -> Any:
    """vm1 on `host` with an address on the subnet of distributed router r1, vm2 on
    `allocated_host` with an address to be allocated on the same network, and vm3 on cmp2, on
    a network no router serves."""
    fields: dict[str, Any] = {"hosts": []}
    if gateway:
        fields["external_gateway"] = {"network": "ext"}
    return document(
        networks=[
            net("ext", "provider", physical_network="physnet1", external=True),
            net("n1"),
            net("n2"),
        ],
        subnets=[subnet("s1", "n1", "10.0.0.0/24")],
        instances=[
            {"id": "vm1", "host": host},
            {"id": "vm2", "host": allocated_host},
            {"id": "vm3", "host": "cmp2"},
        ],
        routers=[router("r1", "distributed", **fields)],
        ports=[
            port("rp", "n1", "r1", ("s1", "10.0.0.1")),
            port("p1", "n1", "vm1", ("s1", "10.0.0.5")),
            port("p2", "n1", "vm2"),
            port("p3", "n2", "vm3"),
        ],
    )


def test_distributed_router_with_a_compute_host_lacking_external_is_a_warning() -> None:
    [finding] = findings_for(
        dvr(gateway=True, host="cmp2"), "ha.dvr_host_without_external", WITH_HOSTS
    )
    assert finding.elements == ("r1",)
    assert finding.data == {"hosts": ["cmp2"]}


def test_distributed_router_counts_ports_without_fixed_ips_on_its_networks() -> None:
    doc = dvr(gateway=True, host="cmp1", allocated_host="cmp2")
    [finding] = findings_for(doc, "ha.dvr_host_without_external", WITH_HOSTS)
    assert finding.data == {"hosts": ["cmp2"]}


def test_distributed_router_on_connected_hosts_or_without_gateway_is_fine() -> None:
    code = "ha.dvr_host_without_external"
    assert findings_for(dvr(gateway=True, host="cmp1"), code, WITH_HOSTS) == []
    assert findings_for(dvr(gateway=False, host="cmp2"), code, WITH_HOSTS) == []
    assert findings_for(dvr(gateway=True, host="cmp2"), code) == []
