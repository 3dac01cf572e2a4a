"""Validation: pure rules over a topology document, each returning findings with stable codes."""

from designer.validation.catalog import CODES, RULES, has_errors, validate
from designer.validation.context import DEFAULT_QUOTAS, HostInfo, ValidationContext, VlanPolicy
from designer.validation.findings import Finding, Severity

__all__ = [
    "CODES",
    "DEFAULT_QUOTAS",
    "RULES",
    "Finding",
    "HostInfo",
    "Severity",
    "ValidationContext",
    "VlanPolicy",
    "has_errors",
    "validate",
]
