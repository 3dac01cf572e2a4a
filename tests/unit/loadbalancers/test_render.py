"""What a load balancer hands to its tools: the nft ruleset (DNAT by numgen, round robin or by
weight, over the healthy members; masquerade towards every member), keepalived's virtual
server (which real keepalived accepts), and the dry run's commands."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tasks.drivers import HostBinding
from tasks.drivers.dryrun import Command, commands, render_text
from tasks.drivers.render import (
    balancer_files,
    balancer_keepalived_config,
    check_arguments,
    nft_ruleset,
)
from tasks.planner.state import BalancerCheck, BalancerMember, LoadBalancer
from tasks.planner.steps import Step

NS = "nl0001-r-abcdefghij"
BINDING = HostBinding("network-1", "nlsc-n1", run_dir="/run/netloom", prefix="nl0001")
BALANCER = LoadBalancer(
    owner="web",
    namespace=NS,
    realisation="nftables",
    table="nl0001-lb",
    vip="10.0.0.50",
    port=80,
    algorithm="round_robin",
    members=(
        BalancerMember("m1:8080", "10.0.0.11", 8080, 1),
        BalancerMember("m2:8080", "10.0.0.12", 8080, 2),
        BalancerMember("m3:9000", "10.1.0.13", 9000, 3),
    ),
    check=BalancerCheck("http", 500, 400, 2, 3, "/health?deep=1"),
)
WEIGHTED = replace(BALANCER, algorithm="weighted")
IPVS = replace(BALANCER, realisation="ipvs")
MASQUERADE = (
    "    ip daddr . tcp dport { 10.0.0.11 . 8080, 10.0.0.12 . 8080, 10.1.0.13 . 9000 } masquerade\n"
)


def test_round_robin_takes_each_member_in_turn() -> None:
    text = nft_ruleset(BALANCER)
    assert text.startswith(
        "table ip nl0001-lb {}\ndelete table ip nl0001-lb\ntable ip nl0001-lb {\n"
    )
    assert (
        "    ip daddr 10.0.0.50 tcp dport 80 dnat ip to numgen inc mod 3 map "
        "{ 0 : 10.0.0.11 . 8080, 1 : 10.0.0.12 . 8080, 2 : 10.1.0.13 . 9000 }\n"
    ) in text
    assert MASQUERADE in text


def test_weighted_gives_each_member_as_many_turns_as_its_weight() -> None:
    assert (
        "dnat ip to numgen inc mod 6 map "
        "{ 0 : 10.0.0.11 . 8080, 1-2 : 10.0.0.12 . 8080, 3-5 : 10.1.0.13 . 9000 }\n"
    ) in nft_ruleset(WEIGHTED)


def test_only_healthy_members_are_balanced_to_and_all_are_masqueraded() -> None:
    text = nft_ruleset(WEIGHTED, {"m1:8080", "m3:9000"})
    assert "numgen inc mod 4 map { 0 : 10.0.0.11 . 8080, 1-3 : 10.1.0.13 . 9000 }" in text
    assert MASQUERADE in text
    nobody = nft_ruleset(BALANCER, set())
    assert "dnat" not in nobody
    assert "chain prerouting" in nobody
    assert MASQUERADE in nobody


def test_ipvs_leaves_the_spreading_to_keepalived() -> None:
    text = nft_ruleset(IPVS)
    assert "dnat" not in text
    assert MASQUERADE in text


def test_the_ruleset_parses_in_real_nft(tmp_path: Path) -> None:
    nft = shutil.which("nft")
    assert nft is not None, "the Debian package nftables is needed"
    for balancer, healthy in ((BALANCER, None), (WEIGHTED, {"m2:8080"}), (IPVS, None)):
        path = tmp_path / "ruleset.nft"
        path.write_text(nft_ruleset(balancer, healthy))
        checked = subprocess.run([nft, "--check", "-f", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    path.write_text("table ip x { chain y { numgen } }\n")
    assert subprocess.run([nft, "--check", "-f", str(path)], capture_output=True).returncode != 0


def test_the_keepalived_virtual_server() -> None:
    text = balancer_keepalived_config(replace(IPVS, algorithm="weighted"))
    assert text.startswith(
        "virtual_server 10.0.0.50 80 {\n    delay_loop 0.500\n    lb_algo wrr\n"
        "    lb_kind NAT\n    protocol TCP\n"
    )
    assert (
        "    real_server 10.0.0.12 8080 {\n        weight 2\n        HTTP_GET {\n"
        "            url {\n                path /health?deep=1\n                status_code 200\n"
        "            }\n            connect_timeout 0.400\n            retry 2\n"
        "            delay_before_retry 0.500\n        }\n    }\n"
    ) in text
    tcp = balancer_keepalived_config(replace(IPVS, check=BalancerCheck("tcp", 2000, 1000, 2, 1)))
    assert "lb_algo rr" in tcp
    assert "TCP_CHECK {\n            connect_timeout 1.000\n            retry 0\n" in tcp
    assert "HTTP_GET" not in tcp


def test_real_keepalived_accepts_the_virtual_server(tmp_path: Path) -> None:
    """keepalived checks a configuration without IPVS in the kernel; an unknown keyword fails
    the check, so the check can tell."""
    keepalived = shutil.which("keepalived")
    assert keepalived is not None, "the Debian package keepalived is needed"
    for balancer in (IPVS, replace(IPVS, algorithm="weighted", check=BalancerCheck())):
        config = tmp_path / "lb.conf"
        config.write_text(balancer_keepalived_config(balancer))
        checked = subprocess.run(
            [keepalived, "--config-test", f"--use-file={config}"], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
    config.write_text(
        balancer_keepalived_config(IPVS).replace("lb_kind NAT", "lb_kind NAT\n    bogus 1")
    )
    assert subprocess.run([keepalived, "--config-test", f"--use-file={config}"]).returncode != 0


@pytest.mark.parametrize(
    "bad",
    [
        replace(BALANCER, table="x; flush ruleset"),
        replace(BALANCER, vip="10.0.0.50 ; x"),
        replace(BALANCER, port=0),
        replace(BALANCER, members=(BalancerMember("m", "10.0.0.1", 80, 0),), algorithm="weighted"),
    ],
)
def test_values_that_could_break_out_are_refused(bad: LoadBalancer) -> None:
    with pytest.raises(ValueError, match="refusing"):
        nft_ruleset(bad)


def test_a_path_that_could_break_out_is_refused() -> None:
    for path in ("/a b", "/a}\nvirtual_server", "/a$X", "x"):
        with pytest.raises(ValueError, match="refusing"):
            balancer_keepalived_config(replace(IPVS, check=BalancerCheck("http", http_path=path)))


def test_the_dry_run_shows_the_table_and_the_checker() -> None:
    files = balancer_files("/run/netloom", NS)
    shown = commands([Step("create", BALANCER)], BINDING)
    assert shown[0].argv == ("ip", "netns", "exec", NS, "nft", "-f", files.ruleset)
    assert shown[0].writes == (files.ruleset, nft_ruleset(BALANCER))
    assert shown[1].argv == ("ip", "netns", "exec", NS, *check_arguments(files))
    text = render_text(shown)
    assert "numgen inc mod 3" in text


def test_the_dry_run_shows_keepalived_checked_then_started() -> None:
    files = balancer_files("/run/netloom", NS)
    shown = commands([Step("create", IPVS)], BINDING)
    assert shown[0] == Command(("modprobe", "ip_vs"))
    assert shown[1].argv == ("ip", "netns", "exec", NS, "sysctl", "-w", "net.ipv4.vs.conntrack=1")
    shown = shown[2:]
    assert shown[1].argv == (
        "ip",
        "netns",
        "exec",
        NS,
        "keepalived",
        "--config-test",
        f"--use-file={files.config}",
    )
    assert shown[1].writes == (files.config, balancer_keepalived_config(IPVS))
    assert "--check" in shown[2].argv
    removed = commands([Step("remove", IPVS)], BINDING)
    assert removed[0].argv == ("pkill", "--pidfile", files.pid)
    assert removed[1].stdin == "table ip nl0001-lb {}\ndelete table ip nl0001-lb\n"
