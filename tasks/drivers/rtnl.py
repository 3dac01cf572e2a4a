"""The few rtnetlink requests a deploy sends thousands of times, built and sent here directly:
making a veth pair whole (both ends up, MACs, MTU, bridge port, far end in its namespace),
bringing a link up, adding an address, replacing a route, finding a link's index.

pyroute2 does everything else, and these too; but it spends a fraction of a millisecond in
Python on each request, more than the kernel takes for some of them, and a deploy of a
thousand instances sends several thousand. A socket here is a plain netlink socket, bound to
the namespace it was opened in, usable from any thread. Errors are raised as pyroute2's
`NetlinkError`, with the kernel's errno, so callers handle both the same way.
"""

from __future__ import annotations

import ipaddress
import itertools
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from pyroute2.netlink.exceptions import NetlinkError

from tasks.drivers.netns import NETNS_DIR, entered

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10

RTM_NEWLINK, RTM_GETLINK, RTM_NEWADDR, RTM_NEWROUTE = 16, 18, 20, 24
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400

IFF_UP = 0x1
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER = 1, 3, 4, 10
IFLA_LINKINFO, IFLA_NET_NS_FD, IFLA_EXT_MASK, IFLA_LINK_NETNSID = 18, 28, 29, 37
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
RTEXT_FILTER_SKIP_STATS = 1 << 3
IFA_ADDRESS, IFA_LOCAL = 1, 2
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_TABLE = 1, 4, 5, 15
RT_SCOPE_UNIVERSE, RT_SCOPE_LINK = 0, 253
RTN_UNICAST = 1

_HEADER = struct.Struct("=IHHII")
_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")
_ERROR = struct.Struct("=i")
_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


def _attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def _string(kind: int, value: str) -> bytes:
    return _attr(kind, value.encode() + b"\0")


def _u32(kind: int, value: int) -> bytes:
    return _attr(kind, struct.pack("=I", value))


def _mac(value: str) -> bytes:
    return bytes(int(part, 16) for part in value.split(":"))


def _ifinfo(index: int = 0, up: bool = False) -> bytes:
    flags = IFF_UP if up else 0
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index, flags, IFF_UP if up else 0)


def _link_attrs(name: str, mac: str | None, mtu: int | None) -> bytes:
    out = _string(IFLA_IFNAME, name)
    if mac is not None:
        out += _attr(IFLA_ADDRESS, _mac(mac))
    if mtu is not None:
        out += _u32(IFLA_MTU, mtu)
    return out


@dataclass(frozen=True)
class LinkSummary:
    """What a dump says of a link that a teardown needs."""

    index: int
    name: str
    kind: str | None
    # Where its peer is (a veth's): another namespace's id, None for this one.
    netnsid: int | None


def attributes(data: bytes, offset: int, end: int) -> Iterator[tuple[int, bytes]]:
    while offset + 4 <= end:
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            return
        yield kind & 0x3FFF, data[offset + 4 : offset + length]
        offset += (length + 3) & ~3


def _summary(payload: bytes) -> LinkSummary:
    index = _IFINFO.unpack_from(payload)[2]
    name, kind, netnsid = "", None, None
    for attribute, value in attributes(payload, _IFINFO.size, len(payload)):
        if attribute == IFLA_IFNAME:
            name = value.rstrip(b"\0").decode(errors="replace")
        elif attribute == IFLA_LINK_NETNSID:
            netnsid = struct.unpack_from("=i", value)[0]
        elif attribute == IFLA_LINKINFO:
            for inner, data in attributes(value, 0, len(value)):
                if inner == IFLA_INFO_KIND:
                    kind = data.rstrip(b"\0").decode(errors="replace")
    return LinkSummary(index, name, kind, netnsid)


class Rtnl:
    """One netlink socket, in the namespace it was opened in."""

    def __init__(self, namespace: str | None = None) -> None:
        with entered(namespace):
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self._seq = itertools.count(1)

    def close(self) -> None:
        self.sock.close()

    def _request(self, kind: int, flags: int, body: bytes) -> bytes | None:
        """Send one request; the reply's payload, or None for a bare acknowledgement."""
        seq = next(self._seq)
        self.sock.send(_HEADER.pack(_HEADER.size + len(body), kind, flags, seq, 0) + body)
        while True:
            data = self.sock.recv(65536)
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, reply, _, reply_seq, _ = _HEADER.unpack_from(data, offset)
                payload = data[offset + _HEADER.size : offset + length]
                offset += (length + 3) & ~3
                if reply_seq != seq:
                    continue
                if reply == NLMSG_ERROR:
                    (code,) = _ERROR.unpack_from(payload)
                    if code:
                        raise NetlinkError(-code, os.strerror(-code))
                    return None
                return payload

    def dump(self, kind: int, body: bytes) -> list[bytes]:
        """A dump request's replies, each message's payload."""
        seq = next(self._seq)
        flags = NLM_F_REQUEST | NLM_F_DUMP
        self.sock.send(_HEADER.pack(_HEADER.size + len(body), kind, flags, seq, 0) + body)
        found: list[bytes] = []
        while True:
            data = self.sock.recv(1 << 20)
            offset = 0
            while offset + _HEADER.size <= len(data):
                length, reply, _, reply_seq, _ = _HEADER.unpack_from(data, offset)
                payload = data[offset + _HEADER.size : offset + length]
                offset += (length + 3) & ~3
                if reply_seq != seq:
                    continue
                if reply == NLMSG_DONE:
                    return found
                if reply == NLMSG_ERROR:
                    (code,) = _ERROR.unpack_from(payload)
                    raise NetlinkError(-code, os.strerror(-code))
                found.append(payload)

    def links(self) -> list[LinkSummary]:
        """Every link of the namespace, in brief."""
        body = _ifinfo() + _u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
        return [_summary(payload) for payload in self.dump(RTM_GETLINK, body)]

    def request(self, kind: int, body: bytes) -> bytes | None:
        """One request that is answered with one message (its payload)."""
        return self._request(kind, NLM_F_REQUEST, body)

    def _change(self, kind: int, flags: int, body: bytes) -> None:
        self._request(kind, NLM_F_REQUEST | NLM_F_ACK | flags, body)

    def index(self, name: str) -> int | None:
        """A link's index by name; None when there is none."""
        body = _ifinfo() + _string(IFLA_IFNAME, name) + _u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
        try:
            reply = self._request(RTM_GETLINK, NLM_F_REQUEST, body)
        except NetlinkError as exc:
            if exc.code == 19:  # ENODEV
                return None
            raise
        assert reply is not None
        return int(_IFINFO.unpack_from(reply)[2])

    def set_up(self, index: int) -> None:
        self._change(RTM_NEWLINK, 0, _ifinfo(index, up=True))

    def set_up_named(self, name: str) -> None:
        self._change(RTM_NEWLINK, 0, _ifinfo(up=True) + _string(IFLA_IFNAME, name))

    def add_veth(
        self,
        name: str,
        peer: str,
        *,
        peer_namespace: str | None = None,
        mac: str | None = None,
        peer_mac: str | None = None,
        mtu: int | None = None,
        master: int | None = None,
    ) -> None:
        """A veth pair made whole: `name` here (on bridge `master`) and up, `peer` in
        `peer_namespace` (None: here too). The kernel cannot bring the far end up before the
        pair is made: `set_up_named` does, from the far end's namespace."""
        peer_attrs = _link_attrs(peer, peer_mac, mtu)
        descriptor = None
        if peer_namespace is not None:
            descriptor = os.open(NETNS_DIR / peer_namespace, os.O_RDONLY)
            peer_attrs += _u32(IFLA_NET_NS_FD, descriptor)
        info = _string(IFLA_INFO_KIND, "veth") + _attr(
            IFLA_INFO_DATA, _attr(VETH_INFO_PEER, _ifinfo() + peer_attrs)
        )
        attrs = _link_attrs(name, mac, mtu) + _attr(IFLA_LINKINFO, info)
        if master is not None:
            attrs += _u32(IFLA_MASTER, master)
        try:
            self._change(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, _ifinfo(up=True) + attrs)
        finally:
            if descriptor is not None:
                os.close(descriptor)

    def add_address(self, index: int, cidr: str) -> None:
        interface = ipaddress.ip_interface(cidr)
        packed = interface.ip.packed
        body = _IFADDR.pack(_FAMILY[interface.version], interface.network.prefixlen, 0, 0, index)
        body += _attr(IFA_LOCAL, packed) + _attr(IFA_ADDRESS, packed)
        self._change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, body)

    def replace_route(
        self,
        destination: str,
        *,
        gateway: str | None,
        index: int | None,
        table: int,
        protocol: int,
    ) -> None:
        network = ipaddress.ip_network(destination)
        scope = RT_SCOPE_LINK if gateway is None else RT_SCOPE_UNIVERSE
        family = _FAMILY[network.version]
        body = _RTMSG.pack(family, network.prefixlen, 0, 0, 0, protocol, scope, RTN_UNICAST, 0)
        body += _u32(RTA_TABLE, table)
        if network.prefixlen:
            body += _attr(RTA_DST, network.network_address.packed)
        if gateway is not None:
            body += _attr(RTA_GATEWAY, ipaddress.ip_address(gateway).packed)
        if index is not None:
            body += _u32(RTA_OIF, index)
        self._change(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, body)
