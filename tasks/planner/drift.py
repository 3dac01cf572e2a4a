"""Drift: how what a deployment has on a host differs from what its deployed revision wants
there, told per kernel object and summed up per element. Pure: the observation task feeds it
the linux driver's `observe(desired)` and the planner's desired state.

Objects are compared by key, as `plan_steps` compares them, so a host has drifted exactly when
`plan_steps(observed, desired)` finds steps to repair it. An object the revision wants and the
host lacks is `missing`, one the host has in another form is `changed`, and one carrying the
deployment's prefix that the revision does not want is `unexpected`. Only root causes are
told: what a repair would remove and make again because something else changed is not.

An element is `missing` when none of its objects is left on any host, `changed` when some are
missing or changed, and `unexpected` when all it has too much is unexpected objects. Every
text here is made of kernel names, addresses and numbers, never of what a person typed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    Dnsmasq,
    Firewall,
    HostState,
    KernelObject,
    Key,
    Macvlan,
    Namespace,
    Responder,
    Route,
    Veth,
    Vlan,
    Vxlan,
)

Change = Literal["missing", "changed", "unexpected"]
# An element is shown by the worst of its objects' changes.
_SEVERITY: dict[Change, int] = {"unexpected": 0, "changed": 1, "missing": 2}


@dataclass(frozen=True)
class DriftItem:
    """One kernel object that is not as the deployed revision wants it."""

    host: str
    # The element the object realises; None for an unexpected object nothing points to.
    element: str | None
    object: str
    change: Change
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "element": self.element,
            "object": self.object,
            "change": self.change,
            "detail": self.detail,
        }


def host_drift(observed: HostState, desired: HostState) -> list[DriftItem]:
    """Every object of `desired` missing or changed in `observed`, and every object of
    `observed` that `desired` does not want, sorted by element and object."""
    have, want = observed.by_key(), desired.by_key()
    items: list[DriftItem] = []
    for key, wish in want.items():
        found = have.get(key)
        if found is None:
            items.append(_item(desired.host, wish.owner, wish, "missing", _missing(wish)))
        elif found != wish:
            items.append(_item(desired.host, wish.owner, wish, "changed", _changes(found, wish)))
    for key, extra in have.items():
        if key not in want:
            owner = extra.owner or _owner_nearby(extra, want)
            items.append(
                _item(desired.host, owner, extra, "unexpected", "not in the deployed revision")
            )
    items.sort(key=lambda item: (item.element or "", item.object, item.change))
    return items


def element_drift(items: Iterable[DriftItem], desired: Iterable[HostState]) -> dict[str, Change]:
    """Each drifted element's change over all hosts: `missing` when every object the
    revision wants of it is missing, otherwise the worst of `changed` and `unexpected`."""
    wanted = Counter(obj.owner for state in desired for obj in state.objects())
    missing: Counter[str] = Counter()
    worst: dict[str, Change] = {}
    for item in items:
        if item.element is None:
            continue
        if item.change == "missing":
            missing[item.element] += 1
        before = worst.get(item.element)
        if before is None or _SEVERITY[item.change] > _SEVERITY[before]:
            worst[item.element] = item.change
    out: dict[str, Change] = {}
    for element, change in sorted(worst.items()):
        if change == "missing" and missing[element] < wanted[element]:
            change = "changed"
        out[element] = change
    return out


def describe(obj: KernelObject) -> str:
    """What an object is, in kernel terms: `veth nl00abt1x2y3z4w5`, `address 10.0.0.1/24 on
    nl00abp1x2y3z4w5 in nl00ab-i-0123456789`."""
    where = "" if isinstance(obj, Namespace) or obj.namespace is None else f" in {obj.namespace}"
    if isinstance(obj, Address):
        return f"address {obj.cidr} on {obj.interface}{where}"
    if isinstance(obj, Route):
        return f"route {obj.destination}{where}"
    if isinstance(obj, Firewall):
        return f"firewall {obj.table} table{where}"
    if isinstance(obj, Dnsmasq):
        return f"dnsmasq on {obj.interface}{where}"
    if isinstance(obj, Responder):
        return f"responder{where}"
    if isinstance(obj, Attachment):
        return f"attachment of {obj.interface} to {obj.master}{where}"
    return f"{type(obj).__name__.lower()} {obj.key[-1]}{where}"


def _item(host: str, owner: str, obj: KernelObject, change: Change, detail: str) -> DriftItem:
    return DriftItem(host, owner or None, describe(obj), change, detail)


def _missing(obj: KernelObject) -> str:
    if isinstance(obj, Dnsmasq | Responder):
        return "not running"
    return "not found on the host"


def _changes(found: KernelObject, wish: KernelObject) -> str:
    if type(found) is not type(wish):
        return f"is a {type(found).__name__.lower()}, not a {type(wish).__name__.lower()}"
    parts = []
    for item in fields(wish):
        if item.name == "owner":
            continue
        have, want = getattr(found, item.name), getattr(wish, item.name)
        if have == want:
            continue
        if isinstance(want, tuple) or isinstance(have, tuple):
            parts.append(f"{item.name.replace('_', ' ')} differ")
        else:
            parts.append(f"{item.name.replace('_', ' ')} {_shown(have)}, wanted {_shown(want)}")
    return "; ".join(parts) or "differs"


def _shown(value: object) -> str:
    return "none" if value is None else str(value)


def _link_ends(obj: KernelObject) -> list[tuple[str, str]]:
    """Where a link's ends are: (namespace, name), both ends of a veth."""
    if isinstance(obj, Veth):
        return [(obj.namespace or "", obj.name), (obj.peer_namespace or "", obj.peer)]
    if isinstance(obj, Bridge | Vxlan | Macvlan | Vlan):
        return [(obj.namespace or "", obj.name)]
    return []


def _owner_nearby(obj: KernelObject, want: dict[Key, KernelObject]) -> str:
    """The element an unexpected object sits on: that of the link an address, route or
    attachment is on, or of the namespace it is in."""
    namespace = "" if isinstance(obj, Namespace) else (obj.namespace or "")
    link: str | None = None
    if isinstance(obj, Address):
        link = obj.interface
    elif isinstance(obj, Route):
        link = obj.device
    elif isinstance(obj, Attachment):
        link = obj.master
    if link is not None:
        for candidate in want.values():
            if (namespace, link) in _link_ends(candidate):
                return candidate.owner
    if namespace:
        found = want.get(("namespace", namespace))
        if found is not None:
            return found.owner
    return ""
