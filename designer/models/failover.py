"""HA drills and HA events: the drills a person ran on an HA router (crash its master, move the
master role, cut the master's HA link for a while, fail a host, return to the design's layout),
and what its VRRP transitions added up to (failovers, switchovers, failbacks, split brains, which
end, spells with no master), each kept on the deployment attempt that was newest when it
happened."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from designer.models.deployments import Deployment


class DrillKind(models.TextChoices):
    CRASH_MASTER = "crash_master", "Crash the master"
    SWITCHOVER = "switchover", "Switchover"
    FAILBACK = "failback", "Failback"
    CUT_LINK = "cut_link", "Cut the master's HA link"
    HOST_FAILURE = "host_failure", "Fail a host"


class DrillState(models.TextChoices):
    QUEUED = "queued", "Queued"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ProbeState(models.TextChoices):
    """The drill's probe: pings from an instance behind the router to one on its far side."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class HaDrill(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="ha_drills")
    # The HA router's element id.
    router = models.CharField(max_length=48)
    kind = models.CharField(max_length=16, choices=DrillKind.choices)
    # The host the master role should move to (a switchover); empty otherwise.
    target_host = models.CharField(max_length=32, blank=True)
    # How long a cut_link drill keeps the master's HA link cut, in seconds; null otherwise.
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    # The instance it acts on: the master it kills, the switchover's target, the initial master
    # a failback returns to.
    host = models.CharField(max_length=32)
    state = models.CharField(max_length=8, choices=DrillState.choices, default=DrillState.QUEUED)
    # {host: "queued" | "done" | "failed"}: each host's part (a failback has one per instance).
    hosts = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # When it acted on the instance (the kill, the reload): what the analysis measures from.
    at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The probe pinging through the router while the drill runs: from the instance
    # `probe_source` (on `probe_host`) to `probe_address` of `probe_target`. Empty: no probe.
    probe_source = models.CharField(max_length=48, blank=True)
    probe_target = models.CharField(max_length=48, blank=True)
    probe_host = models.CharField(max_length=32, blank=True)
    probe_address = models.CharField(max_length=45, blank=True)
    probe_state = models.CharField(max_length=8, choices=ProbeState.choices, blank=True)
    probe_sent = models.PositiveIntegerField(null=True, blank=True)
    probe_received = models.PositiveIntegerField(null=True, blank=True)
    # The longest time without a reply, and when it began: the outage the drill caused.
    outage_seconds = models.FloatField(null=True, blank=True)
    outage_started_at = models.DateTimeField(null=True, blank=True)
    probe_error = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.router} ({self.state})"


class HaEventKind(models.TextChoices):
    FAILOVER = "failover", "Failover"
    SWITCHOVER = "switchover", "Switchover"
    FAILBACK = "failback", "Failback"
    SPLIT_BRAIN = "split_brain", "Split brain"
    NO_MASTER = "no_master", "No master"


class HaEvent(models.Model):
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="ha_events")
    router = models.CharField(max_length=48)
    kind = models.CharField(max_length=12, choices=HaEventKind.choices)
    # What the analysis calls it (kind, hosts, time): the same event is never kept twice.
    key = models.CharField(max_length=160)
    hosts = models.JSONField(default=list)
    from_host = models.CharField(max_length=32, blank=True)
    to_host = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField()
    since = models.DateTimeField(null=True, blank=True)
    # When a split brain ended (one master again, or none); null while it lasts.
    ended_at = models.DateTimeField(null=True, blank=True)
    no_master_seconds = models.FloatField(null=True, blank=True)
    # "left" or "last_known": where the time without a master is measured from.
    measured_from = models.CharField(max_length=12, blank=True)
    drill = models.ForeignKey(
        HaDrill, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "router", "key"], name="one_ha_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.router} at {self.at}"
