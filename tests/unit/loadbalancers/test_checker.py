"""The nftables load balancer's checker: TCP and HTTP checks against real local servers, and
members taken out after `fall` failures in a row and brought back after `rise` successes."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import asdict, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tasks.drivers.lb_check import Checker, balancer_from, check_member
from tasks.planner.state import BalancerCheck, BalancerMember, LoadBalancer

TCP = BalancerCheck("tcp", 500, 300, 2, 3)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/ok" else 503)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def member(port: int) -> BalancerMember:
    return BalancerMember(f"m:{port}", "127.0.0.1", port)


def test_tcp_checks_connect(http_port: int) -> None:
    assert check_member(member(http_port), TCP)
    assert not check_member(member(closed_port()), TCP)


def test_http_checks_want_a_good_status(http_port: int) -> None:
    assert check_member(member(http_port), BalancerCheck("http", http_path="/ok"))
    assert not check_member(member(http_port), BalancerCheck("http", http_path="/broken"))
    assert not check_member(member(closed_port()), BalancerCheck("http", http_path="/ok"))


def test_a_silent_server_fails_within_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        check = BalancerCheck("http", timeout_ms=200, http_path="/")
        assert not check_member(member(silent.getsockname()[1]), check)


def test_fall_failures_take_a_member_out_and_rise_successes_bring_it_back(tmp_path: Path) -> None:
    balancer = LoadBalancer(
        "web",
        "ns",
        "nftables",
        "t",
        "10.0.0.1",
        80,
        "round_robin",
        (member(1), member(2)),
        replace(TCP, rise=2, fall=3),
    )
    checker = Checker(balancer, tmp_path / "states.json")
    assert not checker.record({"m:1": False, "m:2": True})
    assert not checker.record({"m:1": False, "m:2": True})
    # A success in between starts the count again.
    assert not checker.record({"m:1": True, "m:2": True})
    assert not any(checker.record({"m:1": False, "m:2": True}) for _ in range(2))
    assert checker.record({"m:1": False, "m:2": True})
    assert checker.up == {"m:1": False, "m:2": True}
    assert not checker.record({"m:1": True, "m:2": True})
    assert checker.record({"m:1": True, "m:2": True})
    assert checker.up == {"m:1": True, "m:2": True}
    checker.write_states()
    states = json.loads((tmp_path / "states.json").read_text())
    assert {m: entry["state"] for m, entry in states["members"].items()} == {
        "m:1": "up",
        "m:2": "up",
    }


def test_the_checker_reads_the_balancer_as_the_driver_wrote_it() -> None:
    balancer = LoadBalancer(
        "web", "ns", "nftables", "t", "10.0.0.1", 80, "weighted", (member(1),), TCP
    )
    assert balancer_from(json.loads(json.dumps(asdict(balancer)))) == balancer
