"""Importing this package registers every rule of the catalog, one module per area."""

from designer.validation.rules import (  # noqa: F401
    addressing,
    analysis,
    docker,
    ha,
    layer2,
    loadbalancers,
    ownership,
    policy,
    quotas,
    vlans,
)
