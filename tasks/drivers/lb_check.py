"""The health checker of a load balancer realised with nftables, run inside its namespace:

    python -m tasks.drivers.lb_check SPEC

SPEC is the file the linux driver wrote: the load balancer as planned and where its ruleset
and members' states go. Every check interval it checks each member at once (a TCP connect, or
an HTTP GET answered 2xx or 3xx, within the timeout); `fall` failures in a row take a member
out of the table's DNAT map, `rise` successes in a row bring it back. Each change rewrites the
nft table whole (`nft -f -`, one transaction, so connections under way keep their member) and
the states file the driver reads, is logged, and is reported as a datagram to the worker
serving the host (the socket keepalived's notify program reports to), which sends it on to the
topology's sockets as an `lb_member` event. Every member starts up, as the table the driver
wrote has them. Standard library only, with the renderer the driver uses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tasks.drivers.render import nft_ruleset
from tasks.planner.state import BalancerCheck, BalancerMember, LoadBalancer

MAX_RESPONSE_LINE = 1024
NFT_TIMEOUT_SECONDS = 10.0


def balancer_from(raw: dict[str, Any]) -> LoadBalancer:
    """The load balancer as the driver wrote it (`dataclasses.asdict`)."""
    return LoadBalancer(
        owner=raw["owner"],
        namespace=raw["namespace"],
        realisation=raw["realisation"],
        table=raw["table"],
        vip=raw["vip"],
        port=raw["port"],
        algorithm=raw["algorithm"],
        members=tuple(BalancerMember(**member) for member in raw["members"]),
        check=BalancerCheck(**raw["check"]),
    )


def check_member(member: BalancerMember, check: BalancerCheck) -> bool:
    """Whether the member answers as the check asks, within its timeout."""
    timeout = check.timeout_ms / 1000
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((member.address, member.port), timeout=timeout) as sock:
            if check.type == "tcp":
                return True
            request = f"GET {check.http_path} HTTP/1.0\r\nHost: {member.address}\r\n\r\n"
            sock.sendall(request.encode())
            line = b""
            while b"\r\n" not in line and len(line) < MAX_RESPONSE_LINE:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = sock.recv(MAX_RESPONSE_LINE)
                if not chunk:
                    break
                line += chunk
            parts = line.split(b" ", 2)
            return len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1][:1] in b"23"
    except (OSError, ValueError):
        return False


def report(where: dict[str, Any] | None, message: dict[str, Any]) -> None:
    """Send one member's change to the worker's socket; nothing waits for an answer, and with
    no worker listening the change is only in the log and the states file."""
    if not where:
        return
    data = json.dumps({**message, "host": where["host"]}).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(data, where["socket"])
    except OSError as exc:
        print(f"lb_check: change not reported: {exc}", flush=True)


class Checker:
    def __init__(
        self, balancer: LoadBalancer, states: Path, where: dict[str, Any] | None = None
    ) -> None:
        self.balancer = balancer
        self.states = states
        self.where = where
        self.up = {member.id: True for member in balancer.members}
        self.since = dict.fromkeys(self.up, time.time())
        # Successes (positive) or failures (negative) in a row.
        self.streak = dict.fromkeys(self.up, 0)
        self.stopping = threading.Event()

    def run(self) -> None:
        self.write_states()
        interval = self.balancer.check.interval_ms / 1000
        members = self.balancer.members
        with ThreadPoolExecutor(max_workers=max(1, len(members))) as pool:
            while not self.stopping.is_set():
                started = time.monotonic()
                results = list(pool.map(lambda m: check_member(m, self.balancer.check), members))
                if self.record(dict(zip([m.id for m in members], results, strict=True))):
                    self.apply()
                    self.write_states()
                self.stopping.wait(max(0.0, started + interval - time.monotonic()))

    def record(self, results: dict[str, bool]) -> bool:
        """Count each result; whether a member changed state."""
        check = self.balancer.check
        changed = False
        for member_id, ok in results.items():
            streak = self.streak[member_id]
            streak = (max(streak, 0) + 1) if ok else (min(streak, 0) - 1)
            self.streak[member_id] = streak
            up = self.up[member_id]
            if (up and streak <= -check.fall) or (not up and streak >= check.rise):
                self.up[member_id] = not up
                self.since[member_id] = time.time()
                changed = True
                state = "up" if not up else "down"
                print(f"lb_check: {self.balancer.owner} member {member_id} {state}", flush=True)
                report(
                    self.where,
                    {
                        "kind": "lb_member",
                        "balancer": self.balancer.owner,
                        "namespace": self.balancer.namespace,
                        "member": member_id,
                        "state": state,
                        "wall": self.since[member_id],
                    },
                )
        return changed

    def apply(self) -> None:
        healthy = {member_id for member_id, up in self.up.items() if up}
        try:
            subprocess.run(
                ["nft", "-f", "-"],
                input=nft_ruleset(self.balancer, healthy),
                text=True,
                check=True,
                capture_output=True,
                timeout=NFT_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            # The next change writes the table whole again; a deploy restarts the checker.
            print(f"lb_check: {self.balancer.owner} table not written: {exc}", flush=True)

    def write_states(self) -> None:
        data = {
            "balancer": self.balancer.owner,
            "members": {
                member_id: {"state": "up" if up else "down", "since": self.since[member_id]}
                for member_id, up in self.up.items()
            },
        }
        partial = self.states.with_suffix(".partial")
        partial.write_text(json.dumps(data))
        os.replace(partial, self.states)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: lb_check SPEC", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text())
    checker = Checker(balancer_from(spec["balancer"]), Path(spec["states"]), spec.get("report"))
    Path(spec["pid"]).write_text(f"{os.getpid()}\n")
    signal.signal(signal.SIGTERM, lambda _signal, _frame: checker.stopping.set())
    checker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
