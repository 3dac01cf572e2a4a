"""Connectivity checks: the requests a person makes, the record of each check, and the
`connectivity` event sent on every change of its state. The probes run in Celery
(tasks/checks.py); these functions check the request against what is deployed, record it and
enqueue it, so the API stays thin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from designer.models import (
    CheckKind,
    CheckState,
    ConnectivityCheck,
    Deployment,
    DeploymentAction,
    Host,
    Revision,
    Topology,
)
from designer.realtime.broadcast import person, relay
from designer.realtime.events import CheckOut, ConnectivityEvent
from designer.services.deployments import current_deployment
from designer.spec import FieldError
from tasks.connectivity import Design
from tasks.planner.facts import host_facts

# A check that has not finished this long after it was asked for lost its worker: the next
# request for the topology marks it failed, so nothing stays "running" for ever.
ABANDONED_AFTER = timedelta(minutes=2)


class NotDeployed(Exception):
    """The topology has nothing deployed to send traffic through."""


class CheckRequestError(Exception):
    """The request names something the deployed revision cannot check; `errors` name each
    field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors


def deployed(topology: Topology) -> Deployment | None:
    """The attempt whose revision the hosts hold now, if anything is deployed."""
    current = current_deployment(topology)
    if current is None or current.action == DeploymentAction.DESTROY:
        return None
    return current


def design_of(topology_id: int, revision: Revision) -> Design:
    """The deployed revision planned on the registered hosts, as the deploy planned it."""
    hosts = [host_facts(host) for host in Host.objects.order_by("name")]
    return Design(revision.parsed(), topology_id, hosts)


def _request_errors(
    design: Design, revision: Revision, kind: str, source: str | None, target: str | None
) -> list[FieldError]:
    if kind == CheckKind.MATRIX:
        if len(design.checkable()) < 2:
            return [
                FieldError("kind", "a matrix needs two instances with namespaces; there are fewer")
            ]
        return []
    errors = []
    for field, instance, as_target in (("source", source, False), ("target", target, True)):
        assert instance is not None
        problem = design.problem(instance, as_target=as_target)
        if problem is not None:
            where = f" (revision {revision.number})" if problem.startswith("names no") else ""
            errors.append(FieldError(field, problem + where))
    if source == target and not errors:
        errors.append(FieldError("target", "must be another instance than the source"))
    return errors


def request_check(
    topology: Topology,
    user: Any,
    kind: str,
    source: str | None = None,
    target: str | None = None,
    port: int | None = None,
) -> ConnectivityCheck:
    """Record a check against what is deployed now and enqueue it. Raises NotDeployed when
    nothing is, CheckRequestError when an instance named cannot be checked."""
    deployment = deployed(topology)
    if deployment is None or deployment.revision is None:
        raise NotDeployed("the topology has nothing deployed")
    errors = _request_errors(
        design_of(topology.pk, deployment.revision), deployment.revision, kind, source, target
    )
    if errors:
        raise CheckRequestError(errors)
    _give_up_abandoned(topology)
    with transaction.atomic():
        check = ConnectivityCheck.objects.create(
            topology=topology,
            deployment=deployment,
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            kind=kind,
            source=None if kind == CheckKind.MATRIX else source,
            target=None if kind == CheckKind.MATRIX else target,
            port=None if kind == CheckKind.PING else port,
        )
        transaction.on_commit(lambda: _enqueue(check))
    return check


def _enqueue(check: ConnectivityCheck) -> None:
    from tasks.checks import run_check

    publish(check)
    run_check.delay(check.pk)


def _give_up_abandoned(topology: Topology) -> None:
    cutoff = timezone.now() - ABANDONED_AFTER
    stale = ConnectivityCheck.objects.filter(
        topology=topology,
        state__in=[CheckState.QUEUED, CheckState.RUNNING],
        created_at__lt=cutoff,
    )
    for check in stale:
        finish(check, CheckState.FAILED, error="No worker finished the probes in time.")


def finish(check: ConnectivityCheck, state: str, error: str = "") -> None:
    """End a check that could not run its probes, and say so."""
    check.state = state
    check.error = error
    check.finished_at = timezone.now()
    check.save(update_fields=["state", "error", "finished_at"])
    transaction.on_commit(lambda: publish(check))


# --- what clients see ----------------------------------------------------------------------


def check_out(check: ConnectivityCheck) -> CheckOut:
    """A check as the REST API and the `connectivity` event show it."""
    deployment = check.deployment
    revision = deployment.revision if deployment is not None else None
    return CheckOut.model_validate(
        {
            "id": check.pk,
            "kind": check.kind,
            "state": check.state,
            "source": check.source,
            "target": check.target,
            "port": check.port,
            "deployment": deployment.pk if deployment is not None else None,
            "revision": revision.number if revision is not None else None,
            "hosts": check.hosts,
            "results": check.results,
            "findings": check.findings,
            "error": check.error,
            "requested_by": person(check.requested_by),
            "created_at": check.created_at.isoformat(),
            "finished_at": check.finished_at.isoformat() if check.finished_at else None,
        }
    )


def check_json(check: ConnectivityCheck) -> dict[str, Any]:
    return check_out(check).model_dump(mode="json")


def publish(check: ConnectivityCheck) -> None:
    """Send the check, as it is now, to the topology's sockets, and, once it is over, give its
    answer to a lab goal waiting for it. Called after commit."""
    from designer.services.lab_checks import check_finished

    check_finished(check)
    event = ConnectivityEvent(check=check_out(check))
    # A connectivity event needs nothing more than the deployment handler's relay.
    relay(check.topology_id, "deployment.broadcast", event)
