"""Connectivity checks: one row per request to send real traffic between the instances of a
deployed topology (a ping, a TCP connect, or every pair of instances), with what each probe
saw, what the design predicted, and the findings where the two disagree."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from designer.models.deployments import Deployment
from designer.models.topologies import Topology


class CheckKind(models.TextChoices):
    PING = "ping", "Ping"
    TCP = "tcp", "TCP connect"
    # Every ordered pair of the deployed instances (ping, or TCP to `port` when one is given).
    MATRIX = "matrix", "Reachability matrix"


class CheckState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ConnectivityCheck(models.Model):
    topology = models.ForeignKey(Topology, on_delete=models.CASCADE, related_name="checks")
    # The deployed deployment the check ran against; None once that record is gone.
    deployment = models.ForeignKey(
        Deployment, null=True, blank=True, on_delete=models.SET_NULL, related_name="checks"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=CheckKind.choices)
    # Instance ids; None for a matrix.
    source = models.CharField(max_length=64, null=True, blank=True)
    target = models.CharField(max_length=64, null=True, blank=True)
    # The TCP port probed (tcp, or a matrix of TCP connects); None for ping.
    port = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    state = models.CharField(max_length=8, choices=CheckState.choices, default=CheckState.QUEUED)
    # {host: {"done": n, "total": m, "state": "pending" | "done" | "failed"}}: the probes each
    # host's worker sends; the last host to finish ends the check.
    hosts = models.JSONField(default=dict, blank=True)
    # [{"source", "target", "address", "protocol", "port", "reachable", "expected", "agrees",
    #   "rtt_ms", "detail", "path"}], one per probe.
    results = models.JSONField(default=list, blank=True)
    # Findings where traffic and the design disagree, shaped as validation's.
    findings = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(port__isnull=True) | models.Q(port__gte=1, port__lte=65535),
                name="connectivity_check_port_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} check of {self.topology} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (CheckState.DONE, CheckState.FAILED)
