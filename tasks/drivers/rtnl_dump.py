"""Reading a namespace back through plain rtnetlink dumps: its links, addresses and routes as
small messages that answer `msg["index"]` and `msg.get_attr("IFLA_MTU")` as pyroute2's do, for
the fields the linux driver's observation reads. Observing a deployment reads every one of its
namespaces; decoding only these fields, here, is several times faster than pyroute2's full
decoding of every attribute.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from collections.abc import Callable
from typing import Any

from tasks.drivers.rtnl import (
    IFLA_EXT_MASK,
    RTEXT_FILTER_SKIP_STATS,
    Rtnl,
    _ifinfo,
    _u32,
    attributes,
)

RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNSID = 18, 22, 26, 90
NETNSA_NSID, NETNSA_FD = 1, 3

Decoder = Callable[[bytes], Any]


def _u8(value: bytes) -> int:
    return value[0]


def _u16(value: bytes) -> int:
    return int(struct.unpack_from("=H", value)[0])


def _be16(value: bytes) -> int:
    return int(struct.unpack_from("!H", value)[0])


def _u32v(value: bytes) -> int:
    return int(struct.unpack_from("=I", value)[0])


def _s32(value: bytes) -> int:
    return int(struct.unpack_from("=i", value)[0])


def _text(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode(errors="replace")


def _mac(value: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in value)


def _ip(value: bytes) -> str:
    return str(ipaddress.ip_address(value))


class Message:
    """A decoded message: header fields by key, attributes by pyroute2's names."""

    __slots__ = ("attrs", "fields")

    def __init__(self, fields: dict[str, int], attrs: dict[str, Any]) -> None:
        self.fields = fields
        self.attrs = attrs

    def __getitem__(self, key: str) -> int:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    def get_attr(self, name: str) -> Any:
        return self.attrs.get(name)


def _decode(data: bytes, offset: int, table: dict[int, tuple[str, Decoder]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, value in attributes(data, offset, len(data)):
        known = table.get(kind)
        if known is not None:
            name, decoder = known
            out[name] = decoder(value)
    return out


_VXLAN: dict[int, tuple[str, Decoder]] = {
    1: ("IFLA_VXLAN_ID", _u32v),
    3: ("IFLA_VXLAN_LINK", _u32v),
    4: ("IFLA_VXLAN_LOCAL", _ip),
    15: ("IFLA_VXLAN_PORT", _be16),
}
_VLAN: dict[int, tuple[str, Decoder]] = {1: ("IFLA_VLAN_ID", _u16)}
_MACVLAN: dict[int, tuple[str, Decoder]] = {1: ("IFLA_MACVLAN_MODE", _u32v)}
_INFO_DATA = {"vxlan": _VXLAN, "vlan": _VLAN, "macvlan": _MACVLAN}


def _link_info(value: bytes) -> Message:
    raw = dict(attributes(value, 0, len(value)))
    kind = _text(raw[1]) if 1 in raw else None
    attrs: dict[str, Any] = {"IFLA_INFO_KIND": kind}
    table = _INFO_DATA.get(kind or "")
    if table is not None and 2 in raw:
        attrs["IFLA_INFO_DATA"] = Message({}, _decode(raw[2], 0, table))
    return Message({}, attrs)


_LINK: dict[int, tuple[str, Decoder]] = {
    1: ("IFLA_ADDRESS", _mac),
    3: ("IFLA_IFNAME", _text),
    4: ("IFLA_MTU", _u32v),
    5: ("IFLA_LINK", _u32v),
    10: ("IFLA_MASTER", _u32v),
    18: ("IFLA_LINKINFO", _link_info),
    37: ("IFLA_LINK_NETNSID", _s32),
}
_IFINFO = struct.Struct("=BxHiII")
_IFADDR = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")


def links(rtnl: Rtnl) -> list[Message]:
    out = []
    body = _ifinfo() + _u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)
    for payload in rtnl.dump(RTM_GETLINK, body):
        family, kind, index, flags, _ = _IFINFO.unpack_from(payload)
        fields = {"family": family, "ifi_type": kind, "index": index, "flags": flags}
        out.append(Message(fields, _decode(payload, _IFINFO.size, _LINK)))
    return out


def addresses(rtnl: Rtnl) -> list[Message]:
    out = []
    for payload in rtnl.dump(RTM_GETADDR, _IFADDR.pack(socket.AF_UNSPEC, 0, 0, 0, 0)):
        family, prefixlen, _, scope, index = _IFADDR.unpack_from(payload)
        fields = {"family": family, "prefixlen": prefixlen, "scope": scope, "index": index}
        out.append(Message(fields, _decode(payload, _IFADDR.size, {1: ("IFA_ADDRESS", _ip)})))
    return out


_ROUTE: dict[int, tuple[str, Decoder]] = {
    1: ("RTA_DST", _ip),
    4: ("RTA_OIF", _u32v),
    5: ("RTA_GATEWAY", _ip),
    15: ("RTA_TABLE", _u32v),
}


def routes(rtnl: Rtnl, family: int) -> list[Message]:
    out = []
    for payload in rtnl.dump(RTM_GETROUTE, _RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)):
        family_, dst_len, _, _, table, proto, scope, kind, _ = _RTMSG.unpack_from(payload)
        fields = {
            "family": family_,
            "dst_len": dst_len,
            "table": table,
            "proto": proto,
            "scope": scope,
            "type": kind,
        }
        out.append(Message(fields, _decode(payload, _RTMSG.size, _ROUTE)))
    return out


def netnsid(rtnl: Rtnl, path: str) -> int | None:
    """The id `rtnl`'s namespace knows the namespace at `path` by; None when it has none."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        reply = rtnl.request(RTM_GETNSID, struct.pack("=Bxxx", 0) + _u32(NETNSA_FD, descriptor))
    finally:
        os.close(descriptor)
    if reply is None:
        return None
    found = _decode(reply, 4, {NETNSA_NSID: ("nsid", _s32)}).get("nsid")
    return None if found is None or found < 0 else int(found)
