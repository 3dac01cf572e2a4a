"""Reaching the kernel of one host for the linux driver: netlink sockets into its namespaces,
commands run inside a namespace (argument lists, no shell), sysctls, and the names of the
namespaces a veth peer's `link-netnsid` points to. Nothing here knows about deployments: the
driver decides what to touch.

Namespaces are created, entered and read in this process (see `netns`), without a child
process each.
"""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from pyroute2 import IPRoute, netns
from pyroute2.netlink.exceptions import NetlinkError

from tasks.drivers import rtnl_dump
from tasks.drivers.netns import (
    NETNS_DIR,
    create_namespace,
    entered,
    remove_namespace,
)
from tasks.drivers.rtnl import Rtnl

__all__ = ["NETNS_DIR", "create_namespace", "entered", "remove_namespace"]

OWN_NAMESPACE = "/proc/self/ns/net"
COMMAND_TIMEOUT_SECONDS = 30

# A netlink message: pyroute2's, untyped.
Message = Any


class KernelError(Exception):
    """The kernel (or a tool talking to it) refused; the message says what it said."""


def namespaces() -> set[str]:
    return set(netns.listnetns())


def socket_in(namespace: str | None) -> IPRoute:
    """A netlink socket bound to a namespace (`None`: this thread's)."""
    with entered(namespace):
        return IPRoute(groups=0)


def namespace_path(namespace: str | None) -> str:
    """The file standing for a namespace: `None` is the namespace this process runs in."""
    return OWN_NAMESPACE if namespace is None else str(NETNS_DIR / namespace)


def run(namespace: str | None, *arguments: str, stdin: str | None = None) -> str:
    """Run a command inside a namespace (or here, for `None`) and return its output."""
    command = list(arguments) if namespace is None else ["ip", "netns", "exec", namespace]
    if namespace is not None:
        command.extend(arguments)
    result = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise KernelError(
            f"{arguments[0]}: {result.stderr.strip() or 'exit ' + str(result.returncode)}"
        )
    return result.stdout


def _sysctl_path(name: str) -> Path:
    """The /proc/sys file of a `net.` sysctl (dots separate the levels, as in `sysctl`)."""
    if not name.startswith("net.") or "/" in name or ".." in name:
        raise ValueError(f"not a network sysctl: {name!r}")
    return Path("/proc/sys", *name.split("."))


def read_sysctl(namespace: str | None, name: str) -> str | None:
    """A `net.` sysctl as the namespace sees it; None when the kernel has no such key."""
    with entered(namespace):
        try:
            return _sysctl_path(name).read_text().strip()
        except OSError:
            return None


def write_sysctls(namespace: str | None, values: Sequence[tuple[str, str]]) -> None:
    with entered(namespace):
        for name, value in values:
            try:
                _sysctl_path(name).write_text(f"{value}\n")
            except OSError as exc:
                raise KernelError(f"sysctl {name}={value}: {exc.strerror}") from exc


class Sockets:
    """Netlink sockets into the namespaces of one host, opened on first use and closed
    together. `None` is the host's own namespace (`host`: None for this process's own)."""

    def __init__(self, host: str | None) -> None:
        self.host = host
        self._open: dict[str | None, IPRoute] = {}
        self._raw: dict[str | None, Rtnl] = {}
        # Links' indexes by (namespace, name), as looked up; cleared whenever a link may have
        # gone, so an index is never used for a link made again under the same name.
        self._indexes: dict[tuple[str | None, str], int] = {}

    def resolve(self, namespace: str | None) -> str | None:
        """The namespace an object's `namespace` field stands for."""
        return self.host if namespace is None else namespace

    def __call__(self, namespace: str | None) -> IPRoute:
        """The socket for an object's namespace (`None`: the host's own)."""
        target = self.resolve(namespace)
        if target not in self._open:
            self._open[target] = socket_in(target)
        return self._open[target]

    def raw(self, namespace: str | None) -> Rtnl:
        """The plain netlink socket of an object's namespace, for the requests sent most."""
        target = self.resolve(namespace)
        if target not in self._raw:
            self._raw[target] = Rtnl(target)
        return self._raw[target]

    def index(self, namespace: str | None, name: str) -> int:
        """The index of a link in an object's namespace (`None`: the host's own)."""
        key = (self.resolve(namespace), name)
        if key not in self._indexes:
            found = self.raw(namespace).index(name)
            if found is None:
                raise KernelError(f"no link {name}")
            self._indexes[key] = found
        return self._indexes[key]

    def links_changed(self) -> None:
        """Links were removed or replaced: look every index up again."""
        self._indexes.clear()

    def forget(self, namespace: str) -> None:
        """Close the socket of a namespace about to be removed."""
        self.links_changed()
        ipr = self._open.pop(namespace, None)
        if ipr is not None:
            ipr.close()
        raw = self._raw.pop(namespace, None)
        if raw is not None:
            raw.close()

    def close(self) -> None:
        for ipr in self._open.values():
            ipr.close()
        for raw in self._raw.values():
            raw.close()
        self._open.clear()
        self._raw.clear()

    def __enter__(self) -> Sockets:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def netns_ids(
        self, namespace: str | None, wanted: set[int], candidates: Sequence[str | None]
    ) -> dict[int, str | None]:
        """The namespaces (object namespaces: `None` is the host's own) that `namespace` knows
        by the ids in `wanted`, as the `link-netnsid` of a veth whose peer lives there.
        Candidates are tried in order until every wanted id is found."""
        raw = self.raw(namespace)
        ids: dict[int, str | None] = {}
        for candidate in candidates:
            if wanted <= ids.keys():
                break
            if candidate == namespace:
                continue
            with suppress(OSError, NetlinkError):
                nsid = rtnl_dump.netnsid(raw, namespace_path(self.resolve(candidate)))
                if nsid is not None:
                    ids[nsid] = candidate
        return ids


def link(ipr: IPRoute, name: str) -> Message | None:
    try:
        return ipr.link("get", ifname=name)[0]
    except NetlinkError as exc:
        if exc.code == errno.ENODEV:
            return None
        raise


def name_of(message: Message) -> str:
    return str(message.get_attr("IFLA_IFNAME"))


def kind_of(message: Message) -> str | None:
    info = message.get_attr("IFLA_LINKINFO")
    return None if info is None else info.get_attr("IFLA_INFO_KIND")


def info_data(message: Message) -> Message:
    """The kind-specific attributes of a link (None for a link without any)."""
    info = message.get_attr("IFLA_LINKINFO")
    return None if info is None else info.get_attr("IFLA_INFO_DATA")
