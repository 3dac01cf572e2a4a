"""Lab goals checked on the deployed copy, with real traffic.

When a student checks a copy whose head revision is what is deployed, each reachability goal
between two instances is also sent as a real connectivity check (a ping, or a TCP connect to
the goal's port) from the source instance's namespace; until it answers, the goal shows
`pending`, and the copy `checking`. When the check finishes (`check_finished`, called as the
check is published), the real answer replaces the design's: a reachability goal passes only if
the packets agree with it. A reachability goal about the outside has no instance to probe and
stays judged by the design, as do the structural goals (they are properties of the design).

A behaviour goal ("after crash master of edge, web-1 reaches db-1 within 2 s") runs the drill
on the deployed copy with its probe pinging from the source to the target (`outside`: the
probe's own choice, which prefers the router's external side); when the probe has measured
the outage (`drill_progressed`, called as the drill is published), the goal passes if replies
came back and the longest gap was within the time, and a failback puts the copy back as it
was designed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from designer.labs.checking import GoalResult, UnknownElement, resolve
from designer.labs.goals import OUTSIDE, Goal, Reach, Survives
from designer.models import CheckState, ConnectivityCheck, DrillKind, HaDrill, LabCopy, Topology
from designer.models.failover import ProbeState
from designer.services.checks import CheckRequestError, NotDeployed, deployed, request_check
from designer.validation.index import TopologyIndex

logger = logging.getLogger(__name__)


def deployed_head(topology: Topology) -> bool:
    """Whether the topology's head revision is the one deployed now."""
    deployment = deployed(topology)
    return (
        deployment is not None
        and deployment.revision is not None
        and deployment.revision_id == topology.head_id
    )


def start_deployed_checks(
    copy: LabCopy, goals: list[Goal], results: list[GoalResult], user: Any
) -> list[GoalResult]:
    """Send each instance-to-instance reachability goal as a real check of the deployed copy;
    the results with those goals pending, and the copy's `pending` map set (not saved)."""
    topology = Topology.objects.select_related("head").get(pk=copy.topology_id)
    pending: dict[str, dict[str, int]] = {}
    if not deployed_head(topology):
        copy.pending, copy.checking = {}, False
        return results
    assert topology.head is not None
    index = TopologyIndex(topology.head.parsed())
    checked = list(results)
    drilled = False
    for number, goal in enumerate(goals):
        if isinstance(goal, Survives):
            # One drill at a time on a copy: the others wait their turn (`drill_progressed`).
            if drilled:
                pending[str(number)] = {"queued": 1}
                checked[number] = GoalResult(
                    results[number].goal, "pending", "Waiting for the drill before it.", "drill"
                )
                continue
            checked[number], drill_id = _start_drill(topology, index, goal, results[number], user)
            if drill_id is not None:
                pending[str(number)] = {"drill": drill_id}
                drilled = True
            continue
        if not isinstance(goal, Reach) or goal.target == OUTSIDE:
            continue
        try:
            source = resolve(index, goal.source, ("instances",))
            target = resolve(index, goal.target, ("instances",))
        except UnknownElement:
            continue  # the design check already said which element is missing
        try:
            check = request_check(
                topology,
                user,
                goal.protocol if goal.protocol == "tcp" else "ping",
                source=source,
                target=target,
                port=goal.port,
            )
        except (NotDeployed, CheckRequestError) as error:
            checked[number] = GoalResult(
                results[number].goal, "fail", f"It cannot be checked on the deployment: {error}."
            )
            continue
        pending[str(number)] = {"check": check.pk}
        checked[number] = GoalResult(
            results[number].goal,
            "pending",
            "Sending real traffic on the deployed copy.",
            "deployment",
        )
    copy.pending, copy.checking = pending, bool(pending)
    return checked


DRILL_KINDS = {
    "crash master": DrillKind.CRASH_MASTER,
    "cut link": DrillKind.CUT_LINK,
    "host failure": DrillKind.HOST_FAILURE,
    "switchover": DrillKind.SWITCHOVER,
}


def _start_drill(
    topology: Topology, index: TopologyIndex, goal: Survives, result: GoalResult, user: Any
) -> tuple[GoalResult, int | None]:
    """Ask for the goal's drill with its probe; the goal's result meanwhile, and the drill's id
    (None when it could not be asked for)."""
    from designer.services import drills

    try:
        router = resolve(index, goal.router, ("routers",))
        source = resolve(index, goal.source, ("instances",))
        target = None if goal.target == OUTSIDE else resolve(index, goal.target, ("instances",))
    except UnknownElement:
        return result, None  # the design check said which
    try:
        drill = drills.request_drill(
            topology,
            user,
            router,
            DRILL_KINDS[goal.drill],
            _switchover_target(topology, router) if goal.drill == "switchover" else None,
            probe_source=source,
            probe_target=target,
        )
    except (
        drills.NotDeployed,
        drills.UnknownRouter,
        drills.NotHa,
        drills.NoMaster,
        drills.DrillUnderWay,
        drills.DrillRequestError,
    ) as error:
        why = str(error) if not isinstance(error, drills.NotHa) else "the router is not HA"
        if isinstance(error, drills.NoMaster):
            why = "no instance of the router is master now: fail back, then check again"
        return GoalResult(result.goal, "fail", f"The drill cannot run: {why}.", "drill"), None
    return (
        GoalResult(
            result.goal, "pending", f"Running the drill (#{drill.pk}) with a probe.", "drill"
        ),
        drill.pk,
    )


def _switchover_target(topology: Topology, router: str) -> str | None:
    """Another host than the master's for a switchover to move the role to."""
    from designer.services import drills

    deployment = drills.deployed(topology)
    if deployment is None or deployment.revision is None:
        return None
    states = drills.live_states(
        drills.reports_of(topology.pk, router), drills.drills_of(topology.pk, router)
    )
    hosts = drills.router_hosts(topology.pk, deployment.revision, router)
    return next((h for h in hosts if states.get(h) != "master"), None)


# In a copy's `pending`, the key of the failback that follows a lab drill (goal keys are the
# goals' numbers).
FAILBACK = "failback"


def drill_progressed(drill: HaDrill) -> None:
    """A drill moved on. Once a lab goal's drill and its probe are over, the goal takes the
    measured outage and a failback returns the copy to its design; once that failback is over,
    the next behaviour goal's drill starts."""
    probe_over = drill.probe_state in (ProbeState.DONE, ProbeState.FAILED, "")
    if drill.finished_at is None or not probe_over:
        return
    with transaction.atomic():
        copy = (
            LabCopy.objects.select_for_update()
            .filter(topology_id=drill.deployment.topology_id, checking=True)
            .select_related("lab")
            .first()
        )
        if copy is None:
            return
        if copy.pending.get(FAILBACK, {}).get("drill") == drill.pk:
            pending = {key: wanted for key, wanted in copy.pending.items() if key != FAILBACK}
            copy.pending = pending
            _next_drill(copy)
            return
        number = next(
            (n for n, wanted in copy.pending.items() if wanted.get("drill") == drill.pk), None
        )
        if number is None:
            return
        goal = _goals(copy)[int(number)]
        assert isinstance(goal, Survives)
        _settle(copy, number, _outcome(drill, goal))
        failback = _fail_back(drill)
        if failback is None:
            _next_drill(copy)
        else:
            copy.pending = {**copy.pending, FAILBACK: {"drill": failback}}
            copy.checking = True
            copy.save(update_fields=["pending", "checking"])


def _goals(copy: LabCopy) -> list[Goal]:
    from designer.labs.goals import parse_goals

    return parse_goals(copy.lab.goals)


def _next_drill(copy: LabCopy) -> None:
    """Start the drill of the first behaviour goal waiting its turn (settling as failed those
    whose drill cannot run), and save the copy."""
    topology = Topology.objects.select_related("head").get(pk=copy.topology_id)
    assert topology.head is not None
    index = TopologyIndex(topology.head.parsed())
    goals = _goals(copy)
    for number in sorted((n for n, w in copy.pending.items() if "queued" in w), key=int):
        goal = goals[int(number)]
        assert isinstance(goal, Survives)
        waiting = GoalResult(copy.results[int(number)]["goal"], "pending", "", "drill")
        result, drill_id = _start_drill(topology, index, goal, waiting, None)
        if drill_id is not None:
            copy.pending = {**copy.pending, number: {"drill": drill_id}}
            copy.results = [
                result.as_dict() if n == int(number) else r for n, r in enumerate(copy.results)
            ]
            break
        _settle(copy, number, result.as_dict())
    copy.checking = bool(copy.pending)
    copy.save(update_fields=["pending", "checking", "results", "passed"])
    from designer.services.labs import publish_progress

    transaction.on_commit(lambda: publish_progress(copy))


def _outcome(drill: HaDrill, goal: Survives) -> dict[str, str]:
    if drill.state != "done":
        return {"status": "fail", "detail": f"The drill failed: {drill.error}", "by": "drill"}
    if drill.probe_state != ProbeState.DONE or drill.outage_seconds is None:
        why = drill.probe_error or "the drill had no probe"
        return {"status": "fail", "detail": f"The probe measured nothing: {why}.", "by": "drill"}
    came_back = (drill.probe_received or 0) > 0
    outage = drill.outage_seconds
    ok = came_back and outage <= goal.seconds
    said = (
        f"Pinging {drill.probe_target} ({drill.probe_address}) from {drill.probe_source}, the "
        f"longest gap in replies was {outage:.2f} s (at most {goal.seconds:g} s)"
    )
    if not came_back:
        said = f"Pinging {drill.probe_target} from {drill.probe_source}: no reply at all"
    return {"status": "pass" if ok else "fail", "detail": said + ".", "by": "drill"}


def _fail_back(drill: HaDrill) -> int | None:
    """Ask for a failback of the router after the lab's drill (it returns the copy to its
    design); its id, or None when it cannot be asked for."""
    from designer.services import drills

    topology = Topology.objects.get(pk=drill.deployment.topology_id)
    try:
        return drills.request_drill(topology, None, drill.router, DrillKind.FAILBACK, None).pk
    except Exception as error:  # the goal is settled; a failback refused is only logged
        logger.warning("no failback after the lab drill %s: %s", drill.pk, error)
        return None


def _settle(copy: LabCopy, number: str, answer: dict[str, str]) -> None:
    """Give goal `number` its answer; the copy's check is over when nothing else waits."""
    from designer.services.labs import publish_progress

    index = int(number)
    results = list(copy.results)
    results[index] = {**results[index], **answer}
    pending = {n: wanted for n, wanted in copy.pending.items() if n != number}
    copy.results, copy.pending, copy.checking = results, pending, bool(pending)
    copy.passed = sum(result["status"] == "pass" for result in results)
    copy.save(update_fields=["results", "pending", "checking", "passed"])
    transaction.on_commit(lambda: publish_progress(copy))


def check_finished(check: ConnectivityCheck) -> None:
    """A connectivity check ended: if a lab copy waits for it, its goal takes the real answer."""
    if check.state not in (CheckState.DONE, CheckState.FAILED):
        return
    with transaction.atomic():
        copy = (
            LabCopy.objects.select_for_update()
            .filter(topology_id=check.topology_id, checking=True)
            .first()
        )
        if copy is None:
            return
        number = next(
            (n for n, wanted in copy.pending.items() if wanted.get("check") == check.pk), None
        )
        if number is None:
            return
        _settle(copy, number, _answer(check, copy.results[int(number)]["goal"]))


def _answer(check: ConnectivityCheck, words: str) -> dict[str, str]:
    """The goal's status and detail from the check's one probe."""
    expected = "must not reach" not in words
    if check.state == CheckState.FAILED or not check.results:
        why = check.error or "no probe ran"
        return {"status": "fail", "detail": f"The real check failed: {why}", "by": "deployment"}
    probe = check.results[0]
    how = "TCP connect" if probe["protocol"] == "tcp" else "ping"
    if probe["reachable"]:
        rtt = f" in {probe['rtt_ms']:.1f} ms" if probe.get("rtt_ms") is not None else ""
        said = f"A real {how} to {probe['address']} was answered{rtt}."
    else:
        said = f"A real {how} to {probe['address'] or probe['target']} got no answer."
    return {
        "status": "pass" if probe["reachable"] == expected else "fail",
        "detail": said,
        "by": "deployment",
    }
