"""Gathers the kernel objects every area of the planner wants on each host, and the notes, into
a Plan: objects sorted by key, iptables rules of one table and namespace merged into one
Firewall, and two different objects claiming the same kernel identity reported, not both kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tasks.planner.state import (
    Address,
    Attachment,
    Bridge,
    Dnsmasq,
    Firewall,
    HostState,
    IptablesTable,
    Keepalived,
    KernelObject,
    Key,
    Macvlan,
    Namespace,
    Note,
    Responder,
    Route,
    Rule,
    Veth,
    Vlan,
    Vxlan,
)

# Which HostState field holds each kind of object.
_FIELDS: dict[type, str] = {
    Namespace: "namespaces",
    Bridge: "bridges",
    Veth: "veths",
    Vxlan: "vxlans",
    Macvlan: "macvlans",
    Attachment: "attachments",
    Address: "addresses",
    Route: "routes",
    Dnsmasq: "dnsmasqs",
    Responder: "responders",
    Vlan: "vlans",
    Keepalived: "keepaliveds",
}


@dataclass
class _FirewallDraft:
    owners: set[str] = field(default_factory=set)
    chains: dict[str, list[Rule]] = field(default_factory=dict)
    hooks: set[tuple[str, Rule]] = field(default_factory=set)


class Collector:
    def __init__(self, hosts: Iterable[str]) -> None:
        self._objects: dict[str, dict[Key, KernelObject]] = {host: {} for host in hosts}
        self._firewalls: dict[tuple[str, str | None, IptablesTable], _FirewallDraft] = {}
        self._notes: set[Note] = set()

    def note(
        self, code: str, message: str, elements: Iterable[str] = (), host: str | None = None
    ) -> None:
        self._notes.add(Note(code, message, tuple(sorted(set(elements))), host))

    def add(self, host: str, *objects: KernelObject) -> None:
        """Objects for `host`. The same object twice is one object; a different object with
        the same identity is a conflict in the design, reported and left out."""
        placed = self._objects[host]
        for obj in objects:
            if isinstance(obj, Firewall):
                raise TypeError("firewall rules are added with rules() and hook()")
            known = placed.get(obj.key)
            if known is None:
                placed[obj.key] = obj
            elif known != obj:
                self.note(
                    "plan.conflict",
                    f"{known.owner} and {obj.owner} both need {'/'.join(obj.key)}; "
                    f"only {known.owner}'s is planned",
                    (known.owner, obj.owner),
                    host,
                )

    def _draft(
        self, host: str, namespace: str | None, table: IptablesTable, owner: str
    ) -> _FirewallDraft:
        draft = self._firewalls.setdefault((host, namespace, table), _FirewallDraft())
        draft.owners.add(owner)
        return draft

    def rules(
        self,
        host: str,
        namespace: str | None,
        table: IptablesTable,
        owner: str,
        chain: str,
        rules: Iterable[Rule],
    ) -> None:
        """Rules appended to one of the deployment's chains, in order."""
        self._draft(host, namespace, table, owner).chains.setdefault(chain, []).extend(rules)

    def hook(
        self,
        host: str,
        namespace: str | None,
        table: IptablesTable,
        owner: str,
        builtin: str,
        rule: Rule,
    ) -> None:
        """A jump from a built-in chain into one of the deployment's chains."""
        self._draft(host, namespace, table, owner).hooks.add((builtin, rule))

    def host_states(self) -> dict[str, HostState]:
        states = {}
        for host, placed in sorted(self._objects.items()):
            grouped: dict[str, list[KernelObject]] = {name: [] for name in _FIELDS.values()}
            for key in sorted(placed):
                grouped[_FIELDS[type(placed[key])]].append(placed[key])
            firewalls = sorted(
                (
                    Firewall(
                        table=table,
                        # One firewall per table and namespace gathers several elements'
                        # rules; it is reported under the first of them.
                        owner=min(draft.owners),
                        namespace=namespace,
                        chains=tuple(
                            (name, tuple(rules)) for name, rules in sorted(draft.chains.items())
                        ),
                        hooks=tuple(sorted(draft.hooks)),
                    )
                    for (owner_host, namespace, table), draft in self._firewalls.items()
                    if owner_host == host
                ),
                key=lambda firewall: firewall.key,
            )
            states[host] = HostState(
                host=host,
                firewalls=tuple(firewalls),
                **{name: tuple(objs) for name, objs in grouped.items()},  # type: ignore[arg-type]
            )
        return states

    def notes(self) -> tuple[Note, ...]:
        return tuple(
            sorted(self._notes, key=lambda n: (n.code, n.host or "", n.elements, n.message))
        )
