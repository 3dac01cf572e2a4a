"""Per-project quotas and VLAN segmentation policy. Only admins change them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from designer.models.projects import Project
from designer.validation.context import DEFAULT_QUOTAS

# Neutron's way of saying a kind has no limit.
UNLIMITED = -1


def _limit(kind: str) -> models.IntegerField[int, int]:
    return models.IntegerField(
        default=DEFAULT_QUOTAS[kind],
        validators=[MinValueValidator(UNLIMITED)],
        help_text="A count, or -1 for no limit.",
    )


class Quota(models.Model):
    """Neutron-style caps, counted over all of a project's topologies; -1 (UNLIMITED) lifts
    a kind's cap."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="quota")
    networks = _limit("networks")
    subnets = _limit("subnets")
    ports = _limit("ports")
    routers = _limit("routers")
    floating_ips = _limit("floating_ips")
    instances = _limit("instances")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{kind}__gte": UNLIMITED}), name=f"quota_{kind}_limit"
            )
            for kind in DEFAULT_QUOTAS
        ]

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
