"""keepalived of an HA router instance: its configuration (nothing but kernel names, addresses
and numbers reach it), the dry run's commands, and when steps restart it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tasks.drivers import HostBinding
from tasks.drivers.dryrun import commands
from tasks.drivers.render import keepalived_config, keepalived_files, vrrp_socket
from tasks.planner.state import HostState, Keepalived, Namespace, Veth
from tasks.planner.steps import Step, plan_steps

NS = "nl0001-r-abcdefghij"
EMULATED = HostBinding("network-1", "nlsc-n1", run_dir="/run/netloom", prefix="nl0001")
KEEPALIVED = Keepalived(
    owner="r1",
    namespace=NS,
    interface="nl0001wha",
    virtual_router_id=7,
    priority=150,
    advert_centiseconds=10,
    nopreempt=True,
    virtual_addresses=(
        ("10.0.0.1/24", "nl0001pin"),
        ("2001:db8::1/64", "nl0001pin"),
        ("203.0.113.10/24", "nl0001gout"),
    ),
    virtual_routes=(("default", "203.0.113.1", "nl0001gout"), ("10.8.0.0/16", "10.0.0.254", None)),
)
FILES = keepalived_files("/run/netloom", NS)


def test_the_configuration_is_one_vrrpv3_instance_starting_as_backup() -> None:
    text = keepalived_config(KEEPALIVED, FILES)
    assert "    vrrp_version 3\n" in text
    assert "    enable_script_security\n" in text
    assert "vrrp_instance VR_7 {\n    state BACKUP\n    interface nl0001wha\n" in text
    assert "    virtual_router_id 7\n    priority 150\n    advert_int 0.10\n    nopreempt\n" in text
    assert (
        "    virtual_ipaddress {\n"
        "        10.0.0.1/24 dev nl0001pin\n"
        "        203.0.113.10/24 dev nl0001gout\n"
        "    }\n"
        "    virtual_ipaddress_excluded {\n"
        "        2001:db8::1/64 dev nl0001pin\n"
        "    }\n"
        "    virtual_routes {\n"
        "        0.0.0.0/0 via 203.0.113.1 dev nl0001gout\n"
        "        10.8.0.0/16 via 10.0.0.254\n"
        "    }\n"
    ) in text
    notify = next(line for line in text.splitlines() if line.strip().startswith("notify"))
    assert notify.endswith(f' -m tasks.drivers.vrrp_notify {FILES.identity}"')
    assert "r1" not in text.replace("VR_", "")
    without = keepalived_config(
        replace(KEEPALIVED, nopreempt=False, advert_centiseconds=250), FILES
    )
    assert "nopreempt" not in without
    assert "    advert_int 2.50\n" in without


HOSTILE = ["web 1", "a\nb", "x;y", "it's", 'say"hi"', "#1", "back\\slash", "tab\there", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_that_could_break_out_of_its_line_is_refused(value: str) -> None:
    for keepalived in (
        replace(KEEPALIVED, interface=value),
        replace(KEEPALIVED, virtual_addresses=(("10.0.0.1/24", value),)),
        replace(KEEPALIVED, virtual_routes=(("default", "10.0.0.254", value),)),
    ):
        with pytest.raises(ValueError, match="refusing to write"):
            keepalived_config(keepalived, FILES)
    with pytest.raises(ValueError, match="refusing to write"):
        keepalived_files("/run/netloom", value)
    with pytest.raises(ValueError, match="refusing to write"):
        vrrp_socket("/run/netloom", value, None)


@pytest.mark.parametrize(
    "change",
    [
        {"virtual_router_id": 0},
        {"virtual_router_id": 256},
        {"priority": 255},
        {"advert_centiseconds": 0},
        {"advert_centiseconds": 4096},
        {"virtual_router_id": True},
    ],
)
def test_numbers_outside_vrrps_ranges_are_refused(change: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="refusing to write"):
        keepalived_config(replace(KEEPALIVED, **change), FILES)


def test_addresses_must_be_addresses() -> None:
    for keepalived in (
        replace(KEEPALIVED, virtual_addresses=(("10.0.0.1/24,8.8.8.8", "nl0001pin"),)),
        replace(KEEPALIVED, virtual_routes=(("10.8.0.0/16", "10.0.0.254/24", None),)),
    ):
        with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
            keepalived_config(keepalived, FILES)


def test_the_dry_run_checks_the_configuration_then_starts_and_stops_by_pid_file() -> None:
    check, start = commands([Step("create", KEEPALIVED)], EMULATED)
    inside = ("ip", "netns", "exec", NS)
    assert check.argv == (*inside, "keepalived", "--config-test", f"--use-file={FILES.config}")
    assert check.writes == (FILES.config, keepalived_config(KEEPALIVED, FILES))
    assert start.argv[:8] == (*inside, "keepalived", "--dont-fork", "--log-console", "--no-syslog")
    assert f"--vrrp_pid={FILES.vrrp_pid}" in start.argv
    assert start.writes is not None
    assert start.writes[0] == FILES.identity
    assert '"socket": "/run/netloom/vrrp-ns-nlsc-n1.sock"' in start.writes[1]
    (stop,) = commands([Step("remove", KEEPALIVED)], EMULATED)
    assert stop.argv == ("pkill", "--pidfile", FILES.pid)
    restart = commands([Step("update", replace(KEEPALIVED, priority=10), KEEPALIVED)], EMULATED)
    assert [c.argv[0] for c in restart] == ["pkill", "ip", "ip"]


def test_a_change_restarts_it_and_so_does_a_link_it_uses_made_again() -> None:
    namespace = Namespace(NS, "router", "r1")
    veth = Veth("nl0001kha", "nl0001wha", "r1", peer_namespace=NS, master="nl0001aha")
    before = HostState(
        "network-1", namespaces=(namespace,), veths=(veth,), keepaliveds=(KEEPALIVED,)
    )
    assert plan_steps(before, before) == []
    changed = replace(before, keepaliveds=(replace(KEEPALIVED, priority=10),))
    assert [(s.action, type(s.obj).__name__) for s in plan_steps(before, changed)] == [
        ("update", "Keepalived")
    ]
    moved = replace(before, veths=(replace(veth, name="nl0001kother"),))
    assert [(s.action, type(s.obj).__name__) for s in plan_steps(before, moved)] == [
        ("remove", "Keepalived"),
        ("remove", "Veth"),
        ("create", "Veth"),
        ("create", "Keepalived"),
    ]
    gone = HostState("network-1")
    assert [(s.action, type(s.obj).__name__) for s in plan_steps(before, gone)] == [
        ("remove", "Keepalived"),
        ("remove", "Namespace"),
    ]
