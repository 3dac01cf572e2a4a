"""The catalog of validation rules and the one entry point, `validate`.

A rule is a pure function `(index, context) -> Iterable[Finding]`, registered with `@rule`
together with every code it can emit, so the catalog of codes is complete and documented
(`GET /api/v1/validation/codes/`) and a test can check that no rule emits an undeclared code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from designer.gcpause import paused_gc
from designer.spec import Document
from designer.validation.context import ValidationContext
from designer.validation.findings import Finding, Severity
from designer.validation.index import TopologyIndex

RuleFunction = Callable[[TopologyIndex, ValidationContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    summary: str


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    area: str
    function: RuleFunction
    codes: tuple[Code, ...]


RULES: list[Rule] = []
CODES: dict[str, Code] = {}


def rule(area: str, *codes: tuple[str, Severity, str]) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule under an area (addressing, vlans, policy, ...) with the codes it emits."""

    def register(function: RuleFunction) -> RuleFunction:
        declared = tuple(Code(code, severity, summary) for code, severity, summary in codes)
        for code in declared:
            if code.code in CODES:
                raise ValueError(f"finding code {code.code} is declared twice")
            CODES[code.code] = code
        RULES.append(Rule(function.__name__, area, function, declared))
        return function

    return register


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def validate(
    document: Document | TopologyIndex, context: ValidationContext | None = None
) -> list[Finding]:
    """Run every rule; findings come back errors first, then warnings, then information."""
    from designer.validation import rules  # noqa: F401  (registers the rules)

    context = context or ValidationContext()
    findings: list[Finding] = []
    with paused_gc():
        index = document if isinstance(document, TopologyIndex) else TopologyIndex(document)
        for registered in RULES:
            findings.extend(registered.function(index, context))
        # Drop the index (and the graphs and tables it holds) while the collector is paused:
        # resumed with them still alive, it would first walk every one of them.
        del index
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
