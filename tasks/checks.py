"""Connectivity checks in Celery: one task per check plans the probes from the deployed
revision and sends each host's share to that host's queue (`host.<name>`), where the worker
runs them in the instances' namespaces, in parallel. The last host to report ends the check,
comparing what the traffic did with what the design predicts; the fan-in is kept in the
check's row, under a row lock, as a deployment's is.

Every state change (running, each host's results, done or failed) is sent to the topology's
sockets as a `connectivity` event.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from designer.models import CheckKind, CheckState, ConnectivityCheck, DeploymentState, Host
from designer.services.checks import design_of, finish, publish
from designer.validation.index import TopologyIndex
from tasks.app import app
from tasks.base import NetloomTask
from tasks.connectivity import Design, Probe, Protocol, findings
from tasks.probing import send_all


def probes_of(design: Design, check: ConnectivityCheck) -> list[Probe]:
    protocol: Protocol = "icmp" if check.kind == CheckKind.PING or check.port is None else "tcp"
    if check.kind == CheckKind.MATRIX:
        return design.matrix(protocol, check.port)
    assert check.source is not None
    assert check.target is not None
    return [design.probe(check.source, check.target, protocol, check.port)]


def _dispatch(check_id: int, by_host: dict[str, list[dict[str, Any]]]) -> None:
    from tasks.embedded import consume

    queues = {host.name: host.queue for host in Host.objects.filter(name__in=by_host)}
    for host, probes in by_host.items():
        # A host registered after the embedded worker started (a lab fabric brought up later).
        consume(queues[host])
        probe_host.apply_async((check_id, host, probes), queue=queues[host])


@app.task(base=NetloomTask, name="netloom.check", soft_time_limit=30, time_limit=60)
def run_check(check_id: int) -> None:
    """Plan a check's probes and send each host its share."""
    with transaction.atomic():
        check = (
            ConnectivityCheck.objects.select_for_update(of=("self",))
            .select_related("deployment__revision")
            .filter(pk=check_id)
            .first()
        )
        if check is None or check.state != CheckState.QUEUED:
            return  # gone, or delivered again after it was dispatched
        deployment = check.deployment
        if (
            deployment is None
            or deployment.state != DeploymentState.DEPLOYED
            or deployment.revision is None
        ):
            finish(check, CheckState.FAILED, "The deployment it was to run against is gone.")
            return
        try:
            design = design_of(check.topology_id, deployment.revision)
            planned = probes_of(design, check)
        except Exception as error:  # a plan that cannot be made fails the check, not the worker
            finish(check, CheckState.FAILED, f"The probes could not be planned: {error}")
            return
        by_host: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for probe in planned:
            by_host[probe.host].append(probe.as_dict())
        missing = set(by_host) - set(
            Host.objects.filter(name__in=by_host).values_list("name", flat=True)
        )
        if missing:
            finish(
                check,
                CheckState.FAILED,
                f"Host {', '.join(sorted(missing))} is no longer registered: deploy again.",
            )
            return
        check.state = CheckState.RUNNING
        check.hosts = {
            host: {"done": 0, "total": len(probes), "state": "pending"}
            for host, probes in sorted(by_host.items())
        }
        check.save(update_fields=["state", "hosts"])
        transaction.on_commit(lambda: publish(check))
        transaction.on_commit(lambda: _dispatch(check_id, dict(by_host)))


@app.task(base=NetloomTask, name="netloom.probe_host", soft_time_limit=60, time_limit=90)
def probe_host(check_id: int, host_name: str, probes: list[dict[str, Any]]) -> None:
    """Send one host's probes from its instances' namespaces and report the results."""
    planned = [Probe.from_dict(probe) for probe in probes]
    try:
        outcomes = send_all(planned)
        results = [
            probe.result(outcome.reachable, outcome.rtt_ms, outcome.detail)
            for probe, outcome in zip(planned, outcomes, strict=True)
        ]
        ok = True
    except Exception as error:  # a host that cannot probe is a result, not a crash
        results = [
            probe.result(False, None, f"the host could not probe: {error}") for probe in planned
        ]
        ok = False
    host_finished(check_id, host_name, results, ok)


def host_finished(check_id: int, host_name: str, results: list[dict[str, Any]], ok: bool) -> None:
    """Record one host's results; the last host ends the check with its findings."""
    with transaction.atomic():
        check = (
            ConnectivityCheck.objects.select_for_update(of=("self",))
            .select_related("deployment__revision")
            .filter(pk=check_id)
            .first()
        )
        entry = check.hosts.get(host_name) if check is not None else None
        if check is None or entry is None or entry.get("state") != "pending":
            return  # gone, finished, or these results delivered again
        entry.update(done=len(results), state="done" if ok else "failed")
        check.results = _in_order(check, [*check.results, *results])
        fields = ["hosts", "results"]
        if all(e.get("state") != "pending" for e in check.hosts.values()):
            check.findings = _findings(check)
            check.state = CheckState.DONE
            check.finished_at = timezone.now()
            fields += ["findings", "state", "finished_at"]
        check.save(update_fields=fields)
        transaction.on_commit(lambda: publish(check))


def _index(check: ConnectivityCheck) -> TopologyIndex | None:
    deployment = check.deployment
    if deployment is None or deployment.revision is None:
        return None
    return TopologyIndex(deployment.revision.parsed())


def _in_order(check: ConnectivityCheck, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results by source, then target, in the document's order of instances, whichever host
    reported first."""
    index = _index(check)
    order = {instance: n for n, instance in enumerate(index.instances if index else ())}
    return sorted(results, key=lambda r: (order.get(r["source"], 0), order.get(r["target"], 0)))


def _findings(check: ConnectivityCheck) -> list[dict[str, Any]]:
    index = _index(check)
    if index is None:
        return []
    return [finding.as_dict() for finding in findings(index, check.results)]
