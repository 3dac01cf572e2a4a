"""Recording the VRRP transitions of HA router instances, as each host's worker hears them from
keepalived, and sending them to the topology's sockets, with what they add up to (failovers and
the like, designer/services/drills.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction

from designer.models import Deployment, MemberHealth, Topology, VrrpState, VrrpTransition
from designer.realtime.events import LbMemberEvent
from designer.services.vrrp_timeline import last_destroy

# Reports of one instance arrive within moments of each other, perhaps out of order; one whose
# host clock reads much later than the last one's follows a reboot of that host, whose monotonic
# clock began again.
REORDER_WINDOW = timedelta(minutes=1)


def record_vrrp_transition(
    topology_id: int,
    router: str,
    host: str,
    namespace: str,
    state: str,
    monotonic: float,
    wall: float,
) -> VrrpTransition | None:
    """Record that the instance of `router` on `host` entered `state`, on the topology's
    newest deployment attempt, and send it once committed. A report older (by the host's
    monotonic clock) than the last one recorded for the instance came late and is dropped, as
    is one for a topology never deployed; None then."""
    at = datetime.fromtimestamp(wall, tz=UTC)
    if state not in VrrpState.values:
        raise ValueError(f"not a VRRP state: {state!r}")
    with transaction.atomic():
        deployment = (
            Deployment.objects.select_for_update()
            .filter(topology_id=topology_id)
            .order_by("-created_at", "-id")
            .first()
        )
        if deployment is None:
            return None
        previous = (
            VrrpTransition.objects.filter(
                deployment__topology_id=topology_id, router=router, host=host, namespace=namespace
            )
            .order_by("-monotonic", "-id")
            .first()
        )
        if (
            previous is not None
            and previous.monotonic > monotonic
            and at - previous.at < REORDER_WINDOW
        ):
            return None
        transition = VrrpTransition.objects.create(
            deployment=deployment,
            router=router,
            host=host,
            namespace=namespace,
            old_state=previous.new_state if previous is not None else "",
            new_state=state,
            at=at,
            monotonic=monotonic,
        )
        transaction.on_commit(lambda: _publish(topology_id, transition))
        _analyse(topology_id, router)
    return transition


def _publish(topology_id: int, transition: VrrpTransition) -> None:
    from designer.realtime.broadcast import publish_vrrp

    publish_vrrp(topology_id, transition)


def _analyse(topology_id: int, router: str) -> None:
    """What the router's transitions add up to now (failover, switchover, ...), and again once
    the master-down interval has passed, when a missing master or a second one shows."""
    from designer.services.drills import analyse_later, analyse_router, settle_window

    analyse_router(topology_id, router)
    delay = settle_window(topology_id, router) + 0.05
    transaction.on_commit(lambda: analyse_later(topology_id, router, delay))


def record_member_change(
    topology_id: int, balancer: str, member: str, host: str, state: str, wall: float
) -> LbMemberEvent | None:
    """Send a load balancer member's change of health (as its host's checker found it) to the
    topology's sockets, on the topology's newest deployment attempt; None if it has none."""
    from designer.realtime.broadcast import relay

    newest = (
        Deployment.objects.filter(topology_id=topology_id).order_by("-created_at", "-id").first()
    )
    if newest is None:
        return None
    at = datetime.fromtimestamp(wall, tz=UTC)
    _remember_member(newest, balancer, member, host, state, at)
    event = LbMemberEvent(
        deployment=newest.pk,
        load_balancer=balancer,
        member=member,
        host=host,
        state=state,
        at=at.isoformat(),
    )
    relay(topology_id, "vrrp.broadcast", event)
    return event


def _remember_member(
    deployment: Deployment, balancer: str, member: str, host: str, state: str, at: datetime
) -> None:
    """Keep the member's newest change: a change that arrives after a later one is not kept."""
    with transaction.atomic():
        known = (
            MemberHealth.objects.select_for_update()
            .filter(deployment=deployment, load_balancer=balancer, member=member)
            .first()
        )
        if known is None:
            MemberHealth.objects.create(
                deployment=deployment,
                load_balancer=balancer,
                member=member,
                host=host,
                state=state,
                at=at,
            )
        elif known.at <= at:
            known.host, known.state, known.at = host, state, at
            known.save(update_fields=["host", "state", "at"])


def member_health(topology: Topology) -> tuple[int | None, list[MemberHealth]]:
    """The topology's last finished destroy (None if none), and each load balancer member's
    newest recorded health since it, in load balancer then member order. A checker outlives a
    deploy that leaves its load balancer unchanged and only reports changes, so the health runs
    across attempts; a finished destroy stopped every checker."""
    after = last_destroy(topology)
    newest: dict[tuple[str, str], MemberHealth] = {}
    recorded = MemberHealth.objects.filter(
        deployment__topology=topology, deployment_id__gt=after or 0
    ).order_by("at", "id")
    for health in recorded:
        newest[(health.load_balancer, health.member)] = health
    return after, [newest[key] for key in sorted(newest)]
