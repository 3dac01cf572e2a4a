"""HA drills and the events of HA routers.

A drill is a person's request to break or restore an HA router on purpose: kill its master's
keepalived (`crash_master`), move the master role to another instance (`switchover`), cut the
master off the HA network for a while (`cut_link`), fail every router instance of the
deployment on one host (`host_failure`), or return every instance to the design's
configuration and the role to the initial master (`failback`); a distributed router takes
`host_failure` and `failback` too. It is checked against what is deployed (a cut's hold, the
host a host_failure fails and the hosts a failback restores in drill_requests.py), recorded and
run in Celery on the worker of the host whose instance it acts on (tasks/drills.py).

As each VRRP transition is recorded, the router's transitions and drills since its instances
were last started from nothing are analysed again (designer/services/failover.py); each event
found for the first time is kept on the newest deployment attempt and sent to the topology's
sockets once committed; a split brain already kept is updated and sent again once it ends.
Spells with no master and split brains show only as time passes, so a check runs again once the
master-down interval has passed after a transition or a kill.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from math import inf
from typing import TYPE_CHECKING, Any

from channels.layers import get_channel_layer
from django.db import DatabaseError, close_old_connections, connections, models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from designer.models import (
    Deployment,
    DeploymentAction,
    DeploymentState,
    DrillKind,
    DrillState,
    HaDrill,
    HaEvent,
    Host,
    Revision,
    Topology,
    VrrpState,
    VrrpTransition,
)
from designer.models.failover import ProbeState
from designer.realtime.broadcast import relay
from designer.realtime.events import (
    DrillEvent,
    DrillOut,
    FailbackEvent,
    FailoverEvent,
    NoMasterEvent,
    SplitBrainEvent,
    SwitchoverEvent,
)
from designer.services import failover
from designer.services.checks import NotDeployed, deployed
from designer.spec import FieldError

if TYPE_CHECKING:
    from tasks.drill_probe import ProbeChoice

logger = logging.getLogger(__name__)

DEFAULT_PRIORITY = 100
# A drill still unfinished this long after it was asked for was lost (its worker stopped): it
# no longer holds the router. The longest drill, a two-minute cut with its probe, ends well
# within it.
UNDER_WAY_AT_MOST = timedelta(minutes=5)
# Analyses waiting to run in this process (analyse_later).
_timers: set[threading.Timer] = set()
_timers_lock = threading.Lock()


class UnknownRouter(Exception):
    """The deployed revision has no router with the id named."""


class NotHa(Exception):
    """The router named is no HA router of the deployed revision."""


class NoMaster(Exception):
    """No instance of the router reports MASTER, so there is no master to act on."""


class DrillUnderWay(Exception):
    """Another drill on the router is still under way (`drill`): its task or its probe has not
    finished."""

    def __init__(self, drill: HaDrill) -> None:
        super().__init__(f"drill #{drill.pk} ({drill.kind}) on {drill.router} is under way")
        self.drill = drill


class DrillRequestError(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors


# --- the router's history ------------------------------------------------------------------


def live_deployments(topology_id: int) -> QuerySet[Deployment]:
    """The attempts since the topology's instances were last started from nothing: after the
    newest destroy that finished, whose removal ended every keepalived it had."""
    attempts = Deployment.objects.filter(topology_id=topology_id)
    destroyed = (
        attempts.filter(action=DeploymentAction.DESTROY, state=DeploymentState.DESTROYED)
        .order_by("-created_at", "-id")
        .first()
    )
    if destroyed is not None:
        attempts = attempts.filter(created_at__gt=destroyed.created_at)
    return attempts


def _seconds(at: datetime) -> float:
    return at.timestamp()


def reports_of(topology_id: int, router: str) -> list[failover.Report]:
    transitions = VrrpTransition.objects.filter(
        deployment__in=live_deployments(topology_id), router=router
    ).values_list("host", "new_state", "at", "monotonic", "id")
    return [
        failover.Report(host, state, _seconds(at), (monotonic, pk))
        for host, state, at, monotonic, pk in transitions
    ]


def drills_of(topology_id: int, router: str) -> list[failover.Drill]:
    done = HaDrill.objects.filter(
        deployment__in=live_deployments(topology_id), router=router, at__isnull=False
    )
    return [
        failover.Drill(d.pk, d.kind, _seconds(d.at), d.host, d.hold_seconds)  # type: ignore[arg-type]
        for d in done
    ]


def last_states(reports: Iterable[failover.Report]) -> dict[str, str]:
    """host -> the state its instance last reported."""
    states: dict[str, str] = {}
    for report in sorted(reports, key=lambda r: (r.at, r.order)):
        states[report.host] = report.state
    return states


# Drills that kill an instance's keepalived: it reports nothing more until started again.
_KILLING = (DrillKind.CRASH_MASTER, DrillKind.HOST_FAILURE)


def live_states(
    reports: Iterable[failover.Report], drills: Iterable[failover.Drill]
) -> dict[str, str]:
    """host -> the state its instance last reported, save for an instance a drill killed
    after that report (and that has not reported since, so has not started again): it holds
    no role, whatever it last said."""
    ordered = sorted(reports, key=lambda r: (r.at, r.order))
    states = last_states(ordered)
    reported_at = {report.host: report.at for report in ordered}
    for drill in drills:
        host = drill.host
        if host is not None and drill.kind in _KILLING and drill.at >= reported_at.get(host, inf):
            states[host] = "killed"
    return states


def timing_of(revision: Revision | None, router: str, hosts: Iterable[str]) -> failover.Timing:
    found = None
    if revision is not None:
        found = next((r for r in revision.parsed().routers if r.id == router), None)
    if found is None:
        return failover.Timing(advert_interval=1.0)
    priorities = [found.vrrp.priorities.get(host, DEFAULT_PRIORITY) for host in hosts]
    return failover.Timing(found.vrrp.advert_interval, min(priorities, default=DEFAULT_PRIORITY))


# --- events --------------------------------------------------------------------------------


def analyse_router(topology_id: int, router: str, now: float | None = None) -> list[HaEvent]:
    """Analyse the router's history again and keep the events found for the first time on the
    topology's newest attempt, and the end of a split brain kept open; each is sent once
    committed. Call inside a transaction holding that attempt's row lock, so two reports never
    add the same event twice."""
    newest = (
        Deployment.objects.filter(topology_id=topology_id).order_by("-created_at", "-id").first()
    )
    if newest is None:
        return []
    reports = reports_of(topology_id, router)
    revision = newest.revision or getattr(deployed(newest.topology), "revision", None)
    timing = timing_of(revision, router, {r.host for r in reports})
    moment = timezone.now().timestamp() if now is None else now
    found = failover.analyse(router, reports, drills_of(topology_id, router), timing, moment)
    known = {
        row.key: row
        for row in HaEvent.objects.filter(
            deployment__in=live_deployments(topology_id), router=router
        )
    }
    created = []
    for event in found:
        kept = known.get(event.key)
        if kept is not None:
            if event.ended_at is not None and kept.ended_at is None:
                kept.ended_at = _time(event.ended_at)
                kept.save(update_fields=["ended_at"])
                created.append(kept)
            continue
        row = HaEvent.objects.create(
            deployment=newest,
            router=router,
            kind=event.kind,
            key=event.key,
            hosts=list(event.hosts),
            from_host=event.from_host or "",
            to_host=event.to_host or "",
            at=_time(event.at),
            since=_time(event.since) if event.since is not None else None,
            no_master_seconds=event.no_master_seconds,
            measured_from=event.measured_from or "",
            drill_id=event.drill,
            ended_at=_time(event.ended_at) if event.ended_at is not None else None,
        )
        created.append(row)
    if created:
        transaction.on_commit(lambda: publish_ha_events(topology_id, created))
    return created


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def settle_window(topology_id: int, router: str) -> float:
    """How long after a transition or a kill its consequences are settled and known."""
    newest = Deployment.objects.filter(topology_id=topology_id).order_by("-created_at").first()
    revision = newest.revision if newest is not None else None
    hosts = {r.host for r in reports_of(topology_id, router)}
    return timing_of(revision, router, hosts).settle + failover.REPORT_DELIVERY


def analyse_later(topology_id: int, router: str, delay: float) -> None:
    """Analyse the router again once `delay` seconds have passed (from a thread of this
    process), so a spell with no master or a split brain is told even if no report follows."""
    timer = threading.Timer(delay, _analyse_now, args=(topology_id, router))
    timer.daemon = True
    with _timers_lock:
        _timers.add(timer)
    timer.start()


def cancel_later_analyses() -> None:
    """Forget the analyses waiting to run in this process (its worker is stopping)."""
    with _timers_lock:
        waiting = list(_timers)
        _timers.clear()
    for timer in waiting:
        timer.cancel()


def _analyse_now(topology_id: int, router: str) -> None:
    with _timers_lock:
        _timers.discard(threading.current_thread())
    try:
        with transaction.atomic():
            newest = (
                Deployment.objects.select_for_update()
                .filter(topology_id=topology_id)
                .order_by("-created_at", "-id")
                .first()
            )
            if newest is not None:
                analyse_router(topology_id, router)
    except DatabaseError as exc:
        logger.warning("HA events of %s not analysed: %s", router, exc)
    finally:
        close_old_connections()
        connections.close_all()


def ha_event_message(row: HaEvent) -> Any:
    """The catalog event of a kept HA event."""
    common = {"deployment": row.deployment_id, "router": row.router}
    since = row.since.isoformat() if row.since is not None else row.at.isoformat()
    if row.kind == "split_brain":
        ended = row.ended_at.isoformat() if row.ended_at is not None else None
        return SplitBrainEvent(
            **common, hosts=list(row.hosts), since=since, ended_at=ended, drill=row.drill_id
        )
    if row.kind == "no_master":
        return NoMasterEvent(
            **common,
            last_master=row.from_host,
            since=since,
            at=row.at.isoformat(),
            measured_from=row.measured_from or "left",
        )
    kinds = {"failover": FailoverEvent, "switchover": SwitchoverEvent, "failback": FailbackEvent}
    return kinds[row.kind](
        **common,
        from_host=row.from_host,
        to_host=row.to_host,
        at=row.at.isoformat(),
        no_master_since=since,
        no_master_seconds=row.no_master_seconds or 0.0,
        measured_from=row.measured_from or "left",
        drill=row.drill_id,
    )


def publish_ha_events(topology_id: int, rows: list[HaEvent]) -> None:
    for row in rows:
        relay(topology_id, "vrrp.broadcast", ha_event_message(row))


# --- drills --------------------------------------------------------------------------------


def router_hosts(topology_id: int, revision: Revision, router: str) -> list[str]:
    """The hosts the deployed revision puts an instance of HA router `router` on."""
    from tasks.planner.facts import host_facts
    from tasks.planner.planner import plan

    hosts = [host_facts(host) for host in Host.objects.order_by("name")]
    planned = plan(revision.parsed(), topology_id, hosts)
    return sorted(
        name
        for name, state in planned.hosts.items()
        if any(k.owner == router for k in state.keepaliveds)
    )


def request_drill(
    topology: Topology,
    user: Any,
    router: str,
    kind: str,
    target_host: str | None,
    probe_source: str | None = None,
    probe_target: str | None = None,
    hold_seconds: int | None = None,
) -> HaDrill:
    """Record a drill on HA router `router` of what is deployed and enqueue it, with a probe
    pinging through the router meanwhile (from `probe_source` to `probe_target`, each chosen
    when None). Raises NotDeployed, UnknownRouter, NotHa, DrillUnderWay, NoMaster or
    DrillRequestError (naming the field)."""
    from designer.services import drill_requests

    deployment = deployed(topology)
    if deployment is None or deployment.revision is None:
        raise NotDeployed("the topology has nothing deployed")
    element = next((r for r in deployment.revision.parsed().routers if r.id == router), None)
    if element is None:
        raise UnknownRouter(router)
    if element.mode != "ha" and not drill_requests.fails_copies(element.mode, kind):
        raise NotHa(router)
    # Asked first, as the likely reason the rest is refused (a master just crashed is gone).
    _refuse_under_way(topology.pk, router, kind)
    hosts = router_hosts(topology.pk, deployment.revision, router)
    reports = reports_of(topology.pk, router)
    states = live_states(reports, drills_of(topology.pk, router))
    masters = [h for h, state in states.items() if state == VrrpState.MASTER]
    master = masters[0] if len(masters) == 1 else None
    if kind == DrillKind.CRASH_MASTER:
        if master is None:
            raise NoMaster(router)
        acts_on = master
    elif kind == DrillKind.SWITCHOVER:
        acts_on = _switchover_target(element, hosts, master, target_host)
    elif kind == DrillKind.CUT_LINK:
        if master is None:
            raise NoMaster(router)
        acts_on = master
    elif kind == DrillKind.HOST_FAILURE:
        acts_on = drill_requests.host_failure_target(
            topology.pk, deployment.revision, element, master, target_host
        )
    else:
        acts_on = failover.initial_master(reports) or master or ""
        if not acts_on and element.mode == "ha":
            raise NoMaster(router)
    hold = drill_requests.hold_of(kind, hold_seconds)
    # A failback touches every instance, and every host a host_failure failed: one task each.
    on = [acts_on]
    if kind == DrillKind.FAILBACK:
        on = drill_requests.failback_hosts(topology.pk, deployment.revision, router, hosts)
    probe = _probe_choice(topology.pk, deployment.revision, router, probe_source, probe_target)
    with transaction.atomic():
        # Two requests at once: the second waits for the first's drill to be recorded.
        Deployment.objects.select_for_update().filter(pk=deployment.pk).exists()
        _refuse_under_way(topology.pk, router, kind)
        drill = HaDrill.objects.create(
            deployment=deployment,
            router=router,
            kind=kind,
            target_host=target_host or "" if kind in _TARGETED else "",
            hold_seconds=hold,
            host=acts_on,
            hosts=dict.fromkeys(on, DrillState.QUEUED),
            requested_by=user if getattr(user, "is_authenticated", False) else None,
            **_probe_fields(probe),
        )
        transaction.on_commit(lambda: _enqueue(drill, on))
    return drill


def drill_under_way(topology_id: int, router: str, kind: str) -> HaDrill | None:
    """The drill on `router` that keeps a drill of `kind` from starting now, if any: one whose
    task or probe has not finished, asked for within UNDER_WAY_AT_MOST. Drills on one router
    run one at a time, so that each failover and each outage measured is the one drill's. A
    failback waits only for another failback: it is how a person ends a cut still holding or
    brings a failed host back."""
    unfinished = HaDrill.objects.filter(
        deployment__in=live_deployments(topology_id),
        router=router,
        requested_at__gt=timezone.now() - UNDER_WAY_AT_MOST,
    ).filter(
        models.Q(state=DrillState.QUEUED)
        | models.Q(probe_state__in=(ProbeState.QUEUED, ProbeState.RUNNING))
    )
    if kind == DrillKind.FAILBACK:
        unfinished = unfinished.filter(kind=DrillKind.FAILBACK)
    return unfinished.order_by("requested_at", "id").first()


def _refuse_under_way(topology_id: int, router: str, kind: str) -> None:
    running = drill_under_way(topology_id, router, kind)
    if running is not None:
        raise DrillUnderWay(running)


def _probe_choice(
    topology_id: int, revision: Revision, router: str, source: str | None, target: str | None
) -> ProbeChoice | None:
    from designer.services.checks import design_of
    from tasks.drill_probe import ProbeChoiceError, choose

    try:
        return choose(design_of(topology_id, revision), router, source, target)
    except ProbeChoiceError as exc:
        raise DrillRequestError([FieldError(exc.field, exc.message)]) from None


def _probe_fields(probe: ProbeChoice | None) -> dict[str, Any]:
    if probe is None:
        return {}
    return {
        "probe_source": probe.source,
        "probe_target": probe.target,
        "probe_host": probe.host,
        "probe_address": probe.address,
        "probe_state": ProbeState.QUEUED,
    }


# The kinds that take a target host.
_TARGETED = (DrillKind.SWITCHOVER, DrillKind.HOST_FAILURE)


def _switchover_target(
    element: Any, hosts: list[str], master: str | None, target: str | None
) -> str:
    if element.vrrp.nopreempt:
        raise DrillRequestError(
            [
                FieldError(
                    "kind",
                    "the router has nopreempt: its master keeps the role, so a "
                    "switchover cannot move it",
                )
            ]
        )
    if not target:
        raise DrillRequestError(
            [FieldError("target_host", "a switchover needs the host to move the master role to")]
        )
    if target not in hosts:
        raise DrillRequestError(
            [
                FieldError(
                    "target_host",
                    f"the router has no instance there; it runs on {', '.join(hosts)}",
                )
            ]
        )
    if master is None:
        raise NoMaster(element.id)
    if target == master:
        raise DrillRequestError([FieldError("target_host", "is the master already")])
    return target


def _enqueue(drill: HaDrill, hosts: list[str]) -> None:
    from tasks.drill_probe import start_probe
    from tasks.drills import run_drill
    from tasks.embedded import consume

    publish_drill(drill.pk)
    queues = {
        host.name: host.queue for host in Host.objects.filter(name__in=[*hosts, drill.probe_host])
    }
    if drill.probe_host:
        # Sent first; the drill acts once the probe has started (tasks/drills.py).
        consume(queues[drill.probe_host])
        start_probe.apply_async((drill.pk, drill.probe_host), queue=queues[drill.probe_host])
    for host in hosts:
        # A host registered after the embedded worker started (a lab fabric brought up later).
        consume(queues[host])
        run_drill.apply_async((drill.pk, host), queue=queues[host])


def drill_acted(drill_id: int, at: datetime) -> None:
    """The drill acted on its instance at `at`: the analysis measures from then."""
    HaDrill.objects.filter(pk=drill_id, at__isnull=True).update(at=at)


def drill_finished(drill_id: int, host: str, error: str = "") -> None:
    """`host`'s part of the drill is over; the drill is once every host's is."""
    with transaction.atomic():
        drill = HaDrill.objects.select_for_update().get(pk=drill_id)
        drill.hosts[host] = DrillState.FAILED if error else DrillState.DONE
        if error:
            drill.error = (drill.error + "\n" + error).strip()
        if DrillState.QUEUED not in drill.hosts.values():
            failed = DrillState.FAILED in drill.hosts.values()
            drill.state = DrillState.FAILED if failed else DrillState.DONE
            drill.finished_at = timezone.now()
        drill.save(update_fields=["hosts", "state", "error", "finished_at"])
        if drill.finished_at is not None:
            transaction.on_commit(lambda: publish_drill(drill_id))


def drill_json(drill: HaDrill) -> dict[str, Any]:
    return {
        "id": drill.pk,
        "deployment": drill.deployment_id,
        "router": drill.router,
        "kind": drill.kind,
        "target_host": drill.target_host or None,
        "hold_seconds": drill.hold_seconds,
        "host": drill.host,
        "state": drill.state,
        "hosts": drill.hosts,
        "requested_at": drill.requested_at.isoformat(),
        "at": drill.at.isoformat() if drill.at else None,
        "finished_at": drill.finished_at.isoformat() if drill.finished_at else None,
        "error": drill.error,
        "outage_seconds": drill.outage_seconds,
        "probe": _probe_json(drill),
    }


def _probe_json(drill: HaDrill) -> dict[str, Any] | None:
    """The probe's result (the counts None until it has one); None for a drill without one."""
    if not drill.probe_source:
        return None
    gap_at = drill.outage_started_at
    return {
        "source": drill.probe_source,
        "target": drill.probe_target,
        "address": drill.probe_address,
        "state": drill.probe_state,
        "sent": drill.probe_sent,
        "received": drill.probe_received,
        "longest_gap_seconds": drill.outage_seconds,
        "gap_started_at": gap_at.isoformat() if gap_at else None,
        "error": drill.probe_error,
    }


def publish_drill(drill_id: int) -> None:
    """Send the drill as it is now to its topology's sockets (a `drill` event)."""
    drill = HaDrill.objects.select_related("deployment").filter(pk=drill_id).first()
    if drill is None or get_channel_layer() is None:
        return
    from designer.services.lab_checks import drill_progressed

    drill_progressed(drill)
    event = DrillEvent(drill=DrillOut(**drill_json(drill)))
    relay(drill.deployment.topology_id, "vrrp.broadcast", event)
