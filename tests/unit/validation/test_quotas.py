"""Quota rules: counts over the project's topologies against its quotas."""

from __future__ import annotations

from designer.validation import ValidationContext
from designer.validation.rules.quotas import count_usage
from tests.builders import document, findings_for, net, port, subnet


def routers(*ids: str) -> list[dict[str, str]]:
    return [{"id": i} for i in ids]


def test_count_usage_counts_every_quota_kind() -> None:
    doc = document(
        networks=[net("n1"), net("n2")],
        subnets=[subnet("s1", "n1", "10.0.0.0/24")],
        routers=routers("r1"),
        instances=[{"id": "vm1"}],
        ports=[port("p1", "n1", "r1"), port("p2", "n1", "vm1")],
    )
    assert count_usage(doc) == {
        "networks": 2,
        "subnets": 1,
        "ports": 2,
        "routers": 1,
        "floating_ips": 0,
        "instances": 1,
    }


def test_more_routers_than_the_quota_is_an_error() -> None:
    doc = document(routers=routers("r1", "r2", "r3"))
    context = ValidationContext(quotas={"routers": 2, "networks": 0})
    [finding] = findings_for(doc, "quota.exceeded", context)
    assert finding.data == {"kind": "routers", "count": 3, "limit": 2}
    # The routers that do not fit are the ones to remove.
    assert finding.elements == ("r3",)
    assert "3 routers" in finding.message
    assert "quota of 2" in finding.message


def test_usage_elsewhere_counts_towards_the_quota() -> None:
    doc = document(routers=routers("r1", "r2"))
    context = ValidationContext(quotas={"routers": 3}, usage_elsewhere={"routers": 2})
    [finding] = findings_for(doc, "quota.exceeded", context)
    assert finding.data == {"kind": "routers", "count": 4, "limit": 3}
    assert finding.elements == ("r2",)


def test_usage_up_to_the_quota_is_fine() -> None:
    doc = document(routers=routers("r1", "r2"))
    at_limit = ValidationContext(quotas={"routers": 3}, usage_elsewhere={"routers": 1})
    assert findings_for(doc, "quota.exceeded", at_limit) == []


def test_quotas_are_skipped_when_unknown_or_unlimited() -> None:
    doc = document(routers=routers("r1", "r2"))
    assert findings_for(doc, "quota.exceeded") == []
    unlimited = ValidationContext(quotas={"routers": -1})
    assert findings_for(doc, "quota.exceeded", unlimited) == []
