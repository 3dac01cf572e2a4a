"""The relay of VRRP transitions: a thread in the worker serving a host, listening on that
host's datagram socket in the run directory, where keepalived's notify program
(`tasks.drivers.vrrp_notify`) reports each transition of an HA router instance. Each one is
recorded on the topology's deployment and sent to its sockets at once.

A worker starts the relays of the hosts whose queues it consumes: the embedded worker when it
starts and when it takes up a host's queue (tasks/embedded.py), a worker of its own when it is
ready (tasks/app.py), and any worker before it deploys to a host. A socket another live process
listens on is left to it.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import socket
import threading
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from django.db import DatabaseError, close_old_connections, connections

from tasks.drivers import RUN_DIR, render
from tasks.drivers.vrrp_notify import MAX_DATAGRAM, STATES
from tasks.planner.names import NAMESPACE_KINDS, PREFIX_PATTERN, topology_of_prefix

logger = logging.getLogger(__name__)

HOST_QUEUE = "host."
# How often a waiting relay looks whether it is asked to stop.
POLL_SECONDS = 0.5
_ROUTER_NAMESPACE = f"-{NAMESPACE_KINDS['router']}-"

_relays: dict[str, Relay] = {}
_lock = threading.Lock()


class Relay:
    """One host's socket and the thread reading it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stopping = threading.Event()
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen on the socket; False when another live process already does."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if _listened_on(self.path):
            return False
        with suppress(FileNotFoundError):
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(self.path)
        # Only root (keepalived's notify program runs as root) may report.
        os.chmod(self.path, 0o600)
        sock.settimeout(POLL_SECONDS)
        self._socket = sock
        self._thread = threading.Thread(target=self._run, name="vrrp-relay", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(POLL_SECONDS * 4)
        if self._socket is not None:
            self._socket.close()
            with suppress(FileNotFoundError):
                os.unlink(self.path)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            self._relay()
        finally:
            connections.close_all()

    def _relay(self) -> None:
        assert self._socket is not None
        while not self._stopping.is_set():
            try:
                data = self._socket.recv(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                handle(data)
            except (DatabaseError, ValueError) as exc:
                logger.warning("VRRP transition not recorded: %s", exc)
            except Exception:
                # Whatever else fails with one report, the relay goes on: stopped, it would lose
                # every later transition of the host until its worker restarts.
                logger.exception("VRRP report not relayed")
            finally:
                close_old_connections()


def handle(data: bytes) -> Any:
    """Record one reported transition, or relay one load balancer member's change of health
    (`kind` "lb_member", from tasks/drivers/lb_check.py); what was recorded or sent, or None."""
    from designer.services.vrrp import record_member_change, record_vrrp_transition

    if b'"lb_member"' in data:
        change = parse_member(data)
        return record_member_change(
            topology_of_prefix(change["namespace"].split("-", 1)[0]),
            change["balancer"],
            change["member"],
            change["host"],
            change["state"],
            change["wall"],
        )
    message = parse(data)
    namespace = message["namespace"]
    return record_vrrp_transition(
        topology_of_prefix(namespace.split("-", 1)[0]),
        message["router"],
        message["host"],
        namespace,
        message["state"],
        message["monotonic"],
        message["wall"],
    )


def parse(data: bytes) -> dict[str, Any]:
    """A datagram as the notify program sends it, checked field by field (ValueError)."""
    try:
        message = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a JSON transition") from exc
    if not isinstance(message, dict):
        raise ValueError("not a JSON transition")
    text = {key: message.get(key) for key in ("router", "host", "namespace", "state")}
    if not all(isinstance(value, str) and 0 < len(value) <= 64 for value in text.values()):
        raise ValueError("a transition without router, host, namespace and state")
    prefix = str(text["namespace"]).split("-", 1)[0]
    if not PREFIX_PATTERN.match(prefix) or _ROUTER_NAMESPACE not in str(text["namespace"]):
        raise ValueError("a transition from a namespace that is no router's")
    if text["state"] not in STATES.values():
        raise ValueError(f"not a VRRP state: {text['state']!r}")
    times = {key: message.get(key) for key in ("monotonic", "wall")}
    if not all(isinstance(value, int | float) and value >= 0 for value in times.values()):
        raise ValueError("a transition without its times")
    return {**text, **times}


def parse_member(data: bytes) -> dict[str, Any]:
    """A member's change as the checker sends it, checked field by field (ValueError)."""
    try:
        message = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not a JSON change") from exc
    if not isinstance(message, dict) or message.get("kind") != "lb_member":
        raise ValueError("not a load balancer member's change")
    text = {key: message.get(key) for key in ("balancer", "namespace", "member", "host", "state")}
    if not all(isinstance(value, str) and 0 < len(value) <= 80 for value in text.values()):
        raise ValueError("a change without balancer, namespace, member, host and state")
    if not PREFIX_PATTERN.match(str(text["namespace"]).split("-", 1)[0]):
        raise ValueError("a change from a namespace that is no deployment's")
    if text["state"] not in ("up", "down"):
        raise ValueError(f"not a member state: {text['state']!r}")
    wall = message.get("wall")
    if not isinstance(wall, int | float) or wall < 0:
        raise ValueError("a change without its time")
    return {**text, "wall": wall}


def _listened_on(path: str) -> bool:
    """Whether a live socket is bound at `path` (one left by a dead process refuses)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        probe.connect(path)
    except OSError as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise
        return False
    finally:
        probe.close()
    return True


def ensure_relay(host: str, namespace: str | None, run_dir: str = RUN_DIR) -> None:
    """Make sure this process relays the transitions of `host` (bound to `namespace` on this
    machine), unless another live process does."""
    path = render.vrrp_socket(run_dir, host, namespace)
    with _lock:
        relay = _relays.get(path)
        if relay is not None and relay.running:
            return
        relay = Relay(path)
        try:
            started = relay.start()
        except OSError as exc:
            logger.warning("no VRRP relay for host %s: %s", host, exc)
            return
        if started:
            _relays[path] = relay
            logger.info("relaying VRRP transitions of host %s", host)


def relay_queues(queues: Iterable[str]) -> None:
    """Relay the transitions of every registered host whose queue is among `queues`."""
    from designer.models import Host

    names = [queue[len(HOST_QUEUE) :] for queue in queues if queue.startswith(HOST_QUEUE)]
    if not names:
        return
    try:
        hosts = list(Host.objects.filter(name__in=names).order_by("name"))
    except DatabaseError:
        logger.warning("host registry not readable; no VRRP relay started")
        return
    for host in hosts:
        ensure_relay(host.name, host.namespace or None)


def consumed_queues(app: Any) -> list[str]:
    """The names of the queues a Celery app's worker consumes."""
    queues = app.amqp.queues
    return list(queues.consume_from or queues)


def stop_relays() -> None:
    with _lock:
        relays = list(_relays.values())
        _relays.clear()
    for relay in relays:
        relay.stop()
