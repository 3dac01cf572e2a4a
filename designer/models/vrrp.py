"""VRRP transitions of HA router instances: each state change keepalived reported on a host,
recorded on the deployment that made the instance, in the order the host saw them."""

from __future__ import annotations

from django.db import models

from designer.models.deployments import Deployment


class VrrpState(models.TextChoices):
    MASTER = "master", "Master"
    BACKUP = "backup", "Backup"
    FAULT = "fault", "Fault"
    # keepalived stopped: the instance holds nothing and takes no part in the election.
    STOP = "stop", "Stopped"


class VrrpTransition(models.Model):
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="vrrp_transitions"
    )
    # The HA router's element id, and the host of the instance that changed.
    router = models.CharField(max_length=48)
    host = models.CharField(max_length=32)
    # The instance's namespace (a kernel name).
    namespace = models.CharField(max_length=64)
    # Empty for the first state the instance reported.
    old_state = models.CharField(max_length=8, choices=VrrpState.choices, blank=True)
    new_state = models.CharField(max_length=8, choices=VrrpState.choices)
    # When the host saw it: its wall clock, and its monotonic clock, which orders one host's
    # transitions even when they arrive out of order.
    at = models.DateTimeField()
    monotonic = models.FloatField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deployment", "router", "host", "monotonic"])]

    def __str__(self) -> str:
        return f"{self.router} on {self.host}: {self.old_state or '-'} -> {self.new_state}"
