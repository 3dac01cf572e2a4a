"""What keepalived runs on each VRRP transition of an HA router instance:

    python -m tasks.drivers.vrrp_notify IDENTITY INSTANCE NAME STATE PRIORITY

IDENTITY is the instance's file written by the linux driver (router, host, namespace, and the
socket of the worker serving the host); keepalived appends the rest. It sends one datagram to
that socket at once, with the new state and when it was seen, and exits. Nothing waits for an
answer: with no worker listening the transition is only in keepalived's log. Standard library
only, and quick to start, since keepalived runs it for every transition.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

STATES = {"MASTER": "master", "BACKUP": "backup", "FAULT": "fault", "STOP": "stop"}
# The largest datagram a transition is sent as; the relay reads no more.
MAX_DATAGRAM = 4096


def transition(identity: dict[str, Any], state: str) -> dict[str, Any]:
    """The datagram's content for a keepalived state, with the times it was seen."""
    return {
        "router": identity["router"],
        "host": identity["host"],
        "namespace": identity["namespace"],
        "state": STATES[state],
        "monotonic": time.monotonic(),
        "wall": time.time(),
    }


def send(path: str, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    if len(data) > MAX_DATAGRAM:
        raise ValueError("transition too large to send")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.sendto(data, path)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[-2] not in STATES:
        print("usage: vrrp_notify IDENTITY INSTANCE NAME STATE PRIORITY", file=sys.stderr)
        return 2
    try:
        identity = json.loads(Path(argv[0]).read_text())
        send(identity["socket"], transition(identity, argv[-2]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # No worker listens (or it is busy): keepalived's own log still has the transition.
        print(f"vrrp_notify: transition to {argv[-2]} not reported: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
