"""The lab fabric of this machine as the app manages it: brought up and registered, observed,
and removed with its registry rows, by `manage.py fabric` and the API alike.

A row is the fabric's while it holds what the fabric registered: a fabric host's name (e.g.
`network-1`) with that host's role, underlay address and physical networks. A row an admin
has changed since is the admin's and is left alone. A row of the same name that was there
before (the demo's `network-1`, say) is updated to the fabric's host, since that host is now
the one of that name that workers can serve.

A fabric host that a topology is deployed on (or being deployed on) is never removed: its
namespace holds the deployment's, which would be left behind with no host to destroy them
from. One change of a fabric runs at a time on this machine (a lock file per prefix).
"""

from __future__ import annotations

import dataclasses
import fcntl
import subprocess
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from pyroute2.netlink.exceptions import NetlinkError

from designer.models import DeploymentAction, Host, Topology
from designer.models.hosts import HostRole
from designer.services.deployments import active_deployment, current_deployment
from tasks.fabric import kernel
from tasks.fabric.kernel import FabricState
from tasks.fabric.spec import FabricError, FabricHost, FabricSpec, Role

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


# -- the fabric the app manages --------------------------------------------------------------

Condition = Literal["up", "down", "partial"]


class FabricBusy(Exception):
    """Another change of the same fabric is under way on this machine."""

    def __init__(self, prefix: str) -> None:
        super().__init__(f"another change of the lab fabric {prefix} is under way")
        self.prefix = prefix


class FabricInUse(Exception):
    """Topologies are deployed, or being deployed, on fabric hosts a change would remove."""

    def __init__(self, topologies: list[Topology], hosts: list[str]) -> None:
        names = ", ".join(f"{t.name} (project {t.project.name})" for t in topologies)
        super().__init__(
            f"topologies are deployed on the lab fabric's hosts {', '.join(hosts)}: {names}"
        )
        self.topologies = topologies
        self.hosts = hosts


def fabric_spec(network_nodes: int = 0, compute_nodes: int = 0, both_nodes: int = 0) -> FabricSpec:
    """The fabric of this machine (`NETLOOM_FABRIC_PREFIX`) with a layout."""
    return FabricSpec(
        prefix=settings.NETLOOM_FABRIC_PREFIX,
        network_nodes=network_nodes,
        compute_nodes=compute_nodes,
        both_nodes=both_nodes,
    )


def registered_layout(spec: FabricSpec) -> FabricSpec:
    """`spec` with the layout its registered hosts have: each role up to its highest index."""
    counts = dict.fromkeys(Role, 0)
    for name in registered_hosts(spec):
        host = spec.host_of_name(name)
        if host is not None:
            counts[host.role] = max(counts[host.role], host.index)
    return dataclasses.replace(
        spec,
        network_nodes=counts[Role.NETWORK],
        compute_nodes=counts[Role.COMPUTE],
        both_nodes=counts[Role.BOTH],
    )


def topologies_on(host_names: Collection[str]) -> list[Topology]:
    """The topologies deployed on any of these hosts, or with a deploy or destroy under way
    there (one that has not started yet goes to every registered host)."""
    names = set(host_names)
    if not names:
        return []
    found = []
    with_attempts = Topology.objects.filter(deployments__isnull=False).distinct()
    for topology in with_attempts.select_related("project").order_by("name", "pk"):
        current = current_deployment(topology)
        attempts = [active_deployment(topology)]
        if current is not None and current.action == DeploymentAction.DEPLOY:
            attempts.append(current)
        if any(
            attempt is not None
            and (names & set(attempt.hosts) or (attempt.active and not attempt.hosts))
            for attempt in attempts
        ):
            found.append(topology)
    return found


def _refuse_while_deployed(host_names: Collection[str]) -> None:
    topologies = topologies_on(host_names)
    if topologies:
        raise FabricInUse(topologies, sorted(host_names))


@contextmanager
def _exclusive(spec: FabricSpec) -> Iterator[None]:
    """Hold the fabric's lock file for a change, or say another change holds it."""
    path = Path(settings.VAR_DIR) / f"fabric-{spec.prefix}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FabricBusy(spec.prefix) from None
        yield  # closing the file releases the lock


@contextmanager
def _kernel_steps() -> Iterator[None]:
    """A kernel step that fails as a FabricError, whatever part of the stack it failed in."""
    try:
        yield
    except (NetlinkError, OSError, subprocess.SubprocessError) as exc:
        raise FabricError(f"a kernel step of the lab fabric failed: {exc}") from exc


@dataclass(frozen=True, slots=True)
class FabricChanges:
    kernel: list[str]
    registry: list[RegistryChange]

    def lines(self) -> list[str]:
        return [
            *self.kernel,
            *(f"host registry: {change.name} {change.action}" for change in self.registry),
        ]


def bring_up(spec: FabricSpec) -> FabricChanges:
    """Make the fabric as `spec` lays it out and register its hosts; idempotent. Hosts of the
    fabric that the layout no longer has are removed, unless a topology is deployed on them."""
    wanted = {host.name for host in spec.hosts}
    _refuse_while_deployed(set(registered_hosts(spec)) - wanted)
    kernel.require_root()
    with _exclusive(spec):
        with _kernel_steps():
            changes = kernel.up(spec)
        return FabricChanges(changes, register_fabric(spec))


def take_down(spec: FabricSpec) -> FabricChanges:
    """Remove everything of the fabric with `spec`'s prefix, whatever its layout, and its
    registry rows; refused while a topology is deployed on any of its registered hosts."""
    _refuse_while_deployed(registered_hosts(spec))
    kernel.require_root()
    with _exclusive(spec):
        with _kernel_steps():
            changes = kernel.down(spec)
        return FabricChanges(changes, unregister_fabric(spec))


# -- its status -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FabricHostStatus:
    host: FabricHost
    present: bool  # everything of it is in the kernel
    registered: bool


@dataclass(frozen=True, slots=True)
class FabricStatus:
    spec: FabricSpec  # the registered layout
    condition: Condition
    hosts: list[FabricHostStatus]
    outside_present: bool


def condition_of(state: FabricState, registered: Collection[str]) -> Condition:
    """`down` when nothing of the fabric is left, `up` when all of it is there and every host
    found is registered, `partial` otherwise (bringing it up again finishes it)."""
    if state.empty and not registered:
        return "down"
    whole = state.complete and all(
        host.in_layout and host.host.name in registered for host in state.hosts
    )
    return "up" if whole else "partial"


def fabric_status(spec: FabricSpec) -> FabricStatus:
    """What of the fabric with `spec`'s prefix is in the kernel and in the registry: the hosts
    of its registered layout, and any other host of it found in the kernel."""
    layout = registered_layout(spec)
    registered = registered_hosts(layout)
    with _kernel_steps():
        state = kernel.observe(layout)
    return FabricStatus(
        spec=layout,
        condition=condition_of(state, registered),
        hosts=[
            FabricHostStatus(host.host, host.complete, host.host.name in registered)
            for host in state.hosts
        ],
        outside_present=state.outside.complete,
    )
