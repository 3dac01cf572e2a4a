"""Looking at the kernel the way a person would, with iproute2 and ping, independently of the
code under test. Argument lists only, never a shell."""

from __future__ import annotations

import json
import subprocess
from typing import Any

TIMEOUT_SECONDS = 20


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=check
    )


def _json(*argv: str) -> list[dict[str, Any]]:
    output = run(*argv).stdout.strip()
    return json.loads(output) if output else []


def namespaces() -> set[str]:
    return {entry["name"] for entry in _json("ip", "-j", "netns", "list")}


def links(namespace: str | None = None) -> dict[str, dict[str, Any]]:
    """{name: iproute2's JSON for the link} in the root namespace or in `namespace`."""
    where = ["-n", namespace] if namespace else []
    return {link["ifname"]: link for link in _json("ip", *where, "-j", "link", "show")}


def addresses(namespace: str, interface: str) -> set[str]:
    """The IPv4 addresses of an interface, as 'address/prefix'."""
    found = _json("ip", "-n", namespace, "-j", "-4", "addr", "show", "dev", interface)
    return {f"{a['local']}/{a['prefixlen']}" for entry in found for a in entry["addr_info"]}


def is_bridge(name: str) -> bool:
    return name in {link["ifname"] for link in _json("ip", "-j", "link", "show", "type", "bridge")}


def ports(bridge: str) -> set[str]:
    return {link["ifname"] for link in _json("ip", "-j", "link", "show", "master", bridge)}


def sysctl(namespace: str, key: str) -> str:
    path = "/proc/sys/" + key.replace(".", "/")
    return run("ip", "netns", "exec", namespace, "cat", path).stdout.strip()


def pings(namespace: str, address: str) -> bool:
    """One ping from inside a namespace, answered within a second."""
    result = run("ip", "netns", "exec", namespace, "ping", "-c1", "-W1", address, check=False)
    return result.returncode == 0


def add_address(namespace: str, interface: str, address: str) -> None:
    run("ip", "-n", namespace, "addr", "add", address, "dev", interface)


def remove_address(namespace: str, interface: str, address: str) -> None:
    run("ip", "-n", namespace, "addr", "del", address, "dev", interface, check=False)
