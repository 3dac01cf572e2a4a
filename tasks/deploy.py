"""Deploy orchestration: one task per attempt fans out to one task per host, on that host's
queue (`host.<name>`), and the last host to finish decides how the attempt ends.

Each host task reconciles its host: it plans the target revision (pure, the same on every
host), observes what the deployment has on the host, and applies the difference step by step,
reporting progress. Steps are idempotent, so a task run again after its worker died picks up
where the kernel is. If any host fails, or a person cancels, every host is reconciled back to
what the topology had deployed before the attempt (or to nothing), so no half-built state
remains. The fan-in is kept in the deployment's row, under a row lock, which works the same
with the embedded worker and with one worker per host on Redis.
"""

from __future__ import annotations

import os
import time
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState, Host, Revision
from designer.services.deployments import current_deployment, log_line
from designer.spec import parse_document
from tasks.app import app
from tasks.base import NetloomTask
from tasks.drift import start_observing
from tasks.fabric.kernel import carry_segments
from tasks.planner.facts import host_facts
from tasks.planner.names import deployment_prefix
from tasks.planner.planner import plan
from tasks.planner.state import HostState
from tasks.planner.steps import Step, plan_steps

Phase = Literal["apply", "rollback"]
# Progress is written to the row (and sent to browsers) at most this often per host.
FLUSH_EVERY = 0.2


class Cancelled(Exception):
    """A person asked to stop the attempt."""


def desired_state(topology_id: int, revision: Revision | None, host_name: str) -> HostState:
    """What the host should hold for `revision`: nothing when there is none."""
    if revision is None:
        return HostState(host=host_name)
    hosts = [host_facts(host) for host in Host.objects.order_by("name")]
    wanted = plan(parse_document(revision.document), topology_id, hosts)
    return wanted.hosts.get(host_name, HostState(host=host_name))


def _target(deployment: Deployment, phase: Phase) -> Revision | None:
    if phase == "apply":
        return deployment.revision if deployment.action == DeploymentAction.DEPLOY else None
    before = current_deployment(deployment.topology)
    if before is None or before.action == DeploymentAction.DESTROY:
        return None
    return before.revision


# --- progress -------------------------------------------------------------------------------


def publish(deployment: Deployment, elements: dict[str, str], log: list[dict[str, Any]]) -> None:
    """Send the deployment's state, with the elements and log lines that changed, to the
    topology's sockets."""
    from designer.realtime.broadcast import deployment_event, relay

    event = deployment_event(deployment, elements=elements, log=log)
    relay(deployment.topology_id, "deployment.broadcast", event)


class Progress:
    """One host's progress through its steps, written to the row in batches."""

    def __init__(self, deployment_id: int, host: str, total: int) -> None:
        self.deployment_id = deployment_id
        self.host = host
        self.total = total
        self.done = 0
        self.elements: dict[str, str] = {}
        self.log: list[dict[str, Any]] = []
        self.flushed_at = 0.0
        self.cancel_requested = False

    def step_started(self, step: Step) -> None:
        self.elements[step.obj.owner] = "removing" if step.action == "remove" else "creating"
        self.flush()

    def step_done(self, step: Step) -> None:
        self.done += 1
        self.elements[step.obj.owner] = "removed" if step.action == "remove" else "up"
        self.flush()

    def step_failed(self, step: Step | None, error: Exception) -> None:
        if step is not None:
            self.elements[step.obj.owner] = "failed"
        self.log.append(log_line(str(error), host=self.host, level="error"))
        self.flush(force=True)

    def say(self, message: str) -> None:
        self.log.append(log_line(message, host=self.host))

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.flushed_at < FLUSH_EVERY:
            return
        self.flushed_at = now
        with transaction.atomic():
            deployment = Deployment.objects.select_for_update().get(pk=self.deployment_id)
            entry = deployment.hosts.setdefault(self.host, {})
            entry.update(done=self.done, total=self.total)
            deployment.elements.update(self.elements)
            deployment.log.extend(self.log)
            deployment.progress = overall_progress(deployment.hosts)
            deployment.save(update_fields=["hosts", "elements", "log", "progress"])
            self.cancel_requested = deployment.cancel_requested
            elements, log = dict(self.elements), list(self.log)
            transaction.on_commit(lambda: publish(deployment, elements, log))
        self.elements.clear()
        self.log.clear()


def overall_progress(hosts: dict[str, dict[str, Any]]) -> int:
    total = sum(entry.get("total") or 0 for entry in hosts.values())
    done = sum(entry.get("done") or 0 for entry in hosts.values())
    return 100 if total == 0 else min(100, round(100 * done / total))


# --- tasks ----------------------------------------------------------------------------------


def pending(hosts: list[Host]) -> dict[str, dict[str, Any]]:
    return {host.name: {"done": 0, "total": None, "state": "pending"} for host in hosts}


def _dispatch(deployment: Deployment, phase: Phase, hosts: list[Host]) -> None:
    from tasks.embedded import consume

    for host in hosts:
        # A host registered after the embedded worker started (a lab fabric brought up later).
        consume(host.queue)
        reconcile_host.apply_async((deployment.pk, host.name, phase), queue=host.queue)


@app.task(base=NetloomTask, name="netloom.deploy", soft_time_limit=30, time_limit=60)
def run_deployment(deployment_id: int) -> None:
    """Start an attempt: every registered host reconciles to the target revision."""
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=deployment_id)
        if deployment.state != DeploymentState.QUEUED:
            return  # delivered again after it was dispatched
        hosts = list(Host.objects.order_by("name"))
        deployment.started_at = timezone.now()
        if not hosts:
            deployment.state = DeploymentState.FAILED
            deployment.error = "No host is registered: register hosts or bring up a lab fabric."
            deployment.finished_at = deployment.started_at
            deployment.save()
            return
        deployment.state = DeploymentState.APPLYING
        deployment.hosts = {
            host.name: {"done": 0, "total": None, "state": "pending"} for host in hosts
        }
        deployment.log = [log_line(f"{deployment.action} started on {len(hosts)} host(s)")]
        deployment.save()
        transaction.on_commit(lambda: _dispatch(deployment, "apply", hosts))


@app.task(base=NetloomTask, name="netloom.reconcile_host", soft_time_limit=600, time_limit=660)
def reconcile_host(deployment_id: int, host_name: str, phase: Phase) -> None:
    """Bring one host to the attempt's target (`apply`) or back to what was deployed before
    (`rollback`), then tell the attempt this host is done."""
    from tasks.drivers import HostBinding
    from tasks.drivers.linux import DriverError, LinuxDriver
    from tasks.vrrp_relay import ensure_relay

    deployment = Deployment.objects.select_related("topology", "revision").get(pk=deployment_id)
    host = Host.objects.get(name=host_name)
    progress = Progress(deployment_id, host_name, total=0)
    step: Step | None = None
    try:
        if os.geteuid() != 0:
            raise PermissionError(
                "The linux driver needs root to change the kernel; preview the plan instead."
            )
        desired = desired_state(deployment.topology_id, _target(deployment, phase), host_name)
        prefix = deployment_prefix(deployment.topology_id)
        # The HA router instances made here report their VRRP transitions to this worker.
        ensure_relay(host_name, host.namespace or None)
        driver = LinuxDriver(HostBinding(host_name, host.namespace or None), prefix)
        if host.namespace:
            # An emulated host: the fabric gives it the VLAN segments its plan attaches to.
            attached = (obj.interface for obj in desired.attachments)
            for change in carry_segments(host.namespace, attached):
                progress.say(change)
        steps = plan_steps(driver.observe(desired), desired)
        progress.total = len(steps)
        progress.say(f"{phase}: {len(steps)} step(s)")
        progress.flush(force=True)

        def started(next_step: Step) -> None:
            nonlocal step
            if phase == "apply" and progress.cancel_requested:
                raise Cancelled("cancelled")
            step = next_step
            progress.step_started(next_step)

        driver.apply(steps, started=started, done=progress.step_done)
        driver.forget_dead(desired)
        step = None
        progress.flush(force=True)
    except (DriverError, Cancelled, PermissionError, OSError, ValueError) as error:
        progress.step_failed(step, error)
        host_finished(
            deployment_id, host_name, phase, ok=False, cancelled=isinstance(error, Cancelled)
        )
        return
    host_finished(deployment_id, host_name, phase, ok=True)


def host_finished(
    deployment_id: int, host_name: str, phase: Phase, ok: bool, cancelled: bool = False
) -> None:
    """Record one host's end; the last host of a phase ends the attempt or starts the
    roll-back."""
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=deployment_id)
        lines_before = len(deployment.log)
        entry = deployment.hosts.setdefault(host_name, {})
        entry["state"] = "done" if ok else ("cancelled" if cancelled else "failed")
        if any(e.get("state") == "pending" for e in deployment.hosts.values()):
            deployment.save(update_fields=["hosts"])
            return
        hosts = list(Host.objects.filter(name__in=deployment.hosts).order_by("name"))
        failed = [name for name, e in deployment.hosts.items() if e.get("state") != "done"]
        now = timezone.now()
        if phase == "apply" and not failed:
            deployment.state = (
                DeploymentState.DEPLOYED
                if deployment.action == DeploymentAction.DEPLOY
                else DeploymentState.DESTROYED
            )
            deployment.finished_at = now
            deployment.progress = 100
            deployment.log.append(log_line(f"{deployment.action} finished"))
            if deployment.state == DeploymentState.DEPLOYED:
                # Watched for drift from now on; the chain before it, if any, ends by itself,
                # as this attempt is now the deployed one.
                transaction.on_commit(lambda: start_observing(deployment_id))
        elif phase == "apply":
            deployment.state = DeploymentState.ROLLING_BACK
            deployment.error = (
                "Cancelled." if deployment.cancel_requested else f"Failed on {', '.join(failed)}."
            )
            deployment.log.append(log_line(f"{deployment.error} Rolling back.", level="error"))
            deployment.hosts = {
                h.name: {"done": 0, "total": None, "state": "pending"} for h in hosts
            }
            transaction.on_commit(lambda: _dispatch(deployment, "rollback", hosts))
        else:
            deployment.state = (
                DeploymentState.CANCELLED if deployment.cancel_requested else DeploymentState.FAILED
            )
            if failed:
                deployment.error += f" The roll-back failed on {', '.join(failed)}."
            deployment.finished_at = now
            deployment.log.append(log_line("rolled back"))
        deployment.save()
        said = deployment.log[lines_before:]
        transaction.on_commit(lambda: publish(deployment, {}, said))
