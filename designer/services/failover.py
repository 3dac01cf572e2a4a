"""What an HA router's VRRP transitions mean: failovers, switchovers, failbacks, split brains and
spells with no master, derived from the reports of all its instances and the drills a person ran.

Pure: `analyse` takes the reports in any order and the time it is asked at, and returns every
event settled by then (allowing for reports still on their way), each with a stable `key`, so
running it again as more reports arrive gives the same events plus the new ones. The rules:

- The *initial master* is the first instance to report MASTER.
- A new master while no instance is master ends a spell with no master that began when the old
  master reported leaving MASTER (`measured_from` "left"), or, when a drill killed it and it never
  reported, at the kill: the last moment it was known master (`measured_from` "last_known").
- A new master while the old one still reports MASTER is a handover if the old one reports
  leaving within the settle window (no time without a master); if it does not, two instances
  are MASTER at once: a split brain. While a `cut_link` drill holds one of them off the HA
  network (from the cut until its hold is over or a failback mends it), neither can hear the
  other, so a second master is a split brain at once. A split brain ends (`ended_at`) when one
  of its instances leaves MASTER (or is killed); until then it is open.
- A drill that kills an instance as a crash would (`crash_master`, `host_failure` on the
  master's host) stands for the report its victim never sent.
- A move of the master role is a `switchover` when a switchover drill to that host preceded it,
  a `failback` when it returns to the initial master (and no crash caused it), a `failover`
  otherwise.
- No instance MASTER for longer than the master-down interval (advert interval x 3 + skew, plus
  the moment a report takes to be stamped) after the router had one is `no_master`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

EventKind = Literal["failover", "switchover", "failback", "split_brain", "no_master"]
DrillKind = Literal["crash_master", "switchover", "failback", "cut_link", "host_failure"]
MeasuredFrom = Literal["left", "last_known"]

# keepalived's notify program is a new Python process: it stamps a transition this much after
# keepalived made it, at most, on a loaded machine.
REPORT_ALLOWANCE = 0.25
# Drills that kill the keepalived they act on without letting it report.
CRASHES: tuple[DrillKind, ...] = ("crash_master", "host_failure")
# A report reaches the analysis this long after it was stamped, at most: what happened
# later than `now` less this may not all be known yet, so nothing about it is settled.
REPORT_DELIVERY = 1.0
# A move of the master role counts as a drill's when it follows the drill this soon (seconds),
# or within two settle windows when those are longer.
DRILL_REACH = 5.0


@dataclass(frozen=True)
class Report:
    """One instance's reported VRRP transition: `at` in seconds since the epoch, `order`
    breaking ties (the host's monotonic clock, then the record's id)."""

    host: str
    state: str
    at: float
    order: tuple[float, int] = (0.0, 0)


@dataclass(frozen=True)
class Drill:
    """A drill as run: `at` when it acted (the kill, the reload, the cut); `host` the instance
    it acted on (crash_master: the master it killed; switchover: the target; failback: the
    initial master; cut_link: the master cut off the HA network; host_failure: the host whose
    instances it killed). `hold` is how long a cut_link keeps the link cut (seconds)."""

    id: int
    kind: DrillKind
    at: float
    host: str | None
    hold: float | None = None


@dataclass(frozen=True)
class Timing:
    advert_interval: float
    # The lowest priority among the router's instances: its skew is the longest.
    lowest_priority: int = 100

    @property
    def master_down(self) -> float:
        """VRRPv3's master-down interval of the slowest backup: 3 adverts plus its skew."""
        skew = (256 - self.lowest_priority) * self.advert_interval / 256
        return 3 * self.advert_interval + skew

    @property
    def settle(self) -> float:
        return self.master_down + REPORT_ALLOWANCE


@dataclass(frozen=True)
class HaEvent:
    kind: EventKind
    router: str
    # When it happened: the new master's MASTER transition; the start of a split brain; the
    # moment a router without master passed its master-down interval.
    at: float
    hosts: tuple[str, ...]
    from_host: str | None = None
    to_host: str | None = None
    # When the router lost its master (failover and the like, no_master), or began to have
    # two (split_brain).
    since: float | None = None
    no_master_seconds: float | None = None
    measured_from: MeasuredFrom | None = None
    drill: int | None = None
    # When a split brain ended; None while it lasts. Not part of the key: the same split brain
    # is found again, ended, once one of its instances lets go.
    ended_at: float | None = None

    @property
    def key(self) -> str:
        """Stable across runs of the analysis: what happened, to whom, when (microseconds)."""
        hosts = ",".join(self.hosts)
        return f"{self.kind}:{hosts}:{round(self.at * 1_000_000)}"


@dataclass
class _Outage:
    host: str
    since: float
    measured_from: MeasuredFrom
    crashed: bool
    reported: bool = False


@dataclass
class _Handover:
    old: str
    new: str
    at: float


@dataclass
class _Analysis:
    router: str
    timing: Timing
    drills: list[Drill]
    events: list[HaEvent] = field(default_factory=list)
    masters: dict[str, float] = field(default_factory=dict)
    initial: str | None = None
    outage: _Outage | None = None
    handovers: list[_Handover] = field(default_factory=list)
    used_drills: set[int] = field(default_factory=set)
    # Open split brains: the index of their event -> their two hosts.
    splits: dict[int, tuple[str, str]] = field(default_factory=dict)

    def settle_until(self, now: float) -> None:
        """Settle what became certain before `now`: split brains, spells with no master."""
        for handover in list(self.handovers):
            if handover.at + self.timing.settle < now:
                self.handovers.remove(handover)
                if handover.old in self.masters and handover.new in self.masters:
                    self.split(handover.old, handover.new, handover.at)
        outage = self.outage
        if outage is not None and not outage.reported:
            deadline = outage.since + self.timing.settle
            if deadline < now:
                outage.reported = True
                self.events.append(
                    HaEvent(
                        "no_master",
                        self.router,
                        at=deadline,
                        hosts=(outage.host,),
                        from_host=outage.host,
                        since=outage.since,
                        measured_from=outage.measured_from,
                    )
                )

    def split(self, old: str, new: str, at: float, drill: int | None = None) -> None:
        self.splits[len(self.events)] = (old, new)
        self.events.append(
            HaEvent(
                "split_brain",
                self.router,
                at=at,
                hosts=(old, new),
                from_host=old,
                to_host=new,
                since=at,
                drill=drill,
            )
        )

    def master(self, host: str, at: float) -> None:
        if host in self.masters:
            return
        others = [other for other in self.masters if other != host]
        self.masters[host] = at
        if self.initial is None:
            self.initial = host
        if others:
            for other in others:
                cut = self._cut(other, host, at)
                if cut is not None:
                    self.split(other, host, at, drill=cut)
                else:
                    self.handovers.append(_Handover(other, host, at))
            return
        outage, self.outage = self.outage, None
        if outage is not None and outage.host != host:
            self.move(
                outage.host,
                host,
                at,
                since=outage.since,
                measured_from=outage.measured_from,
                crashed=outage.crashed,
            )

    def left(self, host: str, at: float, measured_from: MeasuredFrom, crashed: bool) -> None:
        if host not in self.masters:
            outage = self.outage
            if (
                measured_from == "left"
                and outage is not None
                and outage.host == host
                and outage.measured_from == "last_known"
                and at - outage.since <= self.timing.settle
            ):
                # The killed master reported leaving after all: measure from its report.
                outage.since, outage.measured_from = at, "left"
            return
        del self.masters[host]
        for index, hosts in list(self.splits.items()):
            if host in hosts:
                del self.splits[index]
                self.events[index] = replace(self.events[index], ended_at=at)
        taken_over = [h for h in self.handovers if h.old == host]
        for handover in taken_over:
            self.handovers.remove(handover)
            self.move(
                host,
                handover.new,
                handover.at,
                since=min(at, handover.at),
                measured_from=measured_from,
                crashed=crashed,
            )
        # An instance that stops being master before the old one lets go takes back nothing.
        self.handovers = [h for h in self.handovers if h.new != host]
        if not self.masters:
            self.outage = _Outage(host, at, measured_from, crashed)

    def move(
        self,
        old: str,
        new: str,
        at: float,
        since: float,
        measured_from: MeasuredFrom,
        crashed: bool,
    ) -> None:
        kind: EventKind = "failover"
        drill = self._drill_before(at, CRASHES) if crashed else None
        if not crashed:
            asked = self._drill_before(at, "switchover", new)
            if asked is not None:
                kind, drill = "switchover", asked
            elif new == self.initial:
                kind, drill = "failback", self._drill_before(at, "failback")
        if drill is not None:
            self.used_drills.add(drill)
        self.events.append(
            HaEvent(
                kind,
                self.router,
                at=at,
                hosts=(old, new),
                from_host=old,
                to_host=new,
                since=since,
                no_master_seconds=max(0.0, at - since),
                measured_from=measured_from,
                drill=drill,
            )
        )

    def _cut(self, one: str, other: str, at: float) -> int | None:
        """The cut_link drill holding `one` or `other` off the HA network at `at`, if any: from
        the cut until its hold is over or a failback came first."""
        for drill in self.drills:
            if drill.kind != "cut_link" or drill.host not in (one, other) or drill.at > at:
                continue
            end = drill.at + (drill.hold or 0.0)
            mended = [d.at for d in self.drills if d.kind == "failback" and d.at >= drill.at]
            if at <= min([end, *mended]) + REPORT_ALLOWANCE:
                return drill.id
        return None

    def _drill_before(
        self, at: float, kinds: DrillKind | tuple[DrillKind, ...], host: str | None = None
    ) -> int | None:
        """The latest unused drill of `kinds` (on `host`, if given) shortly before `at`."""
        wanted = (kinds,) if isinstance(kinds, str) else kinds
        reach = max(DRILL_REACH, 2 * self.timing.settle)
        for drill in sorted(self.drills, key=lambda d: d.at, reverse=True):
            if drill.kind not in wanted or drill.id in self.used_drills:
                continue
            if host is not None and drill.host != host:
                continue
            if drill.at <= at + REPORT_ALLOWANCE and at - drill.at <= reach:
                return drill.id
        return None


def initial_master(reports: Iterable[Report]) -> str | None:
    """The host of the first instance to report MASTER (see the module's definitions), as
    `analyse` orders reports; None while none has."""
    masters = [report for report in reports if report.state == "master"]
    if not masters:
        return None
    return min(masters, key=lambda report: (report.at, report.order)).host


def analyse(
    router: str,
    reports: Iterable[Report],
    drills: Iterable[Drill],
    timing: Timing,
    now: float,
) -> list[HaEvent]:
    """Every event of `router` settled by `now`, in the order they happened."""
    drill_list = sorted(drills, key=lambda d: (d.at, d.id))
    analysis = _Analysis(router, timing, drill_list)
    # A crash drill stands for the report its victim never sent: it was master until the kill.
    timeline: list[tuple[float, tuple[float, int], int, Report | Drill]] = [
        (report.at, report.order, 1, report) for report in reports
    ]
    timeline += [(d.at, (0.0, d.id), 0, d) for d in drill_list if d.kind in CRASHES]
    timeline.sort(key=lambda item: item[:3])
    for at, _, _, item in timeline:
        analysis.settle_until(at)
        if isinstance(item, Drill):
            if item.host is not None:
                analysis.left(item.host, at, "last_known", crashed=True)
        elif item.state == "master":
            analysis.master(item.host, at)
        else:
            analysis.left(item.host, at, "left", crashed=False)
    analysis.settle_until(now - REPORT_DELIVERY)
    return sorted(analysis.events, key=lambda event: (event.at, event.key))
