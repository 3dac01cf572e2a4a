"""Sending the probes of a connectivity check from inside instances' namespaces: one ping, or
one TCP connect, per probe, many at once in threads.

Every command is an argument list run with `ip netns exec` (no shell); the TCP connect is a few
lines of Python run by this interpreter inside the namespace, so the socket is the namespace's.
Each is bounded by a timeout, and anything that goes wrong (no reply, a refusal, a namespace
gone, a command that hangs) is the probe's result, never an exception.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tasks.connectivity import Probe

# How long a ping waits for its reply, and a TCP connect for the handshake.
REPLY_WAIT_SECONDS = 1
# A probe's process is killed after this, whatever it is doing.
PROCESS_TIMEOUT_SECONDS = 5
# Probes of one host run at most this many at a time.
MAX_PARALLEL = 64

_RTT = re.compile(r"time[=<]([0-9.]+) ?ms")
_ERRNO = re.compile(r"^\[Errno -?\d+\] ")
_ICMP_FROM = re.compile(r"^From (\S+) icmp_seq=\d+ (.+)$")

# Connects to argv[1]:argv[2] within argv[3] seconds; prints {"ok", "ms"} or {"ok", "error"}.
CONNECT = """
import json, socket, sys, time
start = time.perf_counter()
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
    print(json.dumps({"ok": True, "ms": (time.perf_counter() - start) * 1000}))
except OSError as e:
    print(json.dumps({"ok": False, "error": str(e) or type(e).__name__}))
"""


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
    result = _in_namespace(
        namespace,
        sys.executable,
        "-I",  # isolated: no environment, no user site, no current directory on the path
        "-S",  # no site packages: only the standard library is needed
        "-c",
        CONNECT,
        address,
        str(port),
        str(REPLY_WAIT_SECONDS),
    )
    if result is None:
        return Outcome(False, None, f"no answer within {PROCESS_TIMEOUT_SECONDS} s")
    trouble = _trouble(result)
    if result.returncode != 0 or trouble:
        return Outcome(False, None, trouble or f"the probe failed: {result.stderr.strip()}")
    try:
        said = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Outcome(False, None, "the probe printed nothing readable")
    if said.get("ok"):
        rtt = round(float(said["ms"]), 3)
        return Outcome(True, rtt, f"connected in {rtt:g} ms")
    reason = _sentence(_ERRNO.sub("", str(said.get("error", "failed"))))
    if reason == "timed out":
        reason = f"no answer within {REPLY_WAIT_SECONDS} s"
    return Outcome(False, None, reason)


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
