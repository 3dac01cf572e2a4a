"""Sending the probes of a connectivity check from inside instances' namespaces: one ping, or
one TCP connect, per probe, many at once in threads.

A ping is an argument list run with `ip netns exec` (no shell); a TCP connect is made from a
socket this process opens inside the namespace.
Each is bounded by a timeout, and anything that goes wrong (no reply, a refusal, a namespace
gone, a command that hangs) is the probe's result, never an exception.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tasks.connectivity import Probe
from tasks.drivers.netns import entered

# How long a ping waits for its reply, and a TCP connect for the handshake.
REPLY_WAIT_SECONDS = 1
# A probe's process is killed after this, whatever it is doing.
PROCESS_TIMEOUT_SECONDS = 5
# Probes of one host run at most this many at a time.
MAX_PARALLEL = 64

_RTT = re.compile(r"time[=<]([0-9.]+) ?ms")
_ICMP_FROM = re.compile(r"^From (\S+) icmp_seq=\d+ (.+)$")


@dataclass(frozen=True)
class Outcome:
    reachable: bool
    rtt_ms: float | None
    detail: str


def _in_namespace(namespace: str, *command: str) -> subprocess.CompletedProcess[str] | None:
    """Run a command inside a namespace; None when it had to be killed."""
    try:
        return subprocess.run(
            ["ip", "netns", "exec", namespace, *command],
            capture_output=True,
            text=True,
            timeout=PROCESS_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None


def _trouble(result: subprocess.CompletedProcess[str]) -> str | None:
    """What `ip netns exec` itself said when it could not enter the namespace."""
    said = result.stderr.strip()
    if "network namespace" in said.lower():
        return f"cannot enter the source's namespace: {said.splitlines()[-1]}"
    return None


def ping(namespace: str, address: str) -> Outcome:
    result = _in_namespace(namespace, "ping", "-n", "-c1", f"-W{REPLY_WAIT_SECONDS}", address)
    if result is None:
        return Outcome(False, None, f"ping gave no answer within {PROCESS_TIMEOUT_SECONDS} s")
    if result.returncode == 0:
        found = _RTT.search(result.stdout)
        rtt = float(found.group(1)) if found else None
        return Outcome(True, rtt, "reply" + (f" in {rtt:g} ms" if rtt is not None else ""))
    trouble = _trouble(result)
    if trouble:
        return Outcome(False, None, trouble)
    # An ICMP error from a router on the way ("Destination Host Unreachable"), or the kernel's
    # refusal ("Network is unreachable"), says more than the silence of a dropped packet.
    for line in (result.stdout + "\n" + result.stderr).splitlines():
        lowered = line.lower()
        if "unreachable" in lowered or "prohibited" in lowered:
            return Outcome(False, None, _icmp_error(line.strip()))
    return Outcome(False, None, f"no reply within {REPLY_WAIT_SECONDS} s")


def _icmp_error(line: str) -> str:
    """`From 10.0.0.1 icmp_seq=1 Destination Host Unreachable` as `destination host
    unreachable (said 10.0.0.1)`; `ping: connect: Network is unreachable` as `network is
    unreachable`."""
    found = _ICMP_FROM.match(line)
    if found:
        return f"{found.group(2).lower()} (said {found.group(1)})"
    return _sentence(line.rsplit(": ", 1)[-1])


def _sentence(text: str) -> str:
    """An error as a clause: its first letter lower-case (`Connection refused`)."""
    return text[:1].lower() + text[1:]


def tcp_connect(namespace: str, address: str, port: int) -> Outcome:
    """A TCP connect from a socket made inside the source's namespace (the thread enters it
    only to make the socket, which stays there): no process per probe."""
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    try:
        with entered(namespace):
            sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        return Outcome(False, None, f"cannot enter the source's namespace: {exc.strerror or exc}")
    with sock:
        sock.settimeout(REPLY_WAIT_SECONDS)
        started = time.perf_counter()
        try:
            sock.connect((address, port))
        except TimeoutError:
            return Outcome(False, None, f"no answer within {REPLY_WAIT_SECONDS} s")
        except OSError as exc:
            return Outcome(False, None, _sentence(exc.strerror or type(exc).__name__))
        rtt = round((time.perf_counter() - started) * 1000, 3)
    return Outcome(True, rtt, f"connected in {rtt:g} ms")


def send(probe: Probe) -> Outcome:
    """Try one probe; a target without an address is not tried."""
    if probe.address is None:
        return Outcome(False, None, "the target has no address the source could use")
    if probe.protocol == "tcp":
        assert probe.port is not None
        return tcp_connect(probe.namespace, probe.address, probe.port)
    return ping(probe.namespace, probe.address)


def send_all(probes: Sequence[Probe]) -> list[Outcome]:
    """Every probe, in parallel, the outcomes in the order of `probes`."""
    if not probes:
        return []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(probes))) as pool:
        return list(pool.map(send, probes))
