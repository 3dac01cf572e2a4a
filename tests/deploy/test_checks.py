"""Connectivity checks with real traffic on the lab fabric: the probes run inside the deployed
instances' namespaces, on their hosts' queues, and each result is compared with what the design
predicts. Instances on one network reach each other (ping, and TCP to the responder); two
Docker user-defined bridges stay apart; a packet filter added by hand in an instance the test
deployed, or an isolation rule bypassed by hand on a host of the test's own lab fabric, shows
up as a finding; and a matrix of every pair finishes within seconds."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import User

from designer.models import CheckState, ConnectivityCheck, Topology
from designer.realtime.broadcast import group_name
from designer.realtime.events import ConnectivityEvent
from designer.services.checks import request_check
from designer.spec import Document
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix, interface_name, namespace_name
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import deploy, destroy_leaving_nothing, make_topology
from tests.deploy.test_scenarios_docker import bridges, container

# A matrix of the instances below must be over within this, from request to findings.
MATRIX_SECONDS = 8


def run(topology: Topology, owner: User, kind: str, **request: Any) -> ConnectivityCheck:
    """Ask for a check as a person would and wait for it to finish."""
    check = request_check(topology, owner, kind, **request)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        check.refresh_from_db()
        if check.finished:
            assert check.state == CheckState.DONE, check.error
            return check
        time.sleep(0.05)
    raise AssertionError(f"check still {check.state} after 30 s: {check.hosts}")


def lan(*vms: tuple[str, str]) -> dict[str, list[dict[str, Any]]]:
    """A self-service network 10.61.0.0/24 with each (vm, host) at .11, .12, ..."""
    return {
        "networks": [net("lan")],
        "subnets": [subnet("lan-v4", "lan", "10.61.0.0/24", gateway_ip="10.61.0.1")],
        "instances": [{"id": vm, "name": vm, "host": host} for vm, host in vms],
        "ports": [
            port(f"p-{vm}", "lan", vm, ("lan-v4", f"10.61.0.{11 + n}"))
            for n, (vm, _) in enumerate(vms)
        ],
    }


async def connectivity_events(channel: str) -> list[ConnectivityEvent]:
    """The `connectivity` events a topology's group sent to `channel`, up to the one that
    ends the check."""
    layer = get_channel_layer()
    events: list[ConnectivityEvent] = []
    while not events or events[-1].check.state not in ("done", "failed"):
        message = await asyncio.wait_for(layer.receive(channel), 10)
        if json.loads(message["text"])["type"] == "connectivity":
            events.append(ConnectivityEvent.model_validate_json(message["text"]))
    return events


def one_result(check: ConnectivityCheck) -> dict[str, Any]:
    (result,) = check.results
    return result


def test_two_instances_on_one_network_reach_each_other(lab: FabricSpec) -> None:
    owner, topology = make_topology(document(**lan(("vm1", "compute-1"), ("vm2", "compute-2"))))
    deploy(topology, owner)
    # A socket of the topology would get what its group gets.
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(topology.pk), channel)

    checked = run(topology, owner, "ping", source="vm1", target="vm2")
    events = async_to_sync(connectivity_events)(channel)
    assert [event.check.state for event in events] == ["queued", "running", "done"]
    assert events[-1].check.model_dump(mode="json")["results"] == checked.results
    ping = one_result(checked)
    assert ping["address"] == "10.61.0.12"
    assert ping["reachable"] is True, ping
    assert ping["expected"] is True
    assert ping["agrees"] is True
    assert ping["rtt_ms"] is not None
    assert ping["path"] == ["vm1", "lan-v4", "vm2"]

    echo = run(topology, owner, "tcp", source="vm2", target="vm1", port=7)
    assert one_result(echo)["reachable"] is True, echo.results
    assert one_result(echo)["agrees"] is True
    assert echo.findings == []
    assert echo.hosts == {"compute-2": {"done": 1, "total": 1, "state": "done"}}

    # Nothing listens on 22: refused, as the design says (the responder has 7 and 80).
    closed = one_result(run(topology, owner, "tcp", source="vm1", target="vm2", port=22))
    assert closed["reachable"] is False
    assert closed["expected"] is False
    assert closed["agrees"] is True
    assert "refused" in closed["detail"]

    destroy_leaving_nothing(topology, owner, lab)


def test_two_user_defined_bridges_are_apart_as_the_design_says(lab: FabricSpec) -> None:
    owner, topology = make_topology(document(**bridges("172.33.1.0/24", "172.33.2.0/24")))
    deploy(topology, owner)

    for kind, extra in (("ping", {}), ("tcp", {"port": 7})):
        check = run(topology, owner, kind, source="c1", target="c2", **extra)
        result = one_result(check)
        assert result["address"] == "172.33.2.11"
        assert result["reachable"] is False, result
        assert result["expected"] is False
        assert result["agrees"] is True
        assert result["path"] == []
        assert check.findings == []

    destroy_leaving_nothing(topology, owner, lab)


def test_a_packet_filter_added_by_hand_is_an_unexpected_block(lab: FabricSpec) -> None:
    owner, topology = make_topology(document(**lan(("vm1", "compute-1"), ("vm2", "compute-1"))))
    deploy(topology, owner)
    # The target drops everything that comes in: the design does not know.
    vm2 = namespace_name(deployment_prefix(topology.pk), "instance", "compute-1", "vm2")
    probe.run("ip", "netns", "exec", vm2, "iptables", "-A", "INPUT", "-j", "DROP")

    for kind, extra in (("ping", {}), ("tcp", {"port": 80})):
        check = run(topology, owner, kind, source="vm1", target="vm2", **extra)
        result = one_result(check)
        assert result["reachable"] is False
        assert result["expected"] is True
        assert result["agrees"] is False
        (finding,) = check.findings
        assert finding["code"] == "connectivity.unexpected_block"
        assert finding["severity"] == "warning"
        assert finding["elements"] == ["vm1", "vm2"]
        assert "could not reach" in finding["message"]

    destroy_leaving_nothing(topology, owner, lab)


@contextmanager
def forwarding_between(namespace: str, one: str, other: str) -> Iterator[None]:
    """Rules put by hand at the top of a host's FORWARD chain that let two bridges talk,
    ahead of the deployment's isolation; removed afterwards."""
    rules = [("-i", one, "-o", other, "-j", "ACCEPT"), ("-i", other, "-o", one, "-j", "ACCEPT")]
    for rule in rules:
        probe.run("ip", "netns", "exec", namespace, "iptables", "-I", "FORWARD", "1", *rule)
    try:
        yield
    finally:
        for rule in rules:
            probe.run(
                "ip", "netns", "exec", namespace, "iptables", "-D", "FORWARD", *rule, check=False
            )


def test_isolation_bypassed_by_hand_is_an_unexpected_reach(lab: FabricSpec) -> None:
    owner, topology = make_topology(document(**bridges("172.34.1.0/24", "172.34.2.0/24")))
    prefix = deployment_prefix(topology.pk)
    deploy(topology, owner)
    br1, br2 = (interface_name(prefix, "bridge", network) for network in ("br1", "br2"))

    with forwarding_between(lab.host_named("compute-1").namespace, br1, br2):
        check = run(topology, owner, "ping", source="c1", target="c2")
    result = one_result(check)
    assert result["reachable"] is True, result
    assert result["expected"] is False
    assert result["agrees"] is False
    (finding,) = check.findings
    assert finding["code"] == "connectivity.unexpected_reach"
    assert finding["severity"] == "error"
    assert finding["elements"] == ["c1", "c2"]

    destroy_leaving_nothing(topology, owner, lab)


def small_campus() -> Document:
    """Four VMs on one self-service network across both compute nodes, two containers on a
    user-defined bridge of compute-1 and one on another bridge of compute-2."""
    lists = lan(
        ("vm1", "compute-1"), ("vm2", "compute-2"), ("vm3", "compute-1"), ("vm4", "compute-2")
    )
    docker = bridges("172.35.1.0/24", "172.35.2.0/24")
    docker["instances"][1]["host"] = "compute-2"
    docker["instances"].append(container("c3"))
    docker["ports"].append(port("p3", "br1", "c3", ("s1", "172.35.1.12")))
    for kind, items in docker.items():
        lists.setdefault(kind, []).extend(items)
    return document(**lists)


def test_the_matrix_of_a_small_campus_agrees_with_the_design(lab: FabricSpec) -> None:
    owner, topology = make_topology(small_campus())
    deploy(topology, owner)

    started = time.monotonic()
    check = run(topology, owner, "matrix")
    took = time.monotonic() - started

    vms = {"vm1", "vm2", "vm3", "vm4"}
    assert len(check.results) == 7 * 6
    assert all(result["agrees"] is True for result in check.results), [
        r for r in check.results if not r["agrees"]
    ]
    reached = {(r["source"], r["target"]) for r in check.results if r["reachable"]}
    expected = {(a, b) for a in vms for b in vms if a != b} | {("c1", "c3"), ("c3", "c1")}
    assert reached == expected
    assert check.findings == []
    assert set(check.hosts) == {"compute-1", "compute-2"}
    assert took < MATRIX_SECONDS, f"the matrix took {took:.1f} s"

    destroy_leaving_nothing(topology, owner, lab)
