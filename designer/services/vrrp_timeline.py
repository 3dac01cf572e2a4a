"""Reading the VRRP history of a topology's HA routers: the transitions its instances reported
since they were last started from nothing, and the state each instance is in now.

keepalived outlives a deploy that leaves its router unchanged, so the instances' history runs
across attempts; a destroy that finished removed every instance, so what came before it is
history of instances that no longer exist, and is left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from designer.models import (
    Deployment,
    DeploymentAction,
    DeploymentState,
    Topology,
    VrrpTransition,
)

# The newest transitions listed; the states still count every one.
TRANSITION_LIMIT = 1000

States = dict[str, dict[str, str]]


@dataclass(frozen=True)
class VrrpTimeline:
    # The destroy the transitions come after; None when the topology was never destroyed.
    after: int | None
    # Oldest first, the newest `TRANSITION_LIMIT` of them.
    transitions: list[VrrpTransition]
    # How many older transitions were left out.
    earlier: int
    # router -> host -> the state its instance there last reported.
    states: States = field(default_factory=dict)


def last_destroy(topology: Topology) -> int | None:
    """The newest destroy of the topology that finished: nothing it removed is left."""
    return (
        Deployment.objects.filter(
            topology=topology,
            action=DeploymentAction.DESTROY,
            state=DeploymentState.DESTROYED,
        )
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )


def vrrp_timeline(topology: Topology, limit: int = TRANSITION_LIMIT) -> VrrpTimeline:
    """The transitions of the topology's HA router instances since its last finished destroy,
    oldest first (by the time their host saw them), and each instance's state now: the last
    state it reported."""
    after = last_destroy(topology)
    recorded = VrrpTransition.objects.filter(
        deployment__topology=topology, deployment_id__gt=after or 0
    )
    states: States = {}
    total = 0
    for router, host, state in recorded.order_by("at", "id").values_list(
        "router", "host", "new_state"
    ):
        states.setdefault(router, {})[host] = state
        total += 1
    newest = list(recorded.order_by("-at", "-id")[:limit])
    newest.reverse()
    return VrrpTimeline(after=after, transitions=newest, earlier=total - len(newest), states=states)
