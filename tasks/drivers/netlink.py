"""Netlink helpers of the linux driver: finding, deleting and configuring links by name, with
the kernel's "already so" and "already gone" answers taken as success."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from tasks.drivers.kernel import (
    NETNS_DIR,
    KernelError,
    Message,
    info_data,
    kind_of,
    link,
)

IFF_UP = 0x1
# Errors that mean "already gone" for a remove.
_GONE = {errno.ENODEV, errno.ENOENT, errno.ESRCH, errno.EADDRNOTAVAIL, errno.ENXIO}


def link_index(ipr: IPRoute, name: str) -> int:
    found = link(ipr, name)
    if found is None:
        raise KernelError(f"no link {name}")
    return int(found["index"])


def delete_link(ipr: IPRoute, name: str) -> None:
    existing = link(ipr, name)
    if existing is not None:
        gone_ok(lambda: ipr.link("del", index=existing["index"]))


def gone_ok(action: Callable[[], object]) -> None:
    try:
        action()
    except NetlinkError as exc:
        if exc.code not in _GONE:
            raise


def configure(
    ipr: IPRoute,
    name: str,
    master: str | None = None,
    mac: str | None = None,
    mtu: int | None = None,
) -> int:
    """Set what is asked of a link (a bridge port, MAC, MTU), bring it up, return its index.
    `master` None releases it from any bridge."""
    existing = link(ipr, name)
    if existing is None:
        raise KernelError(f"no link {name}")
    index = int(existing["index"])
    changes: dict[str, Any] = {}
    master_index = 0 if master is None else link_index(ipr, master)
    if (existing.get_attr("IFLA_MASTER") or 0) != master_index:
        changes["master"] = master_index
    if mac is not None and existing.get_attr("IFLA_ADDRESS") != mac.lower():
        changes["address"] = mac
    if mtu is not None and existing.get_attr("IFLA_MTU") != mtu:
        changes["mtu"] = mtu
    if changes:
        ipr.link("set", index=index, **changes)
    if not existing["flags"] & IFF_UP:
        ipr.link("set", index=index, state="up")
    return index


def same_vxlan(existing: Message, settings: dict[str, Any]) -> bool:
    data = info_data(existing)
    if kind_of(existing) != "vxlan" or data is None:
        return False
    return bool(
        data.get_attr("IFLA_VXLAN_ID") == settings["vxlan_id"]
        and (data.get_attr("IFLA_VXLAN_LOCAL") or "") == settings["vxlan_local"]
        and data.get_attr("IFLA_VXLAN_PORT") == settings["vxlan_port"]
        and (data.get_attr("IFLA_VXLAN_LINK") or None) == settings.get("vxlan_link")
    )


def pids_by_namespace() -> dict[int, list[int]]:
    """Every process's pid, by the inode of the network namespace it runs in: one pass over
    /proc for any number of namespaces."""
    found: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with suppress(OSError):
                inode = os.stat(f"/proc/{entry.name}/ns/net").st_ino
                found.setdefault(inode, []).append(int(entry.name))
    return found


def kill_inside(namespace: str, pids: dict[int, list[int]] | None = None) -> None:
    """Stop what still runs in a namespace about to go: it would keep the namespace alive.
    `pids` is `pids_by_namespace()` when many namespaces go at once."""
    try:
        inode = os.stat(NETNS_DIR / namespace).st_ino
    except OSError:
        return
    for pid in (pids if pids is not None else pids_by_namespace()).get(inode, []):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
