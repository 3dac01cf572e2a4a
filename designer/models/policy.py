"""Per-project quotas and VLAN segmentation policy. Only admins change them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from designer.models.projects import Project
from designer.validation.context import DEFAULT_QUOTAS


class Quota(models.Model):
    """Neutron-style caps, counted over all of a project's topologies."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="quota")
    networks = models.PositiveIntegerField(default=DEFAULT_QUOTAS["networks"])
    subnets = models.PositiveIntegerField(default=DEFAULT_QUOTAS["subnets"])
    ports = models.PositiveIntegerField(default=DEFAULT_QUOTAS["ports"])
    routers = models.PositiveIntegerField(default=DEFAULT_QUOTAS["routers"])
    floating_ips = models.PositiveIntegerField(default=DEFAULT_QUOTAS["floating_ips"])
    instances = models.PositiveIntegerField(default=DEFAULT_QUOTAS["instances"])

    def as_limits(self) -> dict[str, int]:
        return {kind: getattr(self, kind) for kind in DEFAULT_QUOTAS}

    def __str__(self) -> str:
        return f"quota of {self.project}"


# A teaching-friendly default, after the usual split of a datacenter's VLANs.
DEFAULT_VLAN_RANGES: dict[str, list[list[int]]] = {
    "management": [[10, 19]],
    "internal": [[20, 29]],
    "storage": [[30, 39]],
    "external": [[40, 49]],
    "tenant": [[100, 3999]],
}
DEFAULT_FORBIDDEN_PAIRS: list[list[str]] = [["storage", "external"], ["management", "external"]]


def default_ranges() -> dict[str, list[list[int]]]:
    return {role: [list(r) for r in ranges] for role, ranges in DEFAULT_VLAN_RANGES.items()}


def default_forbidden() -> list[list[str]]:
    return [list(pair) for pair in DEFAULT_FORBIDDEN_PAIRS]


class VlanPolicy(models.Model):
    """Roles with their VLAN ranges, and pairs of roles that must never be routed together.

    `ranges` is `{role: [[low, high], ...]}`; `forbidden_pairs` is `[[role, role], ...]`.
    """

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="vlan_policy")
    ranges = models.JSONField(default=default_ranges, blank=True)
    forbidden_pairs = models.JSONField(default=default_forbidden, blank=True)

    class Meta:
        verbose_name = "VLAN policy"
        verbose_name_plural = "VLAN policies"

    def clean(self) -> None:
        from designer.spec.policy import PolicyError, parse_policy

        try:
            parse_policy(self.ranges, self.forbidden_pairs)
        except PolicyError as exc:
            raise ValidationError({exc.field: exc.message}) from None

    def as_context(self) -> Any:
        from designer.spec.policy import parse_policy

        return parse_policy(self.ranges, self.forbidden_pairs)

    def __str__(self) -> str:
        return f"VLAN policy of {self.project}"
