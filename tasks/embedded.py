"""A Celery worker running in a thread of the current process.

The embedded default (no `REDIS_URL`) has no broker server: tasks go through kombu's memory
transport, which only reaches consumers in the same process, so `manage.py serve` starts this
worker next to Daphne. It consumes the default queue and the queue of every registered host.
The same class runs a worker thread against Redis in tests.

Tasks run one at a time in the worker's thread (the solo pool): fine for one person's
designer on SQLite, and the reason time limits are not enforced here. The worker relays the
VRRP transitions of the hosts whose queues it consumes (tasks/vrrp_relay.py).
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

from celery import Celery
from celery._state import _set_task_join_will_block
from celery.worker import WorkController, state
from celery.worker.consumer import Consumer
from django.conf import settings
from django.db import DatabaseError

from tasks.app import app as default_app
from tasks.vrrp_relay import consumed_queues, relay_queues, stop_relays

logger = logging.getLogger(__name__)

# The worker running in this process, if any: hosts registered after it started (a lab fabric
# brought up later) get their queues added to it when work is sent to them.
_running: WorkerThread | None = None


class _ThreadWorkController(WorkController):
    """A WorkController that says when its consumer is ready to take tasks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.consumer_ready = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer: Consumer) -> None:
        self.consumer_ready.set()


class WorkerThread:
    """One worker consuming `queues` of `app`'s broker from a daemon thread.

    Celery's shutdown flag is process-wide, so a process runs at most one of these at a time.
    """

    def __init__(
        self,
        app: Celery = default_app,
        *,
        queues: list[str] | None = None,
        hostname: str = "embedded@netloom",
    ) -> None:
        self.app = app
        self.queues = queues
        self.hostname = hostname
        self.controller: _ThreadWorkController | None = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the worker and return once it consumes; raise if it does not in `timeout`."""
        if self._thread is not None:
            raise RuntimeError("the worker thread is already running")
        self.app.finalize()
        self.controller = _ThreadWorkController(
            app=self.app,
            hostname=self.hostname,
            queues=self.queues,
            pool="solo",
            concurrency=1,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
        )
        self._thread = threading.Thread(
            target=self.controller.start, name="celery-embedded", daemon=True
        )
        self._thread.start()
        if not self.controller.consumer_ready.wait(timeout):
            self.stop()
            raise RuntimeError(f"the embedded worker did not start within {timeout} s")
        # Starting a pool marks the process as a worker, where waiting on a result is refused
        # (it could deadlock a worker). This process is also the web server, which may wait.
        _set_task_join_will_block(False)
        global _running
        _running = self
        relay_queues(consumed_queues(self.controller.app))
        logger.info(
            "embedded Celery worker consuming %s",
            ", ".join(sorted(self.controller.app.amqp.queues)),
        )

    def consume(self, queue: str) -> None:
        """Also consume `queue`, from now on."""
        consumer = self.controller.consumer if self.controller is not None else None
        if consumer is None or consumer.task_consumer is None:
            return
        if not consumer.task_consumer.consuming_from(queue):
            consumer.add_task_queue(queue)
        relay_queues([queue])

    def stop(self, timeout: float = 30.0) -> None:
        """Warm shutdown: finish the running task, then stop consuming and join the thread."""
        global _running
        if _running is self:
            _running = None
            stop_relays()
        thread, self._thread = self._thread, None
        if thread is None:
            return
        state.should_stop = 0
        try:
            thread.join(timeout)
        finally:
            state.should_stop = None
        if thread.is_alive():
            raise RuntimeError(f"the embedded worker did not stop within {timeout} s")
        logger.info("embedded Celery worker stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> WorkerThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def embedded_queues() -> list[str]:
    """The default queue and the queue of every host registered now."""
    from designer.models import Host

    queues = [default_app.conf.task_default_queue]
    try:
        queues.extend(host.queue for host in Host.objects.order_by("name"))
    except DatabaseError:
        # Not migrated yet: the default queue still serves validation.
        logger.warning("host registry not readable; the embedded worker serves the default queue")
    return queues


def start_embedded_worker() -> WorkerThread | None:
    """In the embedded mode, start the in-process worker; with Redis, workers run apart."""
    if not settings.EMBEDDED:
        return None
    worker = WorkerThread(queues=embedded_queues())
    worker.start()
    return worker


def consume(queue: str) -> None:
    """Make sure the worker running in this process, if there is one, consumes `queue`."""
    if _running is not None and _running.running:
        _running.consume(queue)
