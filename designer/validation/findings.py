"""A finding: what a validation rule reports about a topology."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"  # blocks a deploy
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule noticed. `code` is stable (clients and exercises match on it), `elements`
    are the ids involved, `message` is one plain sentence a student can act on, and `data`
    carries machine-readable detail (an analysis result, a count and its limit)."""

    code: str
    severity: Severity
    elements: tuple[str, ...]
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "elements": list(self.elements),
            "message": self.message,
            "data": self.data,
        }


def error(code: str, elements: tuple[str, ...] | list[str], message: str, **data: Any) -> Finding:
    return Finding(code, Severity.ERROR, tuple(elements), message, data)


def warning(code: str, elements: tuple[str, ...] | list[str], message: str, **data: Any) -> Finding:
    return Finding(code, Severity.WARNING, tuple(elements), message, data)


def info(code: str, elements: tuple[str, ...] | list[str], message: str, **data: Any) -> Finding:
    return Finding(code, Severity.INFO, tuple(elements), message, data)
