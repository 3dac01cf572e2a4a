"""Teaching labs: a class, its labs, the students enrolled and each student's copy.

A *class* is a project: its owners are the instructors. Students join it with an invite code
(`ClassInvite`) and are then enrolled (`Enrolment`); enrolment is not a role on the class
project, so students never see its topologies, only the labs published in it.

A *lab* is a starting topology (a snapshot of a document), instructions in Markdown and goals
in the written form of `designer.labs.goals`. Starting it gives the student a *copy*: a topology
in a project of the student's own (the student an editor, the instructors owners), or, when
the lab is shared, in the lab's one workspace project where every student edits and sees the
others live. Quotas apply to each copy on its own (`Lab.copy_quotas`), so one student cannot
use up the lab fabric.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from designer.models.projects import Project
from designer.models.topologies import Topology

# Each copy's limits unless the instructor sets others: enough for the labs of a course,
# small enough that a class fits on one lab fabric.
COPY_QUOTAS = {
    "networks": 10,
    "subnets": 10,
    "ports": 50,
    "routers": 4,
    "floating_ips": 5,
    "instances": 12,
}


def default_copy_quotas() -> dict[str, int]:
    return dict(COPY_QUOTAS)


def new_invite_code() -> str:
    # Ten characters a person can read out: no 0/O or 1/l.
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class ClassInvite(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=16, unique=True, default=new_invite_code, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __str__(self) -> str:
        return f"invite to {self.project}"


class Enrolment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="enrolments")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    invite = models.ForeignKey(ClassInvite, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "student"], name="one_enrolment_per_class")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.project}"


class Lab(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labs")
    title = models.CharField(max_length=120)
    instructions = models.TextField(max_length=20_000, blank=True)
    goals = models.TextField(max_length=15_000, blank=True)
    # The starting topology, as a document snapshot, and where it was taken from.
    start_document = models.JSONField()
    source = models.ForeignKey(
        Topology, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who wrote the start: a copy's first revision is theirs, so what the lab gives (a provider
    # network an admin made, say) is never judged as the student's own change.
    start_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared = models.BooleanField(default=False)
    # The shared lab's workspace, made when the first student starts it.
    workspace = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published = models.BooleanField(default=False)
    copy_quotas = models.JSONField(default=default_copy_quotas)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class LabCopy(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="copies")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_copies"
    )
    topology = models.OneToOneField(Topology, on_delete=models.CASCADE, related_name="lab_copy")
    started_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True)
    # The last check: when, on which revision, and each goal's result (GoalResult.as_dict()).
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_revision = models.PositiveIntegerField(null=True, blank=True)
    results = models.JSONField(default=list, blank=True)
    passed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # A check with parts still running on the deployed copy (connectivity checks, drills), and
    # which: {goal's index: {"check": id} or {"drill": id}}.
    checking = models.BooleanField(default=False)
    pending = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "student"], name="one_copy_per_student")
        ]

    def __str__(self) -> str:
        return f"{self.student}'s copy of {self.lab}"
