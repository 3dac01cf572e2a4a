"""Load balancer members' health as their hosts' checkers last found it (see
`designer.services.vrrp.record_member_change`)."""

from __future__ import annotations

from django.db import models

from designer.models.deployments import Deployment


class MemberState(models.TextChoices):
    UP = "up", "Up"  # gets new connections
    DOWN = "down", "Down"  # failed `fall` checks in a row: gets none


class MemberHealth(models.Model):
    """The last change of health of one member (`instance:port`) of one load balancer, as the
    checker on `host` saw it `at`, on the deployment attempt it was recorded on."""

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="member_health"
    )
    load_balancer = models.CharField(max_length=48)
    member = models.CharField(max_length=64)
    host = models.CharField(max_length=32)
    state = models.CharField(max_length=4, choices=MemberState.choices)
    at = models.DateTimeField()

    class Meta:
        ordering = ["load_balancer", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["deployment", "load_balancer", "member"], name="one_health_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.load_balancer} {self.member}: {self.state}"
