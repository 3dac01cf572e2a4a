"""Small builders for topology documents in tests: write only what the test is about."""

from __future__ import annotations

from typing import Any

from designer.spec import Document, parse_document
from designer.validation import Finding, ValidationContext, validate


def document(**lists: list[dict[str, Any]] | Any) -> Document:
    """`document(networks=[...], subnets=[...])`, parsed as the API would parse it."""
    return parse_document(lists)


def net(id: str, kind: str = "self_service", **fields: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "kind": kind, **fields}


def subnet(id: str, network: str, cidr: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "name": id, "network": network, "cidr": cidr, **fields}


def port(
    id: str, network: str, device: str | None = None, *ips: tuple[str, str | None]
) -> dict[str, Any]:
    """`port("p1", "net1", "vm1", ("sub1", "10.0.0.5"))`"""
    return {
        "id": id,
        "network": network,
        "device": device,
        "fixed_ips": [{"subnet": s, "ip_address": ip} for s, ip in ips],
    }


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def findings_for(
    doc: Document, code: str, context: ValidationContext | None = None
) -> list[Finding]:
    """The findings with one code, from a full validation run."""
    return [f for f in validate(doc, context) if f.code == code]
