"""The dry run: plan steps as the exact commands the linux driver would run, placed by the
host's binding; the iptables-restore input and dnsmasq configuration it would hand them; the
refusal of any value that could break out of its line; and the plan preview's counts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.drivers import HostBinding
from tasks.drivers.dryrun import Command, commands, preview, render_text
from tasks.drivers.render import (
    dnsmasq_config,
    dnsmasq_files,
    iptables_restore_input,
    responder_arguments,
)
from tasks.planner.state import (
    Address,
    Bridge,
    DhcpHost,
    Dnsmasq,
    Firewall,
    HostState,
    Macvlan,
    Namespace,
    Responder,
    Route,
    Veth,
    Vxlan,
)
from tasks.planner.steps import Step, plan_steps
from tests.unit.planner.test_steps import EMPTY, EVERYTHING, host, hosts

NS = "nl0001-i-inst"
REAL = HostBinding("local", None, prefix="nl0001")
EMULATED = HostBinding("compute-1", "nlfab-c1", prefix="nl0001")

NAMESPACE = Namespace(NS, "instance", "i1", (("net.ipv4.ip_forward", "1"),))
BRIDGE = Bridge("nl0001b1", "n1")
VETH = Veth("nl0001t1", "nl0001p1", "i1", peer_namespace=NS, master="nl0001b1")
ADDRESS = Address("nl0001p1", "10.0.0.5/24", "i1", NS)
ROUTE = Route("0.0.0.0/0", "i1", NS, gateway="10.0.0.1")
SMALL = host(NAMESPACE, BRIDGE, VETH, ADDRESS, ROUTE)


def lines(text: str) -> list[list[str]]:
    """Commands written one per line, arguments split on spaces (none here has one)."""
    return [line.split() for line in text.strip().splitlines()]


def argvs(steps: list[Step], binding: HostBinding) -> list[list[str]]:
    return [list(command.argv) for command in commands(steps, binding)]


def test_a_small_host_on_a_real_machine() -> None:
    assert argvs(plan_steps(EMPTY, SMALL), REAL) == lines(
        f"""
        ip netns add {NS}
        ip -n {NS} link set lo up
        ip netns exec {NS} sysctl -w net.ipv4.ip_forward=1
        ip link add nl0001b1 type bridge
        ip link set nl0001b1 up
        ip link add nl0001t1 type veth peer name nl0001p1 netns {NS}
        ip link set nl0001t1 master nl0001b1
        ip link set nl0001t1 up
        ip -n {NS} link set nl0001p1 up
        ip -n {NS} addr add 10.0.0.5/24 dev nl0001p1
        ip -n {NS} route replace 0.0.0.0/0 via 10.0.0.1
        """
    )
    assert argvs(plan_steps(SMALL, EMPTY), REAL) == lines(
        f"""
        ip link del nl0001b1
        ip netns del {NS}
        """
    )


def test_an_emulated_host_puts_its_own_objects_in_its_namespace() -> None:
    assert argvs(plan_steps(EMPTY, SMALL), EMULATED) == lines(
        f"""
        ip netns add {NS}
        ip -n {NS} link set lo up
        ip netns exec {NS} sysctl -w net.ipv4.ip_forward=1
        ip -n nlfab-c1 link add nl0001b1 type bridge
        ip -n nlfab-c1 link set nl0001b1 up
        ip -n nlfab-c1 link add nl0001t1 type veth peer name nl0001p1 netns {NS}
        ip -n nlfab-c1 link set nl0001t1 master nl0001b1
        ip -n nlfab-c1 link set nl0001t1 up
        ip -n {NS} link set nl0001p1 up
        ip -n {NS} addr add 10.0.0.5/24 dev nl0001p1
        ip -n {NS} route replace 0.0.0.0/0 via 10.0.0.1
        """
    )


def test_a_veth_is_made_from_a_namespace_towards_the_host_only_where_it_has_a_name() -> None:
    inward = Veth("nl0001p1", "nl0001t1", "i1", namespace=NS, mac="02:00:00:00:00:01")
    step = [Step("create", inward)]
    # A real host's root namespace has no name for `netns`: the pair is made from there.
    assert argvs(step, REAL) == lines(
        f"""
        ip link add nl0001t1 type veth peer name nl0001p1 address 02:00:00:00:00:01 netns {NS}
        ip link set nl0001t1 up
        ip -n {NS} link set nl0001p1 up
        """
    )
    assert (
        argvs(step, EMULATED)[0]
        == lines(
            f"""
        ip -n {NS} link add nl0001p1 address 02:00:00:00:00:01 type veth peer name nl0001t1 netns nlfab-c1
        """  # noqa: E501
        )[0]
    )


def test_vxlan_macvlan_and_updates() -> None:
    vxlan = Vxlan("nl0001x1", 42, "192.0.2.1", "eth0", "n1", "nl0001b1", ("192.0.2.2",))
    macvlan = Macvlan("nl0001m1", "eth1", "private", "i1", namespace=NS)
    assert argvs([Step("create", vxlan), Step("create", macvlan)], EMULATED) == lines(
        f"""
        ip -n nlfab-c1 link add nl0001x1 type vxlan id 42 local 192.0.2.1 dev eth0 dstport 4789 nolearning
        bridge -n nlfab-c1 fdb append 00:00:00:00:00:00 dev nl0001x1 dst 192.0.2.2
        ip -n nlfab-c1 link set nl0001x1 master nl0001b1
        ip -n nlfab-c1 link set nl0001x1 up
        ip -n nlfab-c1 link add nl0001m1 link eth1 type macvlan mode private
        ip -n nlfab-c1 link set nl0001m1 netns {NS}
        ip -n {NS} link set nl0001m1 up
        """  # noqa: E501
    )
    moved = replace(vxlan, remotes=("192.0.2.3",), master="nl0001b2")
    released = replace(VETH, master=None)
    assert argvs([Step("update", moved, vxlan), Step("update", released, VETH)], REAL) == lines(
        """
        bridge fdb del 00:00:00:00:00:00 dev nl0001x1 dst 192.0.2.2
        bridge fdb append 00:00:00:00:00:00 dev nl0001x1 dst 192.0.2.3
        ip link set nl0001x1 master nl0001b2
        ip link set nl0001t1 nomaster
        """
    )
    # Nothing the kernel holds changes with the owner.
    assert commands([Step("update", replace(ADDRESS, owner="i2"), ADDRESS)], REAL) == []


FIREWALL = Firewall(
    "nat",
    "r1",
    "nl0001-r-router",
    chains=(
        ("nl0001-dnat", (("-d", "203.0.113.5", "-j", "DNAT", "--to-destination", "10.0.0.5"),)),
        ("nl0001-snat", (("-s", "10.0.0.0/24", "-j", "MASQUERADE"),)),
    ),
    hooks=(("POSTROUTING", ("-j", "nl0001-snat")), ("PREROUTING", ("-j", "nl0001-dnat"))),
)


def test_iptables_restore_input_creates_changes_and_removes_only_its_own() -> None:
    assert iptables_restore_input(None, FIREWALL) == (
        "*nat\n"
        ":nl0001-dnat - [0:0]\n"
        ":nl0001-snat - [0:0]\n"
        "-A nl0001-dnat -d 203.0.113.5 -j DNAT --to-destination 10.0.0.5\n"
        "-A nl0001-snat -s 10.0.0.0/24 -j MASQUERADE\n"
        "-I POSTROUTING 1 -j nl0001-snat\n"
        "-I PREROUTING 1 -j nl0001-dnat\n"
        "COMMIT\n"
    )
    no_dnat = replace(FIREWALL, chains=FIREWALL.chains[1:], hooks=FIREWALL.hooks[:1])
    assert iptables_restore_input(FIREWALL, no_dnat) == (
        "*nat\n"
        ":nl0001-dnat - [0:0]\n"
        ":nl0001-snat - [0:0]\n"
        "-D PREROUTING -j nl0001-dnat\n"
        "-X nl0001-dnat\n"
        "-A nl0001-snat -s 10.0.0.0/24 -j MASQUERADE\n"
        "COMMIT\n"
    )
    assert iptables_restore_input(no_dnat, None) == (
        "*nat\n:nl0001-snat - [0:0]\n-D POSTROUTING -j nl0001-snat\n-X nl0001-snat\nCOMMIT\n"
    )


def test_a_firewall_step_is_one_restore_in_its_namespace() -> None:
    [restore] = commands([Step("create", FIREWALL)], REAL)
    assert restore == Command(
        ("ip", "netns", "exec", "nl0001-r-router", "iptables-restore", "--noflush"),
        stdin=iptables_restore_input(None, FIREWALL),
    )
    on_host = replace(FIREWALL, namespace=None)
    assert commands([Step("remove", on_host)], REAL)[0].argv == ("iptables-restore", "--noflush")
    assert commands([Step("remove", on_host)], EMULATED)[0].argv == (
        "ip",
        "netns",
        "exec",
        "nlfab-c1",
        "iptables-restore",
        "--noflush",
    )


DNSMASQ = Dnsmasq(
    "nl0001p2",
    "r1",
    "nl0001-d-dhcp",
    ranges=(("10.0.0.10", "10.0.0.99", 24), ("fd00::10", "fd00::ff", 64)),
    hosts=(DhcpHost("02:00:00:00:00:05", "10.0.0.5", "web-1"),),
    router="10.0.0.1",
    dns_servers=("10.0.0.2", "192.0.2.53"),
    domain="lab",
    records=(("web-1", "10.0.0.5"),),
)


def test_dnsmasq_configuration() -> None:
    files = dnsmasq_files("/run/netloom", DNSMASQ.namespace, DNSMASQ.interface)
    assert files.pid == "/run/netloom/dnsmasq-nl0001-d-dhcp-nl0001p2.pid"
    assert dnsmasq_config(DNSMASQ, files) == (
        "interface=nl0001p2\n"
        "bind-interfaces\n"
        "except-interface=lo\n"
        "no-resolv\n"
        "no-hosts\n"
        "pid-file=/run/netloom/dnsmasq-nl0001-d-dhcp-nl0001p2.pid\n"
        "dhcp-leasefile=/run/netloom/dnsmasq-nl0001-d-dhcp-nl0001p2.leases\n"
        "dhcp-range=10.0.0.10,10.0.0.99,255.255.255.0,12h\n"
        "dhcp-range=fd00::10,fd00::ff,64,12h\n"
        "dhcp-host=02:00:00:00:00:05,10.0.0.5,web-1\n"
        "dhcp-option=option:router,10.0.0.1\n"
        "dhcp-option=option:dns-server,10.0.0.2,192.0.2.53\n"
        "domain=lab\n"
        "host-record=web-1,10.0.0.5\n"
    )


def test_processes_start_with_their_files_and_stop_by_pid_file() -> None:
    binding = HostBinding("local", None, run_dir="/tmp/nl", prefix="nl0001")
    files = dnsmasq_files("/tmp/nl", DNSMASQ.namespace, DNSMASQ.interface)
    responder = Responder("i1", NS, tcp_ports=(7, 9), http_port=None)
    start, serve, stop = commands(
        [
            Step("create", DNSMASQ),
            Step("update", responder, Responder("i1", NS)),
            Step("remove", responder),
        ],
        binding,
    )
    assert start.argv == (
        "ip",
        "netns",
        "exec",
        "nl0001-d-dhcp",
        "dnsmasq",
        "--keep-in-foreground",
        f"--conf-file={files.config}",
    )
    assert start.writes == (files.config, dnsmasq_config(DNSMASQ, files))
    # One responder process per deployment and host serves every instance: a change is one
    # `add`, which replaces what the namespace is served.
    module = ("python3", "-m", "tasks.drivers.responder")
    directory = "/tmp/nl/nl0001/local/responder"
    assert serve.argv == (*module, "add", directory, NS, "--tcp=7", "--tcp=9")
    assert stop.argv == (*module, "remove", directory, NS)
    on_host = replace(DNSMASQ, namespace=None)
    emulated_files = dnsmasq_files("/run/netloom", "nlfab-c1", "nl0001p2")
    assert commands([Step("remove", on_host)], EMULATED)[0].argv == (
        "pkill",
        "--pidfile",
        emulated_files.pid,
    )


HOSTILE = ["web 1", "a\nb", "x;y", "it's", 'say"hi"', "#1", "back\\slash", "tab\there", ""]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_that_could_break_out_of_its_line_is_refused(value: str) -> None:
    files = dnsmasq_files("/run/netloom", "nl0001-d-dhcp", "nl0001p2")
    for dnsmasq in (
        replace(DNSMASQ, hosts=(DhcpHost("02:00:00:00:00:05", "10.0.0.5", value),)),
        replace(DNSMASQ, records=((value, "10.0.0.5"),)),
        replace(DNSMASQ, domain=value),
        replace(DNSMASQ, interface=value),
    ):
        with pytest.raises(ValueError, match="refusing to write"):
            dnsmasq_config(dnsmasq, files)
    with pytest.raises(ValueError, match="refusing to write"):
        dnsmasq_files("/run/netloom", "nl0001-d-dhcp", value)
    with pytest.raises(ValueError, match="refusing to write"):
        responder_arguments(Responder("i1", NS), value)
    hostile_rule = replace(FIREWALL, chains=(("nl0001-snat", (("-j", value),)),))
    hostile_chain = replace(FIREWALL, chains=((value, (("-j", "ACCEPT"),)),), hooks=())
    for firewall in (hostile_rule, hostile_chain):
        with pytest.raises(ValueError, match="refusing to write"):
            commands([Step("create", firewall)], REAL)


def test_addresses_in_a_configuration_must_be_addresses() -> None:
    files = dnsmasq_files("/run/netloom", "nl0001-d-dhcp", "nl0001p2")
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        dnsmasq_config(replace(DNSMASQ, router="10.0.0.1,8.8.8.8"), files)


def test_render_text_quotes_for_display_and_shows_input() -> None:
    text = render_text(
        [
            Command(("ip", "netns", "add", NS)),
            Command(("echo", "a b", "it's")),
            Command(("iptables-restore", "--noflush"), stdin="*nat\nCOMMIT\n"),
            Command(("dnsmasq", "--conf-file=/x.conf"), writes=("/x.conf", "no-hosts\n")),
        ]
    )
    assert text == (
        f"ip netns add {NS}\n"
        "echo 'a b' 'it'\"'\"'s'\n"
        "iptables-restore --noflush <<'EOF'\n*nat\nCOMMIT\nEOF\n"
        "cat > /x.conf <<'EOF'\nno-hosts\nEOF\n"
        "dnsmasq --conf-file=/x.conf\n"
    )
    assert render_text([]) == ""


def test_preview_counts_per_kind_and_per_element() -> None:
    changed = replace(EVERYTHING, bridges=(replace(EVERYTHING.bridges[0], mtu=9000),))
    steps = plan_steps(SMALL, changed)
    summary = preview(steps)
    assert summary["totals"] == {
        "create": sum(s.action == "create" for s in steps),
        "update": sum(s.action == "update" for s in steps),
        "remove": sum(s.action == "remove" for s in steps),
    }
    # The instance's namespace loses a sysctl, so it is made again with all it holds; the
    # bridge's MTU changes in place.
    assert summary == {
        "totals": {"create": 14, "update": 1, "remove": 1},
        "kinds": {
            "namespace": {"create": 2, "update": 0, "remove": 1},
            "bridge": {"create": 0, "update": 1, "remove": 0},
            "vlan": {"create": 1, "update": 0, "remove": 0},
            "veth": {"create": 2, "update": 0, "remove": 0},
            "vxlan": {"create": 1, "update": 0, "remove": 0},
            "macvlan": {"create": 1, "update": 0, "remove": 0},
            "attachment": {"create": 1, "update": 0, "remove": 0},
            "address": {"create": 2, "update": 0, "remove": 0},
            "route": {"create": 1, "update": 0, "remove": 0},
            "firewall": {"create": 1, "update": 0, "remove": 0},
            "dnsmasq": {"create": 1, "update": 0, "remove": 0},
            "responder": {"create": 1, "update": 0, "remove": 0},
        },
        "elements": {
            "i1": {"create": 6, "update": 0, "remove": 1, "change": "update"},
            "n1": {"create": 3, "update": 1, "remove": 0, "change": "update"},
            "r1": {"create": 5, "update": 0, "remove": 0, "change": "create"},
        },
    }
    assert preview([Step("remove", BRIDGE)])["elements"] == {
        "n1": {"create": 0, "update": 0, "remove": 1, "change": "remove"}
    }
    assert preview([]) == {
        "totals": {"create": 0, "update": 0, "remove": 0},
        "kinds": {},
        "elements": {},
    }


@given(hosts(), hosts(), st.sampled_from([REAL, EMULATED]))
def test_every_plan_renders(observed: HostState, desired: HostState, binding: HostBinding) -> None:
    steps = plan_steps(observed, desired)
    rendered = commands(steps, binding)
    assert all(command.argv and all(command.argv) for command in rendered)
    if binding.namespace is not None:
        # Nothing is placed in the machine's own namespace on an emulated host.
        assert all(c.argv[:2] != ("ip", "link") for c in rendered)
    assert preview(steps)["totals"]["remove"] == sum(s.action == "remove" for s in steps)
    assert render_text(rendered).count("\n") >= len(rendered)
