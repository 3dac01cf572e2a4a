"""Deploying and destroying a topology: the requests a person makes, and the record of each
attempt. The work itself runs in Celery (tasks/deploy.py); these functions only check, record
and enqueue, so the API and the consumers stay thin."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState, Revision, Topology
from designer.services.validation import validate_revision
from designer.validation import Finding, Severity


class DeploymentConflict(Exception):
    """Another deploy or destroy of the topology is under way."""

    def __init__(self, active: Deployment) -> None:
        super().__init__(f"deployment {active.pk} of this topology is {active.state}")
        self.active = active


class DeploymentBlocked(Exception):
    """The revision has validation errors: they block a deploy (warnings do not)."""

    def __init__(self, errors: list[Finding]) -> None:
        super().__init__(f"the revision has {len(errors)} validation error(s)")
        self.errors = errors


def active_deployment(topology: Topology) -> Deployment | None:
    return Deployment.objects.filter(
        topology=topology, state__in=Deployment.active_states()
    ).first()


def current_deployment(topology: Topology) -> Deployment | None:
    """The newest attempt that finished as deployed or destroyed: what the hosts should hold."""
    return (
        Deployment.objects.filter(
            topology=topology, state__in=[DeploymentState.DEPLOYED, DeploymentState.DESTROYED]
        )
        .order_by("-finished_at", "-id")
        .first()
    )


def _enqueue(deployment: Deployment) -> None:
    from tasks.deploy import run_deployment

    transaction.on_commit(lambda: run_deployment.delay(deployment.pk))


def _create(topology: Topology, user: Any, **fields: Any) -> Deployment:
    try:
        with transaction.atomic():
            deployment = Deployment.objects.create(topology=topology, requested_by=user, **fields)
    except IntegrityError:
        active = active_deployment(topology)
        if active is None:  # finished between the insert and the lookup: try once more
            return Deployment.objects.create(topology=topology, requested_by=user, **fields)
        raise DeploymentConflict(active) from None
    _enqueue(deployment)
    return deployment


def request_deploy(topology: Topology, revision: Revision, user: Any) -> Deployment:
    """Record a deploy of `revision` and enqueue it, unless its validation finds errors or
    another attempt is under way."""
    errors = [f for f in validate_revision(revision) if f.severity == Severity.ERROR]
    if errors:
        raise DeploymentBlocked(errors)
    return _create(topology, user, revision=revision, action=DeploymentAction.DEPLOY)


def request_destroy(topology: Topology, user: Any) -> Deployment:
    """Record the removal of everything the topology has on its hosts, and enqueue it."""
    return _create(topology, user, action=DeploymentAction.DESTROY)


def request_cancel(deployment: Deployment) -> Deployment:
    """Ask a running attempt to stop: its hosts finish the step under way, then roll back."""
    updated = Deployment.objects.filter(
        pk=deployment.pk, state__in=Deployment.active_states()
    ).update(cancel_requested=True)
    deployment.refresh_from_db()
    if not updated:
        raise DeploymentConflict(deployment)
    return deployment


def log_line(message: str, host: str | None = None, level: str = "info") -> dict[str, Any]:
    return {"at": timezone.now().isoformat(), "host": host, "level": level, "message": message}
