"""The analysis of an HA router's VRRP transitions: which failovers, switchovers, failbacks,
split brains and spells without a master the reports of its instances add up to."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from designer.services.failover import (
    REPORT_ALLOWANCE,
    REPORT_DELIVERY,
    Drill,
    HaEvent,
    Report,
    Timing,
    analyse,
    initial_master,
)

# Adverts every 0.1 s, priority 100 everywhere: the master-down interval is about 0.36 s.
FAST = Timing(advert_interval=0.1)
T0 = 1_800_000_000.0


def report(host: str, state: str, at: float, order: int = 0) -> Report:
    return Report(host, state, T0 + at, (T0 + at, order))


def drill(id: int, kind: str, at: float, host: str | None, hold: float | None = None) -> Drill:
    return Drill(id, kind, T0 + at, host, hold)  # type: ignore[arg-type]


def elected() -> list[Report]:
    """Both instances start as backups; net-1 wins the election."""
    return [
        report("net-1", "backup", 0.0),
        report("net-2", "backup", 0.01),
        report("net-1", "master", 0.4),
    ]


def events(
    reports: list[Report],
    drills: Sequence[Drill] = (),
    now: float = 100.0,
) -> list[HaEvent]:
    return analyse("r1", reports, drills, FAST, T0 + now)


def kinds(found: list[HaEvent]) -> list[str]:
    return [event.kind for event in found]


def test_an_election_alone_is_no_event() -> None:
    assert events(elected()) == []


def test_a_master_that_reports_leaving_fails_over_measured_from_its_report() -> None:
    found = events([*elected(), report("net-1", "fault", 10.0), report("net-2", "master", 10.3)])
    assert kinds(found) == ["failover"]
    (failover,) = found
    assert (failover.from_host, failover.to_host) == ("net-1", "net-2")
    assert failover.router == "r1"
    assert failover.measured_from == "left"
    assert failover.since == T0 + 10.0
    assert failover.at == T0 + 10.3
    assert failover.no_master_seconds == pytest.approx(0.3)
    assert failover.drill is None


def test_reports_are_ordered_by_time_whatever_order_they_come_in() -> None:
    reports = [*elected(), report("net-1", "fault", 10.0), report("net-2", "master", 10.3)]
    assert events(list(reversed(reports))) == events(reports)


def test_a_killed_master_that_never_reported_is_measured_from_the_kill() -> None:
    found = events(
        [*elected(), report("net-2", "master", 20.35)], [drill(7, "crash_master", 20.0, "net-1")]
    )
    assert kinds(found) == ["failover"]
    (failover,) = found
    assert failover.measured_from == "last_known"
    assert failover.since == T0 + 20.0
    assert failover.no_master_seconds == pytest.approx(0.35)
    assert failover.drill == 7
    assert (failover.from_host, failover.to_host) == ("net-1", "net-2")


def test_no_master_after_the_master_down_interval() -> None:
    reports = [*elected(), report("net-1", "stop", 10.0)]
    deadline = 10.0 + FAST.settle
    # Not yet settled: the backup may still take over, or its report be on its way.
    assert events(reports, now=deadline - 0.01) == []
    assert events(reports, now=deadline + REPORT_DELIVERY - 0.01) == []
    (no_master,) = events(reports, now=deadline + REPORT_DELIVERY + 0.01)
    assert no_master.kind == "no_master"
    assert no_master.hosts == ("net-1",)
    assert no_master.since == T0 + 10.0
    assert no_master.at == pytest.approx(T0 + deadline)
    # A late takeover is still a failover, after the spell without master.
    late = events([*reports, report("net-2", "master", 12.0)])
    assert kinds(late) == ["no_master", "failover"]
    assert late[1].no_master_seconds == pytest.approx(2.0)


def test_a_takeover_within_the_interval_has_no_no_master() -> None:
    found = events([*elected(), report("net-1", "stop", 10.0), report("net-2", "master", 10.36)])
    assert kinds(found) == ["failover"]


def test_two_masters_at_once_is_a_split_brain() -> None:
    reports = [*elected(), report("net-2", "master", 30.0)]
    assert events(reports, now=30.0 + FAST.settle + REPORT_DELIVERY - 0.01) == []
    (split,) = events(reports, now=32.0)
    assert split.kind == "split_brain"
    assert split.hosts == ("net-1", "net-2")
    assert split.since == T0 + 30.0


def test_a_master_stepping_down_at_once_is_a_handover_not_a_split_brain() -> None:
    # net-2 preempts (a higher priority) and net-1 steps down a moment later.
    found = events([*elected(), report("net-2", "master", 30.0), report("net-1", "backup", 30.02)])
    assert kinds(found) == ["failover"]
    assert found[0].no_master_seconds == 0.0
    assert found[0].measured_from == "left"


def test_a_switchover_drill_makes_the_move_a_switchover() -> None:
    reports = [*elected(), report("net-2", "master", 40.1), report("net-1", "backup", 40.12)]
    found = events(reports, [drill(3, "switchover", 40.0, "net-2")])
    assert kinds(found) == ["switchover"]
    assert found[0].drill == 3
    assert (found[0].from_host, found[0].to_host) == ("net-1", "net-2")


def test_a_switchover_drill_to_another_host_does_not_count() -> None:
    reports = [*elected(), report("net-2", "master", 40.1), report("net-1", "backup", 40.12)]
    assert kinds(events(reports, [drill(3, "switchover", 40.0, "net-3")])) == ["failover"]


def test_an_old_drill_does_not_count() -> None:
    reports = [*elected(), report("net-2", "master", 90.0), report("net-1", "backup", 90.01)]
    assert kinds(events(reports, [drill(3, "switchover", 40.0, "net-2")])) == ["failover"]


def test_returning_to_the_initial_master_is_a_failback() -> None:
    reports = [
        *elected(),
        report("net-2", "master", 40.1),
        report("net-1", "backup", 40.12),
        report("net-1", "master", 50.1),
        report("net-2", "backup", 50.11),
    ]
    drills = [drill(3, "switchover", 40.0, "net-2"), drill(4, "failback", 50.0, "net-1")]
    found = events(reports, drills)
    assert kinds(found) == ["switchover", "failback"]
    assert found[1].drill == 4
    assert (found[1].from_host, found[1].to_host) == ("net-2", "net-1")
    # The same return without a drill is a failback all the same.
    assert kinds(events(reports, drills[:1])) == ["switchover", "failback"]
    assert events(reports, drills[:1])[1].drill is None


def test_the_initial_master_is_the_first_to_report_master_in_the_analysis_order() -> None:
    assert initial_master([report("net-1", "backup", 0.0)]) is None
    later_first = [report("net-2", "master", 5.0), *elected()]
    assert initial_master(later_first) == "net-1"
    # At one time, the reports' order breaks the tie, as it does in the analysis.
    tied = [report("net-2", "master", 1.0, order=2), report("net-1", "master", 1.0, order=1)]
    assert initial_master(tied) == "net-1"


def test_a_crash_back_onto_the_initial_master_is_a_failover() -> None:
    reports = [
        *elected(),
        report("net-2", "master", 40.1),
        report("net-1", "backup", 40.12),
        report("net-1", "master", 60.35),
    ]
    drills = [drill(3, "switchover", 40.0, "net-2"), drill(5, "crash_master", 60.0, "net-2")]
    found = events(reports, drills)
    assert kinds(found) == ["switchover", "failover"]
    assert found[1].drill == 5
    assert found[1].measured_from == "last_known"


def test_a_killed_instance_coming_back_as_backup_changes_nothing() -> None:
    reports = [*elected(), report("net-2", "master", 20.35), report("net-1", "backup", 25.0)]
    found = events(reports, [drill(7, "crash_master", 20.0, "net-1")])
    assert kinds(found) == ["failover"]


def test_the_analysis_is_stable_as_reports_arrive() -> None:
    reports = [
        *elected(),
        report("net-1", "stop", 10.0),
        report("net-2", "master", 11.0),
        report("net-1", "backup", 12.0),
        report("net-1", "master", 20.0),
    ]
    seen: dict[str, HaEvent] = {}
    for count in range(1, len(reports) + 1):
        now = reports[count - 1].at - T0 + REPORT_ALLOWANCE
        for event in events(reports[:count], now=now):
            assert seen.setdefault(event.key, event) == event
    assert [e.kind for e in events(reports)] == ["no_master", "failover", "split_brain"]


def test_the_master_down_interval_follows_the_advert_interval_and_priority() -> None:
    assert Timing(1.0, 100).master_down == pytest.approx(3 + 156 / 256)
    assert Timing(0.1, 254).master_down == pytest.approx(0.3 + 0.2 / 256)


def test_a_killed_master_that_reports_leaving_is_measured_from_its_report() -> None:
    reports = [*elected(), report("net-1", "stop", 20.02), report("net-2", "master", 20.35)]
    (failover,) = events(reports, [drill(7, "crash_master", 20.0, "net-1")])
    assert failover.kind == "failover"
    assert failover.measured_from == "left"
    assert failover.since == T0 + 20.02
    assert failover.drill == 7


def test_a_split_brain_ends_when_one_of_its_masters_lets_go() -> None:
    reports = [*elected(), report("net-2", "master", 30.0)]
    (open_split,) = events(reports, now=32.0)
    assert open_split.ended_at is None
    (ended,) = events([*reports, report("net-2", "backup", 35.0)], now=40.0)
    assert ended.kind == "split_brain"
    assert ended.ended_at == T0 + 35.0
    # The same split brain, found again: its key does not change as it ends.
    assert ended.key == open_split.key
    assert ended.since == open_split.since


def test_a_second_master_while_the_link_is_cut_is_a_split_brain_at_once() -> None:
    cut = drill(4, "cut_link", 30.0, "net-1", hold=5.0)
    reports = [*elected(), report("net-2", "master", 30.4)]
    # Known as soon as the report is in: the cut master cannot hear the other one.
    (split,) = events(reports, [cut], now=30.41)
    assert split.kind == "split_brain"
    assert split.hosts == ("net-1", "net-2")
    assert split.drill == 4
    assert split.ended_at is None
    # Mended: the lower priority instance hears the other's adverts and steps back.
    mended = [*reports, report("net-2", "backup", 35.05)]
    (ended,) = events(mended, [cut], now=35.1)
    assert ended.key == split.key
    assert ended.ended_at == T0 + 35.05
    assert events(mended, [cut]) == [ended]


def test_a_second_master_after_the_cut_was_mended_is_no_cut_split_brain() -> None:
    # The failback mended the link at 32; a second master at 33 is a handover as usual.
    drills = [drill(4, "cut_link", 30.0, "net-1", hold=60.0), drill(5, "failback", 32.0, "net-1")]
    reports = [*elected(), report("net-2", "master", 33.0), report("net-1", "backup", 33.02)]
    assert kinds(events(reports, drills)) == ["failover"]


def test_a_cut_of_another_host_does_not_count() -> None:
    cut = drill(4, "cut_link", 30.0, "net-3", hold=5.0)
    reports = [*elected(), report("net-2", "master", 30.4), report("net-1", "backup", 30.42)]
    assert kinds(events(reports, [cut])) == ["failover"]


def test_a_host_failure_on_the_masters_host_is_a_crash() -> None:
    found = events(
        [*elected(), report("net-2", "master", 20.35)], [drill(8, "host_failure", 20.0, "net-1")]
    )
    (failover,) = found
    assert failover.kind == "failover"
    assert failover.measured_from == "last_known"
    assert failover.since == T0 + 20.0
    assert failover.drill == 8


def test_a_host_failure_elsewhere_moves_nothing() -> None:
    found = events(elected(), [drill(8, "host_failure", 20.0, "compute-1")])
    assert found == []


def test_a_crash_ends_a_split_brain() -> None:
    reports = [*elected(), report("net-2", "master", 30.0)]
    (split,) = events(reports, [drill(9, "crash_master", 40.0, "net-2")], now=45.0)
    assert split.ended_at == T0 + 40.0


def test_an_instance_a_drill_killed_holds_no_role_until_it_reports_again() -> None:
    from designer.services.drills import live_states

    reports = [*elected(), report("net-2", "master", 2.0)]
    crashed = [drill(1, "crash_master", 1.0, "net-1")]
    # network-1 last said MASTER, but it was killed after that: network-2 alone is master.
    assert live_states(reports, crashed) == {"net-1": "killed", "net-2": "master"}
    # Started again, it reports, and counts once more.
    again = [*reports, report("net-1", "backup", 3.0)]
    assert live_states(again, crashed) == {"net-1": "backup", "net-2": "master"}
    # A switchover kills nothing.
    assert live_states(reports, [drill(2, "switchover", 1.0, "net-2")])["net-1"] == "master"
