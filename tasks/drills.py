"""HA drills in Celery, on the worker of the host whose HA router instance they act on.

The instance is found as the deploy made it: the deployed revision planned for this host gives
its keepalived (namespace and configuration), and the linux driver's process record in the run
directory gives its pid. Nothing a person typed names a process or a file.

- crash_master: SIGKILL the master's keepalived. It gives nothing up and reports nothing; the
  backups take over once its adverts stop.
- switchover: reload the target's keepalived with a priority above every other instance's, so
  it preempts the master.
- failback: every instance back to the design's configuration (a crashed keepalived started
  again, a raised priority reloaded away); on the initial master's host, if it is not master,
  its priority is raised until it takes the role back, then lowered to the design's again.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from designer.models import DrillKind, HaDrill, Host, VrrpState, VrrpTransition
from designer.services.drills import analyse_later, drill_acted, drill_finished, settle_window
from tasks.app import app
from tasks.base import NetloomTask
from tasks.deploy import desired_state
from tasks.drivers import HostBinding, render
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import run
from tasks.drivers.kernel_keepalived import KeepalivedSupervisor
from tasks.planner.names import deployment_prefix
from tasks.planner.state import Keepalived

# The highest priority VRRP allows an instance that does not own the addresses.
TOP_PRIORITY = 254
# How long a failback waits for the initial master to report MASTER after its priority rose.
TAKE_BACK_SECONDS = 15.0


class DrillError(Exception):
    pass


def _supervisor(drill: HaDrill, host: Host) -> KeepalivedSupervisor:
    from tasks.drivers.linux import LinuxDriver

    driver = LinuxDriver(
        HostBinding(host.name, host.namespace or None),
        deployment_prefix(drill.deployment.topology_id),
    )
    return driver.keepalived


def _planned(drill: HaDrill, host: str) -> Keepalived:
    revision = drill.deployment.revision
    state = desired_state(drill.deployment.topology_id, revision, host)
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
    try:
        if os.geteuid() != 0:
            raise PermissionError("a drill needs root to signal keepalived")
        obj = _planned(drill, host_name)
        supervisor = _supervisor(drill, host)
        if drill.kind == DrillKind.CRASH_MASTER:
            crash_master(drill, supervisor, obj)
        elif drill.kind == DrillKind.SWITCHOVER:
            switchover(drill, supervisor, obj)
        else:
            failback(drill, host, supervisor, obj)
    except (DrillError, OSError, ValueError) as error:
        drill_finished(drill_id, host_name, f"{host_name}: {error}")
        return
    drill_finished(drill_id, host_name)
    topology_id = drill.deployment.topology_id
    delay = settle_window(topology_id, drill.router) + 0.05
    transaction.on_commit(lambda: analyse_later(topology_id, drill.router, delay))
