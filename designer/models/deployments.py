"""Deployments: one row per attempt to bring a revision of a topology onto its hosts (or to
destroy what is there), with its state, progress, timings and log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models.topologies import Revision, Topology


class DeploymentAction(models.TextChoices):
    DEPLOY = "deploy", "Deploy"
    DESTROY = "destroy", "Destroy"


class DeploymentState(models.TextChoices):
    QUEUED = "queued", "Queued"
    PLANNING = "planning", "Planning"
    APPLYING = "applying", "Applying"
    # Undoing what a failed or cancelled attempt made.
    ROLLING_BACK = "rolling_back", "Rolling back"
    DEPLOYED = "deployed", "Deployed"
    DESTROYED = "destroyed", "Destroyed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATES = (
    DeploymentState.QUEUED,
    DeploymentState.PLANNING,
    DeploymentState.APPLYING,
    DeploymentState.ROLLING_BACK,
)


class Deployment(models.Model):
    topology = models.ForeignKey(Topology, on_delete=models.CASCADE, related_name="deployments")
    # The revision deployed; None for a destroy.
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.RESTRICT, related_name="deployments"
    )
    action = models.CharField(max_length=8, choices=DeploymentAction.choices)
    state = models.CharField(
        max_length=16, choices=DeploymentState.choices, default=DeploymentState.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person asked to stop it; the running steps finish, the attempt rolls back.
    cancel_requested = models.BooleanField(default=False)
    # 0..100 over every host's steps.
    progress = models.PositiveSmallIntegerField(default=0)
    # {host: {"done": n, "total": m}}
    hosts = models.JSONField(default=dict, blank=True)
    # {element id: "pending" | "creating" | "up" | "failed" | "removing" | "removed"}
    elements = models.JSONField(default=dict, blank=True)
    # [{"at": iso time, "host": name or null, "level": "info" | "error", "message": text}]
    log = models.JSONField(default=list, blank=True)
    # What the periodic observation of a deployed attempt found changed on its hosts since
    # (tasks/drift.py): {"checked_at": iso time, "elements": {element id: change}, "items":
    # [{"host", "element", "object", "change", "detail"}]}, and under "chain" which chain of
    # observations is the live one. Empty until the first observation.
    drift = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One deploy or destroy at a time per topology.
            models.UniqueConstraint(
                fields=["topology"],
                condition=models.Q(state__in=ACTIVE_STATES),
                name="one_active_deployment_per_topology",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="deployment_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} of {self.topology} ({self.state})"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @staticmethod
    def active_states() -> tuple[str, ...]:
        return tuple(ACTIVE_STATES)
