"""The lab fabric's hosts in the host registry: registered when the fabric comes up, removed
when it goes down.

A row is the fabric's while it holds what the fabric registered: a fabric host's name (e.g.
`network-1`) with that host's role, underlay address and physical networks. A row an admin
has changed since is the admin's and is left alone. A row of the same name that was there
before (the demo's `network-1`, say) is updated to the fabric's host, since that host is now
the one of that name that workers can serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from designer.models import Host
from designer.models.hosts import HostRole
from tasks.fabric.spec import FabricHost, FabricSpec

# The names fabric hosts have, in any layout; narrows the rows looked at.
_NAME_REGEX = r"^(network|compute|node)-[1-9][0-9]?$"


@dataclass(frozen=True, slots=True)
class RegistryChange:
    name: str
    action: str  # "created", "updated" or "removed"


def _fields(host: FabricHost) -> dict[str, Any]:
    return {
        "role": HostRole(host.role.value),
        "underlay_address": str(host.underlay_address.ip),
        "physical_networks": host.interfaces,
        "external": host.role.is_networking_node,
        # Where the deploy drivers find this host on the machine running the fabric.
        "namespace": host.namespace,
    }


def _holds(row: Host, host: FabricHost) -> bool:
    return all(getattr(row, field) == value for field, value in _fields(host).items())


def _registered(spec: FabricSpec, rows: QuerySet[Host]) -> list[Host]:
    return [
        row
        for row in rows.filter(name__regex=_NAME_REGEX).order_by("name")
        if (host := spec.host_of_name(row.name)) is not None and _holds(row, host)
    ]


def registered_hosts(spec: FabricSpec) -> dict[str, Host]:
    """{name: row} for the rows that hold this fabric's registration, in any layout."""
    return {row.name: row for row in _registered(spec, Host.objects.all())}


@transaction.atomic
def register_fabric(spec: FabricSpec) -> list[RegistryChange]:
    """Create or update a row for each host of the layout, and remove the fabric's rows for
    hosts the layout no longer has. Returns what changed (nothing on a second run)."""
    changes: list[RegistryChange] = []
    for host in spec.hosts:
        row = Host.objects.select_for_update().filter(name=host.name).first()
        if row is not None and _holds(row, host):
            continue
        action = "created" if row is None else "updated"
        if row is None:
            row = Host(name=host.name)
        for field, value in _fields(host).items():
            setattr(row, field, value)
        row.full_clean()
        row.save()
        changes.append(RegistryChange(host.name, action))
    names = {host.name for host in spec.hosts}
    for row in _registered(spec, Host.objects.select_for_update()):
        if row.name not in names:
            row.delete()
            changes.append(RegistryChange(row.name, "removed"))
    return changes


@transaction.atomic
def unregister_fabric(spec: FabricSpec) -> list[RegistryChange]:
    """Remove every row that holds this fabric's registration, whatever the layout."""
    changes: list[RegistryChange] = []
    for row in _registered(spec, Host.objects.select_for_update()):
        row.delete()
        changes.append(RegistryChange(row.name, "removed"))
    return changes
