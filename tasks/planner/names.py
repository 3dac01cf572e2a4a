"""Kernel names, derived from ids and never from what a person typed.

Every object a deployment makes carries the deployment's prefix, so teardown and observation
find exactly its own objects: `nl` and the topology's number in base 36 (`nl002s`). Interface
names are at most 15 bytes (the kernel's IFNAMSIZ less one): prefix, one letter for the kind of
link, and a hash of what the link stands for. Namespace names have room for more and also name
their host, so the namespaces of several emulated hosts on one machine never collide.
"""

from __future__ import annotations

import hashlib
import re
import string

ROOT = "nl"
PREFIX_DIGITS = 4
MAX_INTERFACE = 15
_BASE36 = string.digits + string.ascii_lowercase
# The letter after the prefix says what an interface is.
LINK_KINDS = {
    "bridge": "b",
    "vxlan": "x",
    "tap": "t",  # the host end of an instance's or router's veth, on a bridge
    "port": "p",  # the namespace end of that veth
    "macvlan": "m",
    "gateway": "g",  # a router's external gateway port, namespace end
    "gateway_tap": "h",
    "vlan": "v",  # an 802.1Q sub-interface of a physical interface
    # The HA network between an HA router's hosts: its bridge and VXLAN device on each host,
    # and the veth of each router instance onto it (host end, namespace end).
    "ha_bridge": "a",
    "ha_vxlan": "y",
    "ha_tap": "k",
    "ha_port": "w",
}
NAMESPACE_KINDS = {"router": "r", "dhcp": "d", "instance": "i"}
PREFIX_PATTERN = re.compile(rf"^{ROOT}[0-9a-z]{{{PREFIX_DIGITS}}}$")


def deployment_prefix(topology_id: int) -> str:
    """`nl` and the topology's number in base 36, four digits: unique per topology, so two
    topologies' objects never share a prefix."""
    if not 0 < topology_id < 36**PREFIX_DIGITS:
        raise ValueError(f"topology id {topology_id} has no {PREFIX_DIGITS}-digit prefix")
    digits = []
    value = topology_id
    for _ in range(PREFIX_DIGITS):
        value, digit = divmod(value, 36)
        digits.append(_BASE36[digit])
    return ROOT + "".join(reversed(digits))


def topology_of_prefix(prefix: str) -> int:
    """The topology whose deployment has this prefix (the inverse of `deployment_prefix`)."""
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"not a deployment prefix: {prefix!r}")
    return int(prefix[len(ROOT) :], 36)


def _digest(parts: tuple[str, ...], length: int) -> str:
    text = "\x00".join(parts).encode()
    raw = hashlib.blake2b(text, digest_size=16).digest()
    value = int.from_bytes(raw, "big")
    out = []
    for _ in range(length):
        value, digit = divmod(value, 36)
        out.append(_BASE36[digit])
    return "".join(out)


def interface_name(prefix: str, kind: str, *parts: str) -> str:
    """The name of a link of `kind` standing for `parts` (element ids, a host name): the same
    parts give the same name on every run."""
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"not a deployment prefix: {prefix!r}")
    letter = LINK_KINDS[kind]
    room = MAX_INTERFACE - len(prefix) - len(letter)
    return f"{prefix}{letter}{_digest(parts, room)}"


def namespace_name(prefix: str, kind: str, host: str, element_id: str) -> str:
    """The namespace of a router, DHCP server or instance on `host`."""
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"not a deployment prefix: {prefix!r}")
    return f"{prefix}-{NAMESPACE_KINDS[kind]}-{_digest((host, element_id), 10)}"


def owns(prefix: str, name: str) -> bool:
    """Whether a kernel object with this name belongs to the deployment with this prefix."""
    return name.startswith(prefix) and PREFIX_PATTERN.match(prefix) is not None


_LABEL_CHARS = re.compile(r"[^a-z0-9-]+")


def dns_label(name: str, fallback: str) -> str:
    """A DNS label (RFC 1123: letters, digits and '-', at most 63) for an element's name, for
    dnsmasq to answer by name; `fallback` (an element id, made a label the same way) when
    nothing of the name is left."""
    for candidate in (name, fallback):
        label = _LABEL_CHARS.sub("-", candidate.lower()).strip("-")[:63].strip("-")
        if label:
            return label
    raise ValueError("neither the name nor the fallback gives a DNS label")
