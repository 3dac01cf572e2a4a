"""The probe of an HA drill: an instance behind the router pings one on its far side while the
drill runs, so the outage the drill caused is measured where traffic goes, not only in what
VRRP reported.

Choosing (`choose`, pure): the source is an instance with a namespace and an address on a
subnet the router has an interface on; the target an instance with a namespace whose address,
the one the source would use, is on another of the router's subnets or on its external
network, with the router on the predicted path. Instances on networking nodes come last as
sources, and targets on the external side first. With no instance across the router, the
probe pings the router's external gateway address, which its master holds.

Running (`start_probe`, on the worker of the source's host): the task opens a raw ICMP socket
inside the source's namespace and hands it to a thread, so the worker (one thread in the
embedded mode, one process per host otherwise) stays free for the drill's own tasks. The
thread sends an echo request every 20 ms, has the kernel timestamp each reply
(SO_TIMESTAMPNS), and says it has started once the first reply came (or a second passed
without one): the drill acts only then. It stops once the drill has finished, the router's
settle window after its act has passed and replies have come steadily for a second again, or
after 15 s, and records what it sent and received and the longest time without a reply.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import logging
import os
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DatabaseError, connections

from designer.models import HaDrill, Host
from designer.models.failover import ProbeState
from tasks.app import app
from tasks.base import NetloomTask
from tasks.connectivity import Design
from tasks.drivers.netns import entered

logger = logging.getLogger(__name__)

# One echo request every INTERVAL seconds.
INTERVAL = 0.02
# A silence longer than this is a break in the replies, not jitter.
GAP_LIMIT = 0.1
# Replies must have come without a break this long, after the drill, before the probe stops.
STEADY_SECONDS = 1.0
# The probe says it has started at its first reply, or after this long without one.
FIRST_REPLY_SECONDS = 1.0
# It never runs longer than this.
CAP_SECONDS = 15.0
# How often the probe reads the drill's progress.
WATCH_SECONDS = 0.05
# A drill waits this long for its probe to start, then goes ahead without it.
START_SECONDS = 5.0
# Linux's SO_TIMESTAMPNS (asm-generic, as on x86-64 and arm64); the standard library has no
# name for it. Its control message carries a struct timespec.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")


class ProbeError(Exception):
    pass


class ProbeChoiceError(Exception):
    """A probe source or target a request named cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ProbeChoice:
    source: str
    target: str
    # The source's host and namespace, and the target's address the echo requests go to.
    host: str
    namespace: str
    address: str


# --- choosing --------------------------------------------------------------------------------


def router_sides(design: Design, router: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the subnets the router has an interface on, the other subnets of its external
    network)."""
    index = design.index
    behind = frozenset(i.subnet_id for i in index.router_interfaces.get(router, ()))
    gateway = index.routers[router].external_gateway
    external = frozenset(
        s.id for s in index.document.subnets if gateway is not None and s.network == gateway.network
    )
    return behind, external - behind


def _behind(design: Design, instance: str, behind: frozenset[str]) -> list[tuple[str, str]]:
    return [(s, a) for s, a in design.endpoints[instance].addresses if s in behind]


def _across(
    design: Design,
    router: str,
    source: str,
    target: str,
    sides: tuple[frozenset[str], frozenset[str]],
) -> tuple[str, str] | None:
    """(subnet, address) of `target` that a ping from `source` reaches through `router`, or
    None when none does."""
    behind, external = sides
    own = _behind(design, source, behind)
    if source == target or not own or design.problem(target, as_target=True) is not None:
        return None
    chosen = design.target_address(source, target)
    if chosen is None:
        return None
    subnet, address = chosen
    if subnet not in behind | external:
        return None
    if subnet in {s for s, _ in design.endpoints[source].addresses}:
        return None  # the source reaches it without the router
    version = ipaddress.ip_address(address).version
    if not any(ipaddress.ip_address(a).version == version for _, a in own):
        return None
    if not design.reaches(source, target) or router not in design.path(source, target, subnet):
        return None
    return chosen


def _sources(design: Design, behind: frozenset[str]) -> list[str]:
    """Instances with a namespace and an address behind the router; those on networking nodes
    (where the router's own instances run) last."""
    roles = {host.name: host.role for host in design.hosts}
    found = [
        i for i in design.checkable() if design.problem(i) is None and _behind(design, i, behind)
    ]
    return sorted(found, key=lambda i: roles.get(design.endpoints[i].host or "") == "network")


def choose(
    design: Design, router: str, source: str | None = None, target: str | None = None
) -> ProbeChoice | None:
    """The probe of a drill on `router`: the instances named, or chosen where None. None when
    nothing was named and no pair crosses the router. Raises ProbeChoiceError naming the
    field when a named instance cannot be used."""
    sides = router_sides(design, router)
    if source is not None:
        problem = design.problem(source)
        if problem is not None:
            raise ProbeChoiceError("probe_source", problem)
        if not _behind(design, source, sides[0]):
            raise ProbeChoiceError(
                "probe_source",
                f"has no address on a subnet of router {router}: the probe pings through the "
                "router from an instance on one of its subnets",
            )
    if target is not None:
        problem = design.problem(target, as_target=True)
        if problem is not None:
            raise ProbeChoiceError("probe_target", problem)
        if target == source:
            raise ProbeChoiceError("probe_target", "must be another instance than probe_source")
    pairs = []
    for one in [source] if source is not None else _sources(design, sides[0]):
        for other in [target] if target is not None else design.checkable():
            found = _across(design, router, one, other, sides)
            if found is not None:
                pairs.append((found[0] not in sides[1], one, other, found[1]))
    if not pairs:
        if target is not None:
            side = f" from {source}" if source is not None else ""
            raise ProbeChoiceError(
                "probe_target",
                f"is not on the far side of router {router}{side}: aim at an instance on "
                "another of its subnets or on its external network",
            )
        if source is not None:
            raise ProbeChoiceError(
                "probe_source",
                f"reaches no instance on the far side of router {router}: name one in probe_target",
            )
        return _to_gateway(design, router, sides)
    # The external side first, then the order found (sources, then targets, in order).
    _, one, other, address = min(pairs, key=lambda pair: pair[0])
    endpoint = design.endpoints[one]
    assert endpoint.host is not None
    assert endpoint.namespace is not None
    return ProbeChoice(one, other, endpoint.host, endpoint.namespace, address)


def _gateway_target(router: str) -> str:
    """How a probe of the router's gateway address names its target."""
    return f"{router} gateway"[:48]


def _to_gateway(
    design: Design, router: str, sides: tuple[frozenset[str], frozenset[str]]
) -> ProbeChoice | None:
    """With no instance across the router: a probe from an instance behind it to the router's
    external gateway address, which the master holds (a virtual address that moves with the
    role), so the outage is still measured through the router's master."""
    gateway = design.index.routers[router].external_gateway
    fixed = [f.ip_address for f in (gateway.fixed_ips if gateway else ()) if f.ip_address]
    for one in _sources(design, sides[0]):
        endpoint = design.endpoints[one]
        versions = {ipaddress.ip_address(a).version for _, a in _behind(design, one, sides[0])}
        address = next((a for a in fixed if ipaddress.ip_address(a).version in versions), None)
        if address is not None and endpoint.host is not None and endpoint.namespace is not None:
            target = _gateway_target(router)
            return ProbeChoice(one, target, endpoint.host, endpoint.namespace, address)
    return None


# --- echo ------------------------------------------------------------------------------------


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


class Echo:
    """ICMP echo from a raw socket opened inside a namespace (it stays bound there): requests
    out, the replies from the target to this probe's identifier back, each with the time the
    kernel received it."""

    def __init__(self, namespace: str, address: str, ident: int) -> None:
        self.address = ipaddress.ip_address(address)
        self.v6 = self.address.version == 6
        self.ident = ident & 0xFFFF
        family, protocol = (
            (socket.AF_INET6, socket.IPPROTO_ICMPV6) if self.v6 else (socket.AF_INET, 1)
        )
        with entered(namespace):
            self.sock = socket.socket(family, socket.SOCK_RAW, protocol)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self.sock.setblocking(False)
        except OSError:
            self.sock.close()
            raise

    def close(self) -> None:
        self.sock.close()

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, sequence: int) -> None:
        kind = 128 if self.v6 else 8
        payload = b"netloom-drill-probe"
        header = struct.pack("!BBHHH", kind, 0, 0, self.ident, sequence & 0xFFFF)
        if not self.v6:  # the kernel sums ICMPv6 itself
            header = struct.pack(
                "!BBHHH", kind, 0, _checksum(header + payload), self.ident, sequence & 0xFFFF
            )
        # No route for the moment: a request lost like any other.
        with contextlib.suppress(OSError):
            self.sock.sendto(header + payload, (str(self.address), 0))

    def replies(self) -> list[tuple[int, float]]:
        """(sequence, when it arrived) of each reply waiting on the socket."""
        found: list[tuple[int, float]] = []
        while True:
            try:
                data, ancillary, _, sender = self.sock.recvmsg(2048, 64)
            except (BlockingIOError, InterruptedError):
                return found
            arrived = time.time()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(value)
                    arrived = seconds + nanoseconds / 1e9
            if not self.v6:
                data = data[(data[0] & 0x0F) * 4 :] if data else data
            if len(data) < 8 or ipaddress.ip_address(sender[0].split("%")[0]) != self.address:
                continue
            kind, _, _, ident, sequence = struct.unpack_from("!BBHHH", data)
            if kind == (129 if self.v6 else 0) and ident == self.ident:
                found.append((sequence, arrived))


# --- running ---------------------------------------------------------------------------------


@dataclass
class DrillProgress:
    """What the probe last read of its drill."""

    at: float | None = None
    finished_at: float | None = None
    gone: bool = False


class Watcher(threading.Thread):
    """Reads the drill's progress from the database every WATCH_SECONDS, so the thread sending
    echo requests never waits on the database."""

    def __init__(self, drill_id: int) -> None:
        super().__init__(name=f"drill-probe-watch-{drill_id}", daemon=True)
        self.drill_id = drill_id
        self.progress = DrillProgress()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(WATCH_SECONDS):
                try:
                    row = (
                        HaDrill.objects.filter(pk=self.drill_id)
                        .values_list("at", "finished_at")
                        .first()
                    )
                except DatabaseError as exc:
                    logger.warning("drill %s: probe cannot read the drill: %s", self.drill_id, exc)
                    continue
                if row is None:
                    self.progress = DrillProgress(gone=True)
                    return
                at, finished_at = row
                self.progress = DrillProgress(
                    at.timestamp() if at else None,
                    finished_at.timestamp() if finished_at else None,
                )
        finally:
            connections.close_all()


@dataclass
class Outcome:
    sent: int
    received: int
    longest_gap: float
    gap_started_at: float
    note: str = ""


class Prober(threading.Thread):
    """Sends the echo requests and gathers the replies until the drill's effect is over."""

    def __init__(self, drill_id: int, echo: Echo, settle: float) -> None:
        super().__init__(name=f"drill-probe-{drill_id}", daemon=True)
        self.drill_id = drill_id
        self.echo = echo
        self.settle = settle
        self.watcher = Watcher(drill_id)
        self.replies: list[float] = []
        self.steady_since: float | None = None

    def run(self) -> None:
        self.watcher.start()
        try:
            outcome = self.probe()
        except Exception as exc:  # the probe's failure is its result, never the worker's
            logger.exception("drill %s: probe failed", self.drill_id)
            probe_failed(self.drill_id, f"the probe stopped: {exc}")
        else:
            probe_finished(self.drill_id, outcome)
        finally:
            self.watcher.stopping.set()
            self.echo.close()
            connections.close_all()

    def probe(self) -> Outcome:
        started = time.time()
        next_send = started
        sequence = 0
        replied: set[int] = set()
        said_started = False
        while True:
            now = time.time()
            if now >= next_send:
                self.echo.send(sequence)
                sequence += 1
                next_send += INTERVAL
                if next_send < now:  # fell behind: carry on from now, never in a burst
                    next_send = now + INTERVAL
            for number, arrived in self.echo.replies():
                if number < sequence and number not in replied:
                    replied.add(number)
                    self._reply(arrived)
            if not said_started and (self.replies or now - started >= FIRST_REPLY_SECONDS):
                said_started = True
                probe_running(self.drill_id)
            note = self._stop(now, started)
            if note is not None:
                break
            select.select([self.echo], [], [], max(0.0, next_send - time.time()))
        ended = time.time()
        # The replies still on their way are let in, so only requests lost count as lost.
        while time.time() < ended + GAP_LIMIT and len(replied) < sequence:
            select.select([self.echo], [], [], GAP_LIMIT / 10)
            replied.update(n for n, _ in self.echo.replies() if n < sequence)
        marks = [started, *sorted(self.replies), ended]
        longest, began = max(
            (later - earlier, earlier) for earlier, later in itertools.pairwise(marks)
        )
        return Outcome(sequence, len(replied), longest, began, note)

    def _reply(self, arrived: float) -> None:
        if self.steady_since is None or arrived - self.replies[-1] > GAP_LIMIT:
            self.steady_since = arrived
        self.replies.append(arrived)

    def _stop(self, now: float, started: float) -> str | None:
        """None while the probe goes on; why it stops (empty: as planned) otherwise."""
        if now - started >= CAP_SECONDS:
            return f"stopped after {CAP_SECONDS:g} s, before replies were steady again"
        progress = self.watcher.progress
        if progress.gone:
            return "the drill was deleted"
        if progress.finished_at is None:
            return None
        ready = progress.finished_at
        if progress.at is not None:
            ready = max(ready, progress.at + self.settle)
        steady = (
            self.steady_since is not None
            and now - self.replies[-1] <= GAP_LIMIT
            and now - self.steady_since >= STEADY_SECONDS
        )
        return "" if now >= ready and steady else None


def probe_running(drill_id: int) -> None:
    HaDrill.objects.filter(pk=drill_id, probe_state=ProbeState.QUEUED).update(
        probe_state=ProbeState.RUNNING
    )


def probe_finished(drill_id: int, outcome: Outcome) -> None:
    from designer.services.drills import publish_drill

    HaDrill.objects.filter(pk=drill_id).update(
        probe_state=ProbeState.DONE,
        probe_sent=outcome.sent,
        probe_received=outcome.received,
        outage_seconds=round(outcome.longest_gap, 4),
        outage_started_at=datetime.fromtimestamp(outcome.gap_started_at, tz=UTC),
        probe_error=outcome.note,
    )
    publish_drill(drill_id)


def probe_failed(drill_id: int, error: str) -> None:
    from designer.services.drills import publish_drill

    HaDrill.objects.filter(pk=drill_id).update(probe_state=ProbeState.FAILED, probe_error=error)
    publish_drill(drill_id)


def probe_pending(drill: HaDrill) -> bool:
    """Whether the drill should wait for its probe to start. Once START_SECONDS have passed
    since it was asked for, the drill goes ahead, and the probe is given up."""
    if drill.probe_state != ProbeState.QUEUED:
        return False
    if time.time() - drill.requested_at.timestamp() < START_SECONDS:
        return True
    from designer.services.drills import publish_drill

    given_up = HaDrill.objects.filter(pk=drill.pk, probe_state=ProbeState.QUEUED).update(
        probe_state=ProbeState.FAILED,
        probe_error=f"the probe had not started {START_SECONDS:g} s after the drill was asked "
        "for: the drill went ahead without it",
    )
    if given_up:
        publish_drill(drill.pk)
    return False


@app.task(base=NetloomTask, name="netloom.drill_probe", soft_time_limit=10, time_limit=20)
def start_probe(drill_id: int, host_name: str) -> None:
    """Start drill `drill_id`'s probe from its source instance on this host, in a thread."""
    from designer.services.checks import design_of
    from designer.services.drills import settle_window

    drill = HaDrill.objects.select_related("deployment__revision").get(pk=drill_id)
    if drill.probe_state != ProbeState.QUEUED:
        return  # given up, or delivered twice
    revision = drill.deployment.revision
    try:
        if os.geteuid() != 0:
            raise ProbeError("the probe needs root for a raw ICMP socket")
        if revision is None:
            raise ProbeError("the drill's deployment has no revision")
        topology_id = drill.deployment.topology_id
        design = design_of(topology_id, revision)
        if drill.probe_target == _gateway_target(drill.router):
            choice = _to_gateway(design, drill.router, router_sides(design, drill.router))
        else:
            choice = choose(design, drill.router, drill.probe_source, drill.probe_target)
        if choice is None or choice.host != host_name:
            raise ProbeError(f"{drill.probe_source} no longer probes from {host_name}")
        if not Host.objects.filter(name=host_name).exists():
            raise ProbeError(f"{host_name} is no longer registered")
        echo = Echo(choice.namespace, choice.address, ident=os.getpid() ^ drill_id)
    except (ProbeError, ProbeChoiceError, OSError) as error:
        probe_failed(drill_id, f"{host_name}: {error}")
        return
    Prober(drill_id, echo, settle_window(topology_id, drill.router)).start()
