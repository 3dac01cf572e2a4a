"""Drift: what changed on a deployed topology's hosts outside Netloom, kept on the deployed
attempt's row and sent to the topology's sockets when it changes.

A deployed attempt is observed by one chain of delayed tasks (tasks/drift.py), started when
the attempt finishes deployed and restarted by a check a person asks for. The row names the
live chain (`drift["chain"]`: a token and the number of its last link); a link of any other
chain, or one delivered twice, does nothing, so one attempt never has two chains observing it.
The chain ends once the attempt is no longer what the topology has deployed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from designer.models import Deployment, DeploymentAction, DeploymentState
from designer.realtime.events import DriftEvent, DriftReport
from designer.services.deployments import (
    DeploymentConflict,
    active_deployment,
    current_deployment,
)
from tasks.planner.drift import DriftItem, element_drift
from tasks.planner.state import HostState


class NotDeployed(Exception):
    """The attempt is not what the topology has deployed now: there is nothing of it to
    observe."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(f"deployment {deployment.pk} is not the topology's deployed one")
        self.deployment = deployment


def is_observed(deployment: Deployment) -> bool:
    """Whether `deployment` is what its topology has deployed now: a deploy that finished
    deployed, with nothing newer finished since."""
    if deployment.action != DeploymentAction.DEPLOY or deployment.state != DeploymentState.DEPLOYED:
        return False
    current = current_deployment(deployment.topology)
    return current is not None and current.pk == deployment.pk


def report(deployment: Deployment) -> dict[str, Any]:
    """The drift of `deployment` as the API and the events show it."""
    drift = deployment.drift or {}
    return {
        "checked_at": drift.get("checked_at"),
        "elements": dict(drift.get("elements") or {}),
        "items": list(drift.get("items") or []),
    }


def drift_event(deployment: Deployment) -> DriftEvent:
    assert deployment.revision is not None  # only deploys are observed
    return DriftEvent(
        deployment=deployment.pk,
        revision=deployment.revision.number,
        drift=DriftReport.model_validate(report(deployment)),
    )


def publish(deployment_id: int) -> None:
    """Send the deployment's drift to its topology's sockets."""
    from designer.realtime.broadcast import relay

    deployment = Deployment.objects.select_related("revision").get(pk=deployment_id)
    relay(deployment.topology_id, "drift.broadcast", drift_event(deployment))


# --- the chain of observations ----------------------------------------------------------------


def start_chain(deployment_id: int, countdown: float, announce: bool = False) -> str:
    """Make a new chain the live one and enqueue its first link in `countdown` seconds, once
    the transaction commits. Any chain before it ends at its next link. With `announce`, the
    first observation is sent to the sockets even if nothing changed."""
    from tasks.drift import observe_deployment

    token = uuid.uuid4().hex
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=deployment_id)
        deployment.drift = {**deployment.drift, "chain": {"token": token, "link": 0}}
        deployment.save(update_fields=["drift"])
        transaction.on_commit(
            lambda: observe_deployment.apply_async(
                (deployment_id, token, 1, announce), countdown=countdown
            )
        )
    return token


def claim_link(deployment_id: int, token: str, link: int) -> bool:
    """Record `link` of the chain `token` as run; False when another chain is the live one or
    this link (or a later one) already ran."""
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().filter(pk=deployment_id).first()
        if deployment is None:
            return False
        chain = deployment.drift.get("chain") or {}
        if chain.get("token") != token or link <= chain.get("link", 0):
            return False
        deployment.drift = {**deployment.drift, "chain": {"token": token, "link": link}}
        deployment.save(update_fields=["drift"])
    return True


def interval() -> float:
    return float(settings.NETLOOM_DRIFT_INTERVAL)


def request_observation(deployment: Deployment) -> Deployment:
    """Observe the deployment's hosts now (a person asked), and carry on observing it every
    interval from now. Refused while another attempt is under way, and for an attempt that is
    not what the topology has deployed."""
    active = active_deployment(deployment.topology)
    if active is not None:
        raise DeploymentConflict(active)
    if not is_observed(deployment):
        raise NotDeployed(deployment)
    start_chain(deployment.pk, countdown=0, announce=True)
    deployment.refresh_from_db()
    return deployment


# --- recording what a host showed ---------------------------------------------------------------


def record_host(
    deployment_id: int,
    host: str,
    items: Iterable[DriftItem],
    desired: Iterable[HostState],
    announce: bool = False,
) -> bool:
    """Put what one host showed in the deployment's drift, in place of what it showed last;
    `desired` is every host's desired state, by which an element is found wholly missing.
    The drift goes to the sockets when it changed, or when `announce`; True when it changed."""
    with transaction.atomic():
        deployment = Deployment.objects.select_for_update().get(pk=deployment_id)
        before = report(deployment)
        kept = [item for item in before["items"] if item.get("host") != host]
        merged = sorted(
            [*kept, *(item.as_dict() for item in items)],
            key=lambda item: (item["host"], item["element"] or "", item["object"]),
        )
        elements = element_drift((DriftItem(**item) for item in merged), desired)
        changed = (elements, merged) != (before["elements"], before["items"])
        deployment.drift = {
            **deployment.drift,
            "checked_at": timezone.now().isoformat(),
            "elements": elements,
            "items": merged,
        }
        deployment.save(update_fields=["drift"])
        if changed or announce:
            transaction.on_commit(lambda: publish(deployment_id))
    return changed
