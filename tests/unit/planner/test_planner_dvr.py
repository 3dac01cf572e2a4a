"""Distributed routers: a copy on each host with an instance on the router's networks, all with
the same gateway addresses but MACs of their own, kept apart by permanent neighbour entries and
each host's bridge filter; floating IPs served on the instance's host when it reaches the
external network, and SNAT for the rest on a networking node."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tasks.drivers import HostBinding
from tasks.drivers.dryrun import commands
from tasks.planner.dvr import (
    CENTRAL_RULE,
    CENTRAL_TABLE,
    FLOATING_RULE,
    FLOATING_TABLE,
    snat_namespace,
)
from tasks.planner.names import interface_name, namespace_name
from tasks.planner.state import (
    Address,
    DistributedTunnels,
    Firewall,
    HostState,
    Namespace,
    Plan,
    PolicyRouting,
    Veth,
)
from tasks.planner.steps import plan_steps
from tests.builders import net, port, subnet
from tests.unit.planner.test_planner_support import (
    FABRIC,
    PREFIX,
    codes,
    facts,
    instance,
    objects,
    plan_of,
)

# The lab's layout, but every compute host also on the external network.
WITH_EXTERNAL = (
    *FABRIC[:2],
    facts("compute-1", "compute", "198.18.0.101/24", {"external": "ext0"}),
    facts("compute-2", "compute", "198.18.0.102/24", {"external": "ext0"}),
)
GATEWAYS = {"10.1.0.1", "10.2.0.1"}


def _dvr(hosts: tuple[Any, ...] = WITH_EXTERNAL, **changes: Any) -> Plan:
    """Distributed router r between app (vm-1 on compute-1, with a floating IP), db (vm-2 on
    compute-2) and the external network."""
    lists: dict[str, Any] = {
        "networks": [
            net("ext", "provider", physical_network="external", external=True),
            net("app"),
            net("db"),
        ],
        "subnets": [
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("app-v4", "app", "10.1.0.0/24", gateway_ip="10.1.0.1", enable_dhcp=False),
            subnet("db-v4", "db", "10.2.0.0/24", gateway_ip="10.2.0.1", enable_dhcp=False),
        ],
        "ports": [
            port("r-app", "app", "r", ("app-v4", None)),
            port("r-db", "db", "r", ("db-v4", None)),
            port("vm-1-eth0", "app", "vm-1", ("app-v4", "10.1.0.5")),
            port("vm-2-eth0", "db", "vm-2", ("db-v4", "10.2.0.5")),
        ],
        "instances": [instance("vm-1", "compute-1"), instance("vm-2", "compute-2")],
        "routers": [
            {
                "id": "r",
                "mode": "distributed",
                "external_gateway": {
                    "network": "ext",
                    "fixed_ips": [{"subnet": "ext-v4", "ip_address": "203.0.113.10"}],
                },
            }
        ],
        "floating_ips": [
            {
                "id": "fip",
                "network": "ext",
                "floating_ip_address": "203.0.113.50",
                "port": "vm-1-eth0",
            }
        ],
    }
    lists.update(changes)
    return plan_of(hosts, **lists)


def _copy(host: str) -> str:
    return namespace_name(PREFIX, "router", host, "r")


def _policy(result: Plan, host: str) -> PolicyRouting:
    (found,) = objects(result, host, PolicyRouting)
    return found


def _nat(result: Plan, host: str, namespace: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    for firewall in objects(result, host, Firewall):
        if firewall.namespace == namespace and firewall.table == "nat":
            return dict(firewall.chains)
    return {}


def test_a_copy_runs_on_each_host_with_instances_and_snat_on_a_networking_node() -> None:
    result = _dvr()
    assert "plan.router_mode_unsupported" not in codes(result)
    routers = {
        host: {ns.name for ns in objects(result, host, Namespace) if ns.role == "router"}
        for host in result.hosts
    }
    assert routers == {
        "compute-1": {_copy("compute-1")},
        "compute-2": {_copy("compute-2")},
        "network-1": {snat_namespace(PREFIX, "network-1", "r")},
        "network-2": set(),
    }


def test_every_copy_has_the_gateways_with_macs_of_its_own() -> None:
    result = _dvr()
    macs = {}
    for host in ("compute-1", "compute-2"):
        held = {a.cidr.split("/")[0] for a in objects(result, host, Address)}
        assert held >= GATEWAYS
        for veth in objects(result, host, Veth):
            if veth.peer_namespace == _copy(host) and veth.owner != "r":
                macs[host, veth.owner] = veth.peer_mac
    assert set(macs) == {(h, p) for h in ("compute-1", "compute-2") for p in ("r-app", "r-db")}
    assert len(set(macs.values())) == 4
    # The central SNAT has addresses of its own on both networks, never a gateway's.
    snat = snat_namespace(PREFIX, "network-1", "r")
    held = {a.cidr for a in objects(result, "network-1", Address) if a.namespace == snat}
    assert not {cidr.split("/")[0] for cidr in held} & GATEWAYS
    assert {cidr.rsplit(".", 1)[0] for cidr in held} >= {"10.1.0", "10.2.0"}


def test_copies_know_every_instance_and_the_central_snat_without_asking() -> None:
    result = _dvr()
    policy = _policy(result, "compute-1")
    by_address = {address: (device, mac) for device, address, mac in policy.neighbours}
    assert {"10.1.0.5", "10.2.0.5"} <= set(by_address)
    snat = snat_namespace(PREFIX, "network-1", "r")
    snat_addresses = {
        a.cidr.split("/")[0]
        for a in objects(result, "network-1", Address)
        if a.namespace == snat and a.cidr.startswith("10.")
    }
    assert snat_addresses <= set(by_address)
    # Everything not from a floating IP leaves for the central SNAT's address on app.
    assert (CENTRAL_RULE, "0.0.0.0/0", CENTRAL_TABLE) in policy.rules
    (central,) = [route for route in policy.routes if route[0] == CENTRAL_TABLE]
    assert central[2] in snat_addresses
    assert central[2].startswith("10.1.0.")
    assert _policy(result, "compute-2").neighbours != ()


def test_each_copy_host_drops_arp_for_the_gateways_on_its_tunnels() -> None:
    result = _dvr()
    tunnels = {interface_name(PREFIX, "vxlan", network) for network in ("app", "db")}
    for host in ("compute-1", "compute-2"):
        (bridge_filter,) = objects(result, host, DistributedTunnels)
        assert bridge_filter.namespace is None
        assert set(bridge_filter.drops) == {
            (interface_name(PREFIX, "vxlan", "app"), "10.1.0.1"),
            (interface_name(PREFIX, "vxlan", "db"), "10.2.0.1"),
        }
        assert {port for port, _address in bridge_filter.drops} == tunnels
    assert objects(result, "network-1", DistributedTunnels) == []


def test_a_floating_ip_is_served_on_its_instances_own_host() -> None:
    result = _dvr()
    copy = _copy("compute-1")
    gateway = interface_name(PREFIX, "gateway", "r", "compute-1", "floating")
    assert Address(gateway, "203.0.113.50/24", "fip", copy) in objects(result, "compute-1", Address)
    nat = _nat(result, "compute-1", copy)
    assert ("-d", "203.0.113.50/32", "-j", "DNAT", "--to-destination", "10.1.0.5") in nat[
        f"{PREFIX}-pre"
    ]
    policy = _policy(result, "compute-1")
    assert (FLOATING_RULE, "10.1.0.5/32", FLOATING_TABLE) in policy.rules
    assert (FLOATING_TABLE, "0.0.0.0/0", "203.0.113.1", gateway) in policy.routes
    # Neither the other copy nor the central SNAT translates it.
    assert _nat(result, "compute-2", _copy("compute-2")) == {}
    snat = _nat(result, "network-1", snat_namespace(PREFIX, "network-1", "r"))
    assert not any("203.0.113.50/32" in rule for rules in snat.values() for rule in rules)
    assert any("SNAT" in rule and "10.2.0.0/24" in rule for rule in snat[f"{PREFIX}-post"])


def test_a_floating_ip_whose_host_has_no_way_out_is_served_centrally_and_said_so() -> None:
    result = _dvr(hosts=FABRIC)
    assert "plan.distributed_floating_ip_central" in codes(result)
    assert objects(result, "compute-1", Firewall) == []
    snat = snat_namespace(PREFIX, "network-1", "r")
    nat = _nat(result, "network-1", snat)
    assert ("-d", "203.0.113.50/32", "-j", "DNAT", "--to-destination", "10.1.0.5") in nat[
        f"{PREFIX}-pre"
    ]
    policy = _policy(result, "compute-1")
    assert not [rule for rule in policy.rules if rule[0] == FLOATING_RULE]


def test_a_router_without_a_gateway_has_copies_and_no_central_snat() -> None:
    result = _dvr(floating_ips=[], routers=[{"id": "r", "mode": "distributed"}])
    assert objects(result, "network-1", Namespace) == []
    policy = _policy(result, "compute-1")
    assert policy.rules == ()
    assert policy.routes == ()
    assert {"10.1.0.5", "10.2.0.5"} <= {address for _d, address, _m in policy.neighbours}


def test_a_distributed_router_on_a_provider_network_is_not_realised() -> None:
    result = _dvr(
        networks=[
            net("ext", "provider", physical_network="external", external=True),
            net("app", "provider", physical_network="physnet1"),
            net("db"),
        ]
    )
    assert "plan.distributed_needs_overlay" in codes(result)
    assert all(objects(result, host, PolicyRouting) == [] for host in result.hosts)


def test_the_plan_is_the_same_whatever_the_order() -> None:
    result = _dvr()
    again = _dvr(instances=[instance("vm-2", "compute-2"), instance("vm-1", "compute-1")])
    assert result == again


def test_the_dry_run_shows_the_copys_routing_and_the_hosts_tunnels() -> None:
    desired = _dvr().hosts["compute-1"]
    binding = HostBinding("compute-1", "lab-c1", prefix=PREFIX)
    shown = commands(plan_steps(HostState("compute-1"), desired), binding)
    argvs = [" ".join(command.argv) for command in shown]
    copy = _copy("compute-1")
    assert f"ip -n {copy} neigh replace 10.2.0.5 lladdr" in "\n".join(argvs)
    assert f"ip -n {copy} rule add priority {CENTRAL_RULE} from 0.0.0.0/0 lookup 101" in argvs
    assert f"ip -n {copy} rule add priority {FLOATING_RULE} from 10.1.0.5/32 lookup 100" in argvs
    (nft,) = [command for command in shown if command.argv[-3:] == ("nft", "-f", "-")]
    assert nft.argv[:4] == ("ip", "netns", "exec", "lab-c1")
    assert nft.stdin is not None
    assert f'oifname "{interface_name(PREFIX, "vxlan", "db")}" arp daddr ip 10.2.0.1 drop' in (
        nft.stdin
    )
    assert any(a.startswith("bridge -n lab-c1 fdb replace") for a in argvs)
    # Removing it all deletes the table, and only it.
    removal = commands(plan_steps(desired, HostState("compute-1")), binding)
    (gone,) = [command for command in removal if command.stdin and "bridge" in command.stdin]
    assert gone.stdin == f"table bridge {PREFIX} {{}}\ndelete table bridge {PREFIX}\n"


def test_entries_change_in_place_and_come_back_with_their_vxlan_device() -> None:
    desired = _dvr().hosts["compute-1"]
    (policy,) = desired.policy_routings
    (tunnels,) = desired.distributed_tunnels
    fewer = replace(policy, neighbours=policy.neighbours[1:])
    observed = replace(desired, policy_routings=(fewer,))
    assert [(s.action, type(s.obj)) for s in plan_steps(observed, desired)] == [
        ("update", PolicyRouting)
    ]
    # The db network's VXLAN device is replaced (another VNI): its entries go with it, the
    # bridge filter is taken down and both are made again.
    (vxlan,) = [v for v in desired.vxlans if v.owner == "db"]
    other = replace(vxlan, vni=vxlan.vni + 1)
    observed = replace(desired, vxlans=tuple(other if v is vxlan else v for v in desired.vxlans))
    steps = [(s.action, type(s.obj).__name__) for s in plan_steps(observed, desired)]
    assert ("remove", "DistributedTunnels") in steps
    assert ("create", "DistributedTunnels") in steps
    assert tunnels.forwards


def test_the_copies_pin_remote_macs_to_their_hosts() -> None:
    result = _dvr()
    (tunnels,) = result.hosts["compute-1"].distributed_tunnels
    db = interface_name(PREFIX, "vxlan", "db")
    remotes = {(tunnel, remote) for tunnel, _mac, remote in tunnels.forwards}
    # vm-2 on compute-2, and the central SNAT on network-1; nothing for vm-1, which is here.
    assert (db, "198.18.0.102") in remotes
    assert {remote for _t, remote in remotes} == {"198.18.0.102", "198.18.0.11"}


def test_ipv6_addresses_of_a_distributed_router_are_noted_and_not_planned() -> None:
    result = _dvr(
        subnets=[
            subnet("ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False),
            subnet("app-v4", "app", "10.1.0.0/24", gateway_ip="10.1.0.1", enable_dhcp=False),
            subnet("app-v6", "app", "fd00:1::/64", gateway_ip="fd00:1::1", enable_dhcp=False),
            subnet("db-v4", "db", "10.2.0.0/24", gateway_ip="10.2.0.1", enable_dhcp=False),
        ],
        ports=[
            port("r-app", "app", "r", ("app-v4", None), ("app-v6", None)),
            port("r-db", "db", "r", ("db-v4", None)),
            port("vm-1-eth0", "app", "vm-1", ("app-v4", "10.1.0.5")),
            port("vm-2-eth0", "db", "vm-2", ("db-v4", "10.2.0.5")),
        ],
    )
    assert "plan.distributed_ipv6" in codes(result)
    copy = _copy("compute-1")
    held = [a.cidr for a in objects(result, "compute-1", Address) if a.namespace == copy]
    assert "10.1.0.1/24" in held
    assert not [cidr for cidr in held if ":" in cidr]
