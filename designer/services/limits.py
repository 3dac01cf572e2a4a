"""What an admin sets on a project: its quotas and its VLAN segmentation policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from designer.models import Project, Quota, VlanPolicy
from designer.spec.policy import parse_policy
from designer.validation import DEFAULT_QUOTAS


@transaction.atomic
def set_quota(project: Project, limits: Mapping[str, int]) -> Quota:
    """Change some of a project's caps; kinds not named keep their value."""
    unknown = set(limits) - set(DEFAULT_QUOTAS)
    if unknown:
        raise ValueError(f"not a quota: {', '.join(sorted(unknown))}")
    quota, _ = Quota.objects.select_for_update().get_or_create(project=project)
    for kind, value in limits.items():
        setattr(quota, kind, value)
    quota.full_clean()
    quota.save()
    return quota


@transaction.atomic
def set_vlan_policy(project: Project, ranges: Any, forbidden_pairs: Any) -> VlanPolicy:
    """Replace a project's policy; raises PolicyError naming the bad field, storing nothing.

    parse_policy is the whole check: the model's full_clean() would also refuse an empty
    `forbidden_pairs` or `ranges` as blank, though an empty policy is a valid one."""
    parse_policy(ranges, forbidden_pairs)
    policy, _ = VlanPolicy.objects.select_for_update().get_or_create(project=project)
    policy.ranges = ranges
    policy.forbidden_pairs = forbidden_pairs
    policy.save()
    return policy
