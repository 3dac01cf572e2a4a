"""Teaching labs: publishing a lab, enrolling students by invite, starting, resetting and
checking their copies, and the class's progress (designer/models/labs.py says what each is).

Every function takes the already-checked caller's objects; who may call which is decided in
`designer.access.lab_access` and enforced by the API views.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from designer.labs.checking import GoalResult, check_design
from designer.labs.goals import GoalSyntaxError, parse_goals
from designer.models import Membership, Project, Quota, Revision, Role, Topology, VlanPolicy
from designer.models.labs import COPY_QUOTAS, ClassInvite, Enrolment, Lab, LabCopy
from designer.realtime.broadcast import send
from designer.services.lab_checks import start_deployed_checks
from designer.services.topologies import create_topology, save_revision
from designer.services.validation import context_for
from designer.spec import Document, DocumentError, FieldError, parse_document
from designer.validation import ValidationContext


class LabError(Exception):
    """A request about a lab that cannot be met, naming the field at fault."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors


def goals_errors(text: str) -> list[FieldError]:
    try:
        parse_goals(text)
    except GoalSyntaxError as error:
        return [FieldError("goals", str(error))]
    return []


def quota_errors(quotas: Any) -> list[FieldError]:
    if not isinstance(quotas, dict):
        return [FieldError("copy_quotas", "must be an object of limits")]
    errors = []
    for kind, limit in quotas.items():
        if kind not in COPY_QUOTAS:
            errors.append(FieldError(f"copy_quotas.{kind}", "is not a quota kind"))
        elif isinstance(limit, bool) or not isinstance(limit, int) or not -1 <= limit <= 10_000:
            message = "must be a whole number 0-10000, or -1 for no limit"
            errors.append(FieldError(f"copy_quotas.{kind}", message))
    return errors


# --- labs ----------------------------------------------------------------------------------


@transaction.atomic
def create_lab(
    project: Project,
    author: Any,
    *,
    title: str,
    source: Topology,
    instructions: str = "",
    goals: str = "",
    shared: bool = False,
    copy_quotas: dict[str, int] | None = None,
) -> Lab:
    """A lab of `project` (the class) starting from `source`'s head revision."""
    errors = goals_errors(goals) + quota_errors(copy_quotas or {})
    if source.project_id != project.pk:
        errors.append(FieldError("source", "is not a topology of this class's project"))
    if errors:
        raise LabError(errors)
    assert source.head is not None
    return Lab.objects.create(
        project=project,
        title=title,
        instructions=instructions,
        goals=goals,
        start_document=source.head.document,
        source=source,
        start_author=source.head.author,
        shared=shared,
        copy_quotas={**COPY_QUOTAS, **(copy_quotas or {})},
        created_by=author,
    )


@transaction.atomic
def update_lab(lab: Lab, **changes: Any) -> Lab:
    """Change a lab's title, instructions, goals, sharing, publication or copy quotas; with
    `retake_start`, take its start again from its source topology's head."""
    errors = []
    if "goals" in changes:
        errors += goals_errors(changes["goals"])
    if "copy_quotas" in changes:
        errors += quota_errors(changes["copy_quotas"])
        if not errors:
            changes["copy_quotas"] = {**COPY_QUOTAS, **lab.copy_quotas, **changes["copy_quotas"]}
    if "shared" in changes and changes["shared"] != lab.shared and lab.copies.exists():
        errors.append(FieldError("shared", "cannot change once students have started the lab"))
    if changes.pop("retake_start", False):
        if lab.source is None or lab.source.head is None:
            errors.append(FieldError("retake_start", "the lab's source topology is gone"))
        else:
            changes["start_document"] = lab.source.head.document
            changes["start_author"] = lab.source.head.author
    if errors:
        raise LabError(errors)
    for field, value in changes.items():
        setattr(lab, field, value)
    lab.save()
    return lab


def start_of(lab: Lab) -> Document:
    return parse_document(lab.start_document)


# --- enrolment -----------------------------------------------------------------------------


def create_invite(project: Project, author: Any, expires_at: Any = None) -> ClassInvite:
    return ClassInvite.objects.create(project=project, created_by=author, expires_at=expires_at)


def revoke_invite(invite: ClassInvite) -> ClassInvite:
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def join_class(student: Any, code: str) -> Enrolment:
    """Enrol `student` in the class the invite `code` opens (once; joining again answers the
    same enrolment)."""
    invite = ClassInvite.objects.select_related("project").filter(code=code.strip()).first()
    if invite is None or not invite.is_active:
        raise LabError([FieldError("code", "is not a valid invite code (or it has expired)")])
    try:
        with transaction.atomic():
            enrolment, _ = Enrolment.objects.get_or_create(
                project=invite.project, student=student, defaults={"invite": invite}
            )
    except IntegrityError:  # two joins at once: the other made it
        enrolment = Enrolment.objects.get(project=invite.project, student=student)
    return enrolment


# --- copies --------------------------------------------------------------------------------


def _project_name(lab: Lab, suffix: str) -> str:
    """A unique project name (64 characters at most) for a lab's copy or workspace."""
    stem = re.sub(r"\s+", " ", f"{lab.title}")[:40].strip()
    name = f"{stem} · {suffix}"[:64]
    taken = Project.objects.filter(name__startswith=name[:56]).values_list("name", flat=True)
    if name not in set(taken):
        return name
    return f"{name[:52]} #{lab.pk}-{len(taken) + 1}"


def _copy_project(lab: Lab, student: Any) -> Project:
    """Where the student's copy lives: the lab's workspace if it is shared (made on first
    use, with every enrolled student an editor), or a project of the student's own."""
    instructors = list(
        Membership.objects.filter(project=lab.project, role=Role.OWNER).values_list(
            "user", flat=True
        )
    )
    if lab.shared:
        if lab.workspace is None:
            lab.workspace = _new_project(lab, "workspace", instructors)
            lab.save(update_fields=["workspace"])
        Membership.objects.get_or_create(
            project=lab.workspace, user=student, defaults={"role": Role.EDITOR}
        )
        return lab.workspace
    project = _new_project(lab, student.get_username(), instructors)
    if student.pk not in instructors:
        Membership.objects.create(project=project, user=student, role=Role.EDITOR)
    return project


def _new_project(lab: Lab, suffix: str, owners: Iterable[int]) -> Project:
    project = Project.objects.create(
        name=_project_name(lab, suffix),
        description=f"Lab: {lab.title}"[:2000],
        created_by=lab.created_by,
    )
    Membership.objects.bulk_create(
        Membership(project=project, user_id=owner, role=Role.OWNER) for owner in owners
    )
    Quota.objects.create(project=project, **lab.copy_quotas)
    policy = VlanPolicy.objects.filter(project=lab.project).first()
    VlanPolicy.objects.create(
        project=project,
        **({"ranges": policy.ranges, "forbidden_pairs": policy.forbidden_pairs} if policy else {}),
    )
    return project


@transaction.atomic
def start_lab(lab: Lab, student: Any) -> tuple[LabCopy, bool]:
    """The student's copy of the lab, made from its start if there is none yet; and whether
    it was made now."""
    lab = Lab.objects.select_for_update().get(pk=lab.pk)
    found = LabCopy.objects.filter(lab=lab, student=student).select_related("topology").first()
    if found is not None:
        return found, False
    project = _copy_project(lab, student)
    topology = create_topology(
        project,
        f"{lab.title} · {student.get_username()}"[:64],
        lab.start_author or lab.created_by or student,
        description=f"{student.get_username()}'s copy of the lab {lab.title}"[:2000],
        document=start_of(lab),
        message="Started the lab",
    )
    copy = LabCopy.objects.create(
        lab=lab, student=student, topology=topology, total=len(parse_goals(lab.goals))
    )
    transaction.on_commit(lambda: publish_progress(copy))
    return copy, True


@transaction.atomic
def reset_copy(copy: LabCopy, author: Any) -> Revision:
    """A new revision of the copy holding the lab's start (history is kept), and its check
    results cleared."""
    topology = Topology.objects.select_related("head").get(pk=copy.topology_id)
    assert topology.head is not None
    # Written as the start's author wrote it: what the lab gives is not the student's change.
    lab = copy.lab
    revision = save_revision(
        topology,
        topology.head.number,
        start_of(lab),
        lab.start_author or lab.created_by or author,
        f"Reset to the lab's start by {getattr(author, 'username', 'someone')}",
    )
    copy.reset_at = timezone.now()
    copy.results, copy.passed, copy.checked_at, copy.checked_revision = [], 0, None, None
    copy.save(update_fields=["reset_at", "results", "passed", "checked_at", "checked_revision"])
    transaction.on_commit(lambda: publish_progress(copy))
    return revision


# --- checking ------------------------------------------------------------------------------


def copy_context(copy: LabCopy) -> ValidationContext:
    """What the copy is validated against: its project's policy and the hosts, with the lab's
    limits on this copy alone (`context_for` knows a lab copy)."""
    return context_for(copy.topology.project, topology=copy.topology)


# A check whose parts on the deployment have not all answered by then is given up.
CHECK_TIMEOUT = timedelta(minutes=3)


@transaction.atomic
def check_copy(copy: LabCopy, user: Any = None) -> list[GoalResult]:
    """Check every goal of the lab against the copy's head revision and keep the results;
    when the head is deployed, reachability goals go on as real checks (lab_checks). One
    transaction, holding the copy's row: the checks and drills it asks for are enqueued only
    once the copy says it waits for them, so none can answer before that."""
    LabCopy.objects.select_for_update().filter(pk=copy.pk).exists()
    copy.refresh_from_db()
    if copy.checking and copy.checked_at and timezone.now() - copy.checked_at < CHECK_TIMEOUT:
        # The last check still has parts running on the deployment: its results will come.
        return [GoalResult(**result) for result in copy.results]
    topology = Topology.objects.select_related("head").get(pk=copy.topology_id)
    head = topology.head
    assert head is not None
    goals = parse_goals(copy.lab.goals)
    try:
        document = head.parsed()
    except DocumentError:  # stored revisions were parsed when written; kept for safety
        document = Document()
    results = check_design(document, goals, copy_context(copy))
    results = start_deployed_checks(copy, goals, results, user)
    copy.results = [result.as_dict() for result in results]
    copy.passed = sum(result.passed for result in results)
    copy.total = len(results)
    copy.checked_at = timezone.now()
    copy.checked_revision = head.number
    copy.save(
        update_fields=[
            *("results", "passed", "total", "checked_at", "checked_revision"),
            *("pending", "checking"),
        ]
    )
    transaction.on_commit(lambda: publish_progress(copy))
    return results


# --- the class's progress ------------------------------------------------------------------


def lab_group(lab_id: int) -> str:
    return f"lab.{lab_id}"


def progress_json(copy: LabCopy) -> dict[str, Any]:
    return {
        "id": copy.pk,
        "lab": copy.lab_id,
        "student": copy.student.get_username(),
        "topology": copy.topology_id,
        "project": copy.topology.project_id,
        "started_at": copy.started_at.isoformat(),
        "reset_at": copy.reset_at.isoformat() if copy.reset_at else None,
        "checked_at": copy.checked_at.isoformat() if copy.checked_at else None,
        "checked_revision": copy.checked_revision,
        "passed": copy.passed,
        "total": copy.total,
        "results": copy.results,
        "checking": copy.checking,
    }


def publish_progress(copy: LabCopy) -> None:
    """Send the copy's progress to the lab's dashboards."""
    copy = LabCopy.objects.select_related("student", "topology").get(pk=copy.pk)
    send(lab_group(copy.lab_id), {"type": "lab.progress", "copy": progress_json(copy)})


def copies_of(lab: Lab) -> Any:
    return lab.copies.select_related("student", "topology").order_by("student__username")


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: never read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def grades_csv(lab: Lab) -> str:
    """One row per student: the goals passed, the total, when checked, and each goal's
    result, one column per goal in the lab's order."""
    goals = [goal.words() for goal in parse_goals(lab.goals)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", "passed", "total", "checked_at", "revision", *goals])
    for copy in copies_of(lab):
        by_goal = {result["goal"]: result["status"] for result in copy.results}
        writer.writerow(
            [
                _cell(copy.student.get_username()),
                copy.passed,
                len(goals),
                copy.checked_at.isoformat() if copy.checked_at else "",
                copy.checked_revision or "",
                *(by_goal.get(goal, "unchecked") for goal in goals),
            ]
        )
    return out.getvalue()
