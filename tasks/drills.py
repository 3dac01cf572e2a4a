"""HA drills in Celery, on the worker of the host whose HA router instance they act on.

The instance is found as the deploy made it: the deployed revision planned for this host gives
its keepalived (namespace and configuration), and the linux driver's process record in the run
directory gives its pid. Nothing a person typed names a process or a file.

- crash_master: SIGKILL the master's keepalived. It gives nothing up and reports nothing; the
  backups take over once its adverts stop.
- switchover: reload the target's keepalived with a priority above every other instance's, so
  it preempts the master.
- cut_link: take the master's HA port off the HA network: the host end of its veth leaves the
  HA bridge, as a cable pulled at the switch, so no advert crosses either way while the port
  itself stays up (keepalived would go to FAULT and give the role up if it went down, a
  failover rather than a cut). Both instances become master: a split brain. `hold_seconds`
  later a task of its own (the worker is not held meanwhile) puts it back on the bridge, and
  the instance with the lower priority steps back.
- host_failure: on one host, every keepalived the deployment runs there killed as a crash would
  be, and every interface of the deployment's router namespaces there set down, so every
  router of the deployment on that host (HA, legacy or a distributed router's copy) stops
  forwarding. Namespaces and processes are found in the plan of the host, by role.
- failback: on each host, what cut_link and host_failure changed restored (the virtual
  addresses a killed keepalived left behind removed, HA ports back on the bridge, interfaces
  up, every keepalived started again from the design); every instance back to the design's
  configuration (a raised priority reloaded away); on the initial master's host, once every
  other host is restored and the instances agree on one master, if it is not master, its
  priority is raised until it takes the role back, then lowered to the design's again (not
  with nopreempt: the master keeps the role).

A drill with a probe (tasks/drill_probe.py) acts only once the probe has started pinging
through the router, or has failed to start in time.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import time
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from pyroute2.netlink.exceptions import NetlinkError

from designer.models import DrillKind, DrillState, HaDrill, Host, VrrpState, VrrpTransition
from designer.services.drills import (
    analyse_later,
    drill_acted,
    drill_finished,
    last_states,
    reports_of,
    settle_window,
)
from tasks.app import app
from tasks.base import NetloomTask
from tasks.deploy import desired_state
from tasks.drill_probe import probe_pending
from tasks.drivers import HostBinding, render
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import KernelError, Sockets, link, run, socket_in
from tasks.drivers.kernel_keepalived import KeepalivedSupervisor
from tasks.drivers.netlink import IFF_UP
from tasks.planner.names import deployment_prefix
from tasks.planner.state import HostState, Keepalived, Veth
from tasks.planner.steps import plan_steps

# The highest priority VRRP allows an instance that does not own the addresses.
TOP_PRIORITY = 254
# How long a failback waits for the initial master to report MASTER after its priority rose.
TAKE_BACK_SECONDS = 15.0
# How often a drill looks again whether its probe has started.
PROBE_POLL = 0.02
# How often, and how long at most, a failback on the initial master's host looks again
# whether the other hosts are restored.
RESTORE_POLL = 0.1
RESTORE_WAIT_SECONDS = 15.0


class DrillError(Exception):
    pass


def _supervisor(drill: HaDrill, host: Host) -> KeepalivedSupervisor:
    from tasks.drivers.linux import LinuxDriver

    driver = LinuxDriver(
        HostBinding(host.name, host.namespace or None),
        deployment_prefix(drill.deployment.topology_id),
    )
    return driver.keepalived


def _state(drill: HaDrill, host: str) -> HostState:
    return desired_state(drill.deployment.topology_id, drill.deployment.revision, host)


def _planned(drill: HaDrill, host: str, state: HostState | None = None) -> Keepalived:
    state = _state(drill, host) if state is None else state
    found = [k for k in state.keepaliveds if k.owner == drill.router]
    if not found:
        raise DrillError(f"the deployed revision has no instance of {drill.router} on {host}")
    return found[0]


def _running(supervisor: KeepalivedSupervisor, obj: Keepalived) -> processes.Record | None:
    record = processes.load(supervisor.record_path(obj))
    return record if record is not None and processes.running(record) else None


def _reload(supervisor: KeepalivedSupervisor, obj: Keepalived, configured: Keepalived) -> None:
    """Write `configured` as the instance's configuration and have its keepalived reread it
    (SIGHUP). The process record keeps `obj`, the design's, so a deploy still finds it as
    planned."""
    record = _running(supervisor, obj)
    if record is None:
        raise DrillError(f"keepalived of {obj.namespace} is not running")
    files = supervisor.files(obj)
    Path(files.config).write_text(render.keepalived_config(configured, files))
    run(obj.namespace, *render.keepalived_test_arguments(files))
    os.kill(record.pid, signal.SIGHUP)


def _configured(supervisor: KeepalivedSupervisor, obj: Keepalived) -> str:
    try:
        return Path(supervisor.files(obj).config).read_text()
    except OSError:
        return ""


def crash_master(drill: HaDrill, supervisor: KeepalivedSupervisor, obj: Keepalived) -> None:
    """Kill the instance's keepalived as a crash would: its VRRP process too, which a parent
    that merely died would let shut down cleanly, telling the backups at once. The parent is
    stopped first so it cannot start another VRRP process."""
    record = _running(supervisor, obj)
    if record is None:
        raise DrillError(f"keepalived of {drill.router} on {drill.host} is not running")
    child = _vrrp_child(supervisor, obj, record.pid)
    os.kill(record.pid, signal.SIGSTOP)
    # Until this moment it was known master.
    drill_acted(drill.pk, timezone.now())
    if child is not None:
        os.kill(child, signal.SIGKILL)
    os.kill(record.pid, signal.SIGKILL)


def _vrrp_child(supervisor: KeepalivedSupervisor, obj: Keepalived, parent: int) -> int | None:
    """The VRRP process keepalived wrote to its vrrp pid file, if it is that parent's child."""
    try:
        pid = int(Path(supervisor.files(obj).vrrp_pid).read_text().strip())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    # The parent's pid follows the command's name (in parentheses) and the state.
    fields = stat[stat.rindex(")") + 2 :].split()
    return pid if len(fields) > 1 and fields[1] == str(parent) else None


def switchover(drill: HaDrill, supervisor: KeepalivedSupervisor, obj: Keepalived) -> None:
    others = [_planned(drill, host).priority for host in _other_hosts(drill)]
    raised = max([obj.priority, *others]) + 1
    if raised > TOP_PRIORITY:
        raise DrillError(f"no priority above the others' ({max(others)}) is left to raise to")
    drill_acted(drill.pk, timezone.now())
    _reload(supervisor, obj, dataclasses.replace(obj, priority=raised))


# --- links ---------------------------------------------------------------------------------


def _ha_veth(state: HostState, obj: Keepalived) -> Veth:
    """The veth of the instance's HA port, as planned: its host end a port of the HA bridge."""
    for veth in state.veths:
        if veth.peer == obj.interface and veth.peer_namespace == obj.namespace and veth.master:
            return veth
    raise DrillError(f"the plan has no HA port for {obj.namespace}")


def _set_master(sockets: Sockets, veth: Veth, bridge: str | None) -> bool:
    """Make the host end of `veth` a port of `bridge` (None: of no bridge); whether it was
    not already."""
    ipr = sockets(veth.namespace)
    found = link(ipr, veth.name)
    if found is None:
        raise DrillError(f"no link {veth.name} on the host")
    index = 0 if bridge is None else sockets.index(veth.namespace, bridge)
    if (found.get_attr("IFLA_MASTER") or 0) == index:
        return False
    ipr.link("set", index=found["index"], master=index)
    return True


def _set_links(namespace: str, up: bool) -> bool:
    """Every interface of `namespace` up (or down); whether any changed."""
    changed = False
    with socket_in(namespace) as ipr:
        for found in ipr.get_links():
            if bool(found["flags"] & IFF_UP) != up:
                ipr.link("set", index=found["index"], state="up" if up else "down")
                changed = True
    return changed


def _router_namespaces(state: HostState) -> list[str]:
    """The deployment's router namespaces on the host: an HA router's instance, a legacy
    router, a distributed router's copy."""
    return [namespace.name for namespace in state.namespaces if namespace.role == "router"]


def _drop_virtual(sockets: Sockets, obj: Keepalived) -> None:
    """Remove the virtual addresses a killed keepalived left behind: a backup holds none."""
    ipr = sockets(obj.namespace)
    for cidr, device in obj.virtual_addresses:
        found = link(ipr, device)
        if found is None:
            continue
        address, length = cidr.split("/")
        try:
            ipr.addr("del", index=found["index"], address=address, prefixlen=int(length))
        except NetlinkError as exc:
            if exc.code != errno.EADDRNOTAVAIL:
                raise


def cut_link(drill: HaDrill, host: Host, state: HostState, obj: Keepalived) -> None:
    """Take the master's HA port off the HA bridge; `mend_link` puts it back."""
    veth = _ha_veth(state, obj)
    with Sockets(host.namespace or None) as sockets:
        drill_acted(drill.pk, timezone.now())
        _set_master(sockets, veth, None)


def host_failure(drill: HaDrill, supervisor: KeepalivedSupervisor, state: HostState) -> None:
    """Kill every keepalived of the deployment on the host as a crash would (every parent
    stopped first, so none starts another VRRP process), then set every interface of its
    router namespaces down."""
    running = [
        (record, _vrrp_child(supervisor, obj, record.pid))
        for obj in state.keepaliveds
        if (record := _running(supervisor, obj)) is not None
    ]
    for record, _ in running:
        os.kill(record.pid, signal.SIGSTOP)
    # Until this moment each was as it was: the master, if one was here, known master.
    drill_acted(drill.pk, timezone.now())
    for record, child in running:
        if child is not None:
            os.kill(child, signal.SIGKILL)
        os.kill(record.pid, signal.SIGKILL)
    for namespace in _router_namespaces(state):
        _set_links(namespace, up=False)


def restore(drill: HaDrill, host: Host, supervisor: KeepalivedSupervisor, state: HostState) -> None:
    """Undo what cut_link and host_failure changed on the host: the virtual addresses a killed
    keepalived left removed, HA ports back on the bridge, router namespaces' interfaces up,
    and every other router's keepalived started again (this router's: `failback`)."""
    mended = False
    with Sockets(host.namespace or None) as sockets:
        stopped = [obj for obj in state.keepaliveds if _running(supervisor, obj) is None]
        for obj in stopped:
            _drop_virtual(sockets, obj)
        for obj in state.keepaliveds:
            veth = _ha_veth(state, obj)
            mended = _set_master(sockets, veth, veth.master) or mended
    came_up = [_set_links(namespace, up=True) for namespace in _router_namespaces(state)]
    if any(came_up):
        # The kernel dropped the routes and neighbour entries of the interfaces that went
        # down: the host's plan puts back what is missing, as a deploy would.
        _reapply(drill, host, state)
    if mended or any(came_up):
        # The cut mended, the host back: what the analysis reckons the cut's end from.
        drill_acted(drill.pk, timezone.now())
    if mended:
        # The cuts still holding here are over: their own mend will find them finished.
        holding = HaDrill.objects.filter(
            deployment__topology_id=drill.deployment.topology_id,
            kind=DrillKind.CUT_LINK,
            host=host.name,
            finished_at__isnull=True,
        ).exclude(at=None)
        for cut in holding:
            drill_finished(cut.pk, host.name)
    for obj in stopped:
        if obj.owner != drill.router:
            supervisor.ensure(obj)


def _reapply(drill: HaDrill, host: Host, state: HostState) -> None:
    """Apply what the host's plan has and the kernel lacks (the deployed revision's state)."""
    from tasks.drivers.linux import LinuxDriver

    driver = LinuxDriver(
        HostBinding(host.name, host.namespace or None),
        deployment_prefix(drill.deployment.topology_id),
    )
    driver.apply(plan_steps(driver.observe(state), state))


def _others_restoring(drill: HaDrill, host: str) -> bool:
    """Whether, on the initial master's host, a failback is to wait for the other hosts' parts
    (for RESTORE_WAIT_SECONDS at most)."""
    if host != drill.host:
        return False
    waited = (timezone.now() - drill.requested_at).total_seconds()
    others = [state for name, state in drill.hosts.items() if name != host]
    return DrillState.QUEUED in others and waited < RESTORE_WAIT_SECONDS


def _wait_for_one_master(drill: HaDrill) -> None:
    """Wait, at most the router's settle window, until its instances, hearing each other
    again, have agreed on one master: whether the initial master must take the role back is
    known only then."""
    topology_id = drill.deployment.topology_id
    deadline = time.monotonic() + settle_window(topology_id, drill.router)
    while time.monotonic() < deadline:
        states = last_states(reports_of(topology_id, drill.router)).values()
        if list(states).count(VrrpState.MASTER) <= 1:
            return
        time.sleep(0.05)


def _other_hosts(drill: HaDrill) -> list[str]:
    from designer.services.drills import router_hosts

    revision = drill.deployment.revision
    assert revision is not None
    hosts = router_hosts(drill.deployment.topology_id, revision, drill.router)
    return [host for host in hosts if host != drill.host]


def failback(drill: HaDrill, host: Host, supervisor: KeepalivedSupervisor, obj: Keepalived) -> None:
    files = supervisor.files(obj)
    if _running(supervisor, obj) is None:
        # Crashed (or stopped): started again from the design, as a deploy would. It reports
        # its first state once it is ready for a reload.
        started = timezone.now()
        supervisor.ensure(obj)
        _wait_for(drill, host.name, started, master=False)
    elif _configured(supervisor, obj) != render.keepalived_config(obj, files):
        _reload(supervisor, obj, obj)
    if host.name != drill.host or _is_master(drill, host.name):
        return
    if obj.nopreempt:
        return  # the master keeps the role: nothing moves it back short of a failure
    started = timezone.now()
    drill_acted(drill.pk, started)
    _reload(supervisor, obj, dataclasses.replace(obj, priority=TOP_PRIORITY))
    try:
        _wait_for(drill, host.name, started, master=True)
    finally:
        _reload(supervisor, obj, obj)


def _wait_for(drill: HaDrill, host: str, since: datetime, master: bool) -> None:
    """Wait until the instance on `host` reports, after `since`, MASTER (`master`) or any
    state."""
    deadline = time.monotonic() + TAKE_BACK_SECONDS
    while not _reported(drill, host, since, master):
        if time.monotonic() > deadline:
            wanted = "master" if master else "its state"
            raise DrillError(f"the instance on {host} did not report {wanted} in time")
        time.sleep(0.05)


def _reported(drill: HaDrill, host: str, since: datetime, master: bool) -> bool:
    last = (
        VrrpTransition.objects.filter(
            deployment__topology_id=drill.deployment.topology_id,
            router=drill.router,
            host=host,
            at__gte=since,
        )
        .order_by("-at", "-id")
        .first()
    )
    return last is not None and (not master or last.new_state == VrrpState.MASTER)


def _is_master(drill: HaDrill, host: str) -> bool:
    """Whether the instance on `host` last reported MASTER."""
    last = (
        VrrpTransition.objects.filter(
            deployment__topology_id=drill.deployment.topology_id, router=drill.router, host=host
        )
        .order_by("-at", "-id")
        .first()
    )
    return last is not None and last.new_state == VrrpState.MASTER


@app.task(base=NetloomTask, name="netloom.ha_drill", soft_time_limit=30, time_limit=60)
def run_drill(drill_id: int, host_name: str) -> None:
    """Run drill `drill_id` on this host's instance of its router."""
    drill = HaDrill.objects.select_related("deployment").get(pk=drill_id)
    host = Host.objects.get(name=host_name)
    if probe_pending(drill):
        # Its probe has not started yet. Waiting here could hold the very worker that is to
        # start it (the embedded one runs one task at a time): ask again in a moment instead.
        run_drill.apply_async((drill_id, host_name), queue=host.queue, countdown=PROBE_POLL)
        return
    if drill.kind == DrillKind.FAILBACK and _others_restoring(drill, host_name):
        # The initial master takes the role back once every other host is restored (a link
        # mended there may end a split brain either way). Asked again in a moment rather than
        # waiting here, which could hold the very worker that is to restore them.
        run_drill.apply_async((drill_id, host_name), queue=host.queue, countdown=RESTORE_POLL)
        return
    try:
        if os.geteuid() != 0:
            raise PermissionError("a drill needs root to signal keepalived")
        state = _state(drill, host_name)
        supervisor = _supervisor(drill, host)
        if drill.kind == DrillKind.HOST_FAILURE:
            host_failure(drill, supervisor, state)
        elif drill.kind == DrillKind.FAILBACK:
            restore(drill, host, supervisor, state)
            # A distributed router's copy on a compute host has no keepalived to fail back.
            if any(k.owner == drill.router for k in state.keepaliveds):
                if host_name == drill.host:
                    _wait_for_one_master(drill)
                failback(drill, host, supervisor, _planned(drill, host_name, state))
        else:
            obj = _planned(drill, host_name, state)
            if drill.kind == DrillKind.CRASH_MASTER:
                crash_master(drill, supervisor, obj)
            elif drill.kind == DrillKind.SWITCHOVER:
                switchover(drill, supervisor, obj)
            else:
                cut_link(drill, host, state, obj)
                # Mended by a task of its own, which finishes the drill.
                hold = drill.hold_seconds or 0
                mend_link.apply_async((drill_id, host_name), queue=host.queue, countdown=hold)
                return
    except (DrillError, OSError, ValueError, KernelError) as error:
        drill_finished(drill_id, host_name, f"{host_name}: {error}")
        return
    drill_finished(drill_id, host_name)
    topology_id = drill.deployment.topology_id
    delay = settle_window(topology_id, drill.router) + 0.05
    transaction.on_commit(lambda: analyse_later(topology_id, drill.router, delay))


@app.task(base=NetloomTask, name="netloom.ha_drill_mend", soft_time_limit=30, time_limit=60)
def mend_link(drill_id: int, host_name: str) -> None:
    """Put the HA port cut_link drill `drill_id` took off the HA bridge back, and finish the
    drill. A later cut of the same host, still holding, keeps the link cut; a failback may
    have mended it already."""
    drill = HaDrill.objects.select_related("deployment").filter(pk=drill_id).first()
    host = Host.objects.filter(name=host_name).first()
    if drill is None or host is None or drill.at is None or drill.finished_at is not None:
        return
    later = HaDrill.objects.filter(
        deployment__topology_id=drill.deployment.topology_id,
        router=drill.router,
        kind=DrillKind.CUT_LINK,
        host=host_name,
        at__gt=drill.at,
        finished_at__isnull=True,
    )
    try:
        if not later.exists():
            state = _state(drill, host_name)
            veth = _ha_veth(state, _planned(drill, host_name, state))
            with Sockets(host.namespace or None) as sockets:
                _set_master(sockets, veth, veth.master)
    except (DrillError, OSError, ValueError, KernelError) as error:
        drill_finished(drill_id, host_name, f"{host_name}: {error}")
        return
    drill_finished(drill_id, host_name)
    topology_id = drill.deployment.topology_id
    delay = settle_window(topology_id, drill.router) + 0.05
    transaction.on_commit(lambda: analyse_later(topology_id, drill.router, delay))
