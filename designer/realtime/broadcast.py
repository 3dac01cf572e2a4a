"""Broadcasts to a topology's WebSockets, sent only after the change is committed.

Every write of a revision, whether an edit over the socket, a whole-document save or a
restore over REST, sends `designer.signals.revision_saved` from `transaction.on_commit`; the
handler here relays it to the topology's group at once. The findings of the new revision go
out separately, through `publish_findings`, called by whoever made the write once it has
answered its own client, so validating never delays an acknowledgement.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from pydantic import BaseModel

from designer.models import Deployment, Revision, Topology, VrrpTransition
from designer.realtime.events import (
    DeploymentEvent,
    DeploymentOut,
    FindingOut,
    Findings,
    HostProgress,
    LogLine,
    Person,
    RevisionEvent,
    VrrpEvent,
)
from designer.validation import Finding

logger = logging.getLogger(__name__)


def group_name(topology_id: int) -> str:
    return f"topology.{topology_id}"


def send(group: str, message: dict[str, Any]) -> None:
    """Send `message` to a group of sockets. Best effort: what it tells is committed already,
    so a channel layer that cannot be reached (its Redis gone) is logged, never raised into the
    work that sent it (a worker's task, the VRRP relay's loop)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("not sent to %s", group)


def relay(topology_id: int, handler: str, event: BaseModel) -> None:
    """Send `event` to a topology's sockets, through the consumers' `handler` (each of the
    `….broadcast` handlers relays the event's text as it is)."""
    send(group_name(topology_id), {"type": handler, "text": event.model_dump_json()})


def person(user: Any) -> Person | None:
    if user is None:
        return None
    return Person(id=user.pk, name=user.get_full_name() or user.get_username())


def revision_event(revision: Revision) -> RevisionEvent:
    """What a client needs to apply a revision: its operations if it came from an edit, the
    whole document otherwise."""
    edit = revision.operations is not None
    return RevisionEvent(
        revision=revision.number,
        parent=revision.parent.number if revision.parent is not None else None,
        author=person(revision.author),
        message=revision.message,
        edit_id=revision.edit_id or None,
        ops=revision.operations if edit else None,
        document=None if edit else revision.document,
    )


def finding_out(finding: Finding) -> FindingOut:
    # Findings come from the rules, already well formed: no need to validate them again.
    return FindingOut.model_construct(**finding.as_dict())


def findings_event(revision: Revision, findings: list[Finding]) -> Findings:
    counts = Counter(f.severity.value for f in findings)
    return Findings(
        revision=revision.number,
        findings=[finding_out(f) for f in findings],
        counts={severity: counts.get(severity, 0) for severity in ("error", "warning", "info")},
    )


def on_revision_saved(sender: Any, topology: Topology, revision: Revision, **kwargs: Any) -> None:
    send(
        group_name(topology.pk),
        {
            "type": "revision.broadcast",
            "revision": revision.number,
            "edit_id": revision.edit_id,
            "text": revision_event(revision).model_dump_json(),
        },
    )


def publish_findings(revision: Revision, findings: list[Finding] | None = None) -> None:
    """Send the findings of `revision` to its topology's sockets, if it is still the head:
    under a burst of edits only the newest revision's findings are worth computing."""
    from designer.services.validation import validate_revision

    if get_channel_layer() is None or not Topology.objects.filter(head=revision).exists():
        return
    if findings is None:
        findings = validate_revision(revision)
    relay(revision.topology_id, "findings.broadcast", findings_event(revision, findings))


def deployment_out(deployment: Deployment) -> DeploymentOut:
    return DeploymentOut(
        id=deployment.pk,
        action=deployment.action,
        state=deployment.state,
        revision=deployment.revision.number if deployment.revision is not None else None,
        progress=deployment.progress,
        hosts={name: HostProgress(**entry) for name, entry in deployment.hosts.items()},
        error=deployment.error,
        requested_by=person(deployment.requested_by),
        started_at=deployment.started_at.isoformat() if deployment.started_at else None,
        finished_at=deployment.finished_at.isoformat() if deployment.finished_at else None,
    )


def deployment_event(
    deployment: Deployment, elements: dict[str, str], log: list[dict[str, Any]]
) -> DeploymentEvent:
    return DeploymentEvent(
        deployment=deployment_out(deployment),
        elements=elements,
        log=[LogLine(**line) for line in log],
    )


def vrrp_event(transition: VrrpTransition) -> VrrpEvent:
    return VrrpEvent(
        deployment=transition.deployment_id,
        router=transition.router,
        host=transition.host,
        old_state=transition.old_state or None,
        new_state=transition.new_state,
        at=transition.at.isoformat(),
    )


def publish_vrrp(topology_id: int, transition: VrrpTransition) -> None:
    """Send a VRRP transition to the topology's sockets."""
    relay(topology_id, "vrrp.broadcast", vrrp_event(transition))
