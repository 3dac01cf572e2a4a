"""Lab goals checked on the deployed copy, with real traffic.

When a student checks a copy whose head revision is what is deployed, each reachability goal
between two instances is also sent as a real connectivity check (a ping, or a TCP connect to
the goal's port) from the source instance's namespace; until it answers, the goal shows
`pending`, and the copy `checking`. When the check finishes (`check_finished`, called as the
check is published), the real answer replaces the design's: a reachability goal passes only if
the packets agree with it. Goals about the outside have no instance to probe on the lab
fabric and stay judged by the design; so do the others (structure is a property of the design).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from designer.labs.checking import GoalResult, UnknownElement, resolve
from designer.labs.goals import OUTSIDE, Goal, Reach
from designer.models import CheckState, ConnectivityCheck, LabCopy, Topology
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
    for number, goal in enumerate(goals):
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
        index = int(number)
        results = list(copy.results)
        results[index] = {**results[index], **_answer(check, results[index]["goal"])}
        pending = {n: wanted for n, wanted in copy.pending.items() if n != number}
        copy.results, copy.pending, copy.checking = results, pending, bool(pending)
        copy.passed = sum(result["status"] == "pass" for result in results)
        copy.save(update_fields=["results", "pending", "checking", "passed"])
        from designer.services.labs import publish_progress

        transaction.on_commit(lambda: publish_progress(copy))


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
