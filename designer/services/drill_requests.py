"""What the drills that cut and fail things ask for, checked against the deployed revision:
how long a `cut_link` holds the master's HA link cut, which host a `host_failure` fails, and
which hosts a `failback` restores.

A router's copies are found in the plan of what is deployed, by owner and role: every host with
a router namespace of the router's (an HA router's instances on networking nodes; a distributed
router's copies on compute hosts and its central SNAT), never by guessing a namespace's name.
A distributed router has no VRRP, but its hosts can fail and be brought back all the same: it
takes `host_failure` (on a host named) and `failback`.
"""

from __future__ import annotations

from designer.models import DrillKind, HaDrill, Host, Revision
from designer.services.drills import DrillRequestError, NoMaster, live_deployments
from designer.spec import FieldError
from designer.spec.elements import Router

DEFAULT_HOLD_SECONDS = 5
HOLD_SECONDS = range(1, 121)


def router_namespace_hosts(topology_id: int, revision: Revision, router: str) -> list[str]:
    """The hosts where the deployed revision puts a router namespace of `router`."""
    from tasks.planner.facts import host_facts
    from tasks.planner.planner import plan

    hosts = [host_facts(host) for host in Host.objects.order_by("name")]
    planned = plan(revision.parsed(), topology_id, hosts)
    return sorted(
        name
        for name, state in planned.hosts.items()
        if any(n.role == "router" and n.owner == router for n in state.namespaces)
    )


def fails_copies(mode: str, kind: str) -> bool:
    """Whether a router that is not HA takes a drill of `kind`: a distributed router's hosts
    fail and come back."""
    return mode == "distributed" and kind in (DrillKind.HOST_FAILURE, DrillKind.FAILBACK)


def hold_of(kind: str, hold_seconds: int | None) -> int | None:
    """A cut_link's hold (the default when not given); None for the other kinds, which take
    none."""
    if kind != DrillKind.CUT_LINK:
        if hold_seconds is not None:
            raise DrillRequestError(
                [FieldError("hold_seconds", "only a cut_link drill holds a link cut")]
            )
        return None
    hold = DEFAULT_HOLD_SECONDS if hold_seconds is None else hold_seconds
    if hold not in HOLD_SECONDS:
        raise DrillRequestError(
            [
                FieldError(
                    "hold_seconds",
                    f"must be {HOLD_SECONDS.start} to {HOLD_SECONDS.stop - 1} seconds",
                )
            ]
        )
    return hold


def host_failure_target(
    topology_id: int, revision: Revision, router: Router, master: str | None, target: str | None
) -> str:
    """The host a host_failure fails: `target`, if the router has a copy there, else the
    master's."""
    if not target:
        if router.mode != "ha":
            raise DrillRequestError(
                [FieldError("target_host", "a distributed router has no master: name the host")]
            )
        if master is None:
            raise NoMaster(router.id)
        return master
    hosts = router_namespace_hosts(topology_id, revision, router.id)
    if target not in hosts:
        raise DrillRequestError(
            [
                FieldError(
                    "target_host",
                    f"the router has no instance there; it runs on {', '.join(hosts)}",
                )
            ]
        )
    return target


def failback_hosts(
    topology_id: int, revision: Revision, router: str, hosts: list[str]
) -> list[str]:
    """The hosts a failback of `router` restores: those of its instances (`hosts`), and any
    other host a host_failure of it failed since its instances last started; every host with
    a copy of a router without instances (a distributed one)."""
    copies = set(router_namespace_hosts(topology_id, revision, router))
    if not hosts:
        return sorted(copies)
    failed = HaDrill.objects.filter(
        deployment__in=live_deployments(topology_id),
        router=router,
        kind=DrillKind.HOST_FAILURE,
    ).values_list("host", flat=True)
    return sorted(set(hosts) | (set(failed) & copies))
