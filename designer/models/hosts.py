"""The host registry: the machines topologies are built on. Admin only."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models

from designer.spec.fields import HOST_PATTERN
from designer.validation.context import HostInfo


class HostRole(models.TextChoices):
    NETWORK = "network", "Networking node"
    COMPUTE = "compute", "Compute node"
    BOTH = "both", "Networking and compute node"


class Host(models.Model):
    name = models.CharField(
        max_length=32,
        unique=True,
        # `\Z`, not `$`: Python's `$` also matches before a final newline.
        validators=[
            RegexValidator(
                HOST_PATTERN.removesuffix("$") + r"\Z", "lower-case letters, digits and '-'"
            )
        ],
    )
    role = models.CharField(max_length=16, choices=HostRole.choices, default=HostRole.BOTH)
    underlay_address = models.GenericIPAddressField(null=True, blank=True)
    # {physical network name: interface name on this host}
    physical_networks = models.JSONField(default=dict, blank=True)
    external = models.BooleanField(default=False, help_text="Has external connectivity.")
    # In a lab fabric, the network namespace that stands for this host on the machine running
    # the fabric; empty for a real host, whose own root namespace is used.
    namespace = models.CharField(max_length=64, blank=True)
    last_heartbeat = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from designer.spec.policy import PolicyError, parse_physical_networks

        try:
            parse_physical_networks(self.physical_networks)
        except PolicyError as exc:
            raise ValidationError({"physical_networks": exc.message}) from None

    @property
    def queue(self) -> str:
        """The Celery queue this host's worker consumes."""
        return f"host.{self.name}"

    def as_context(self) -> HostInfo:
        roles = {"network", "compute"} if self.role == HostRole.BOTH else {str(self.role)}
        return HostInfo(
            name=self.name,
            roles=frozenset(roles),
            physical_networks=frozenset(self.physical_networks),
            external=self.external,
        )

    def __str__(self) -> str:
        return self.name
