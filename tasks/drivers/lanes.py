"""Applying many steps of one kind at once, on a few threads.

A deployment of a thousand instances is a thousand namespaces, veths, addresses and routes:
steps of one kind and action, one after another in the plan, that do not depend on each other.
The kernel does part of the work of each without holding the lock the others wait for, and
the driver spends part of each in Python: a few threads keep both cores busy.

Each step goes to the lane of the namespace it lives in, so a namespace's socket is opened by
one lane only and reused for all its steps. The caller's thread hands the steps out, calls
`started` before handing each (which may raise to stop) and `done` as each ends: listeners
never run on a lane's thread. A failed step stops the lanes (a step under way finishes) and
its `DriverError` is raised once they have stopped.
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from typing import Any

from tasks.drivers.kernel import Sockets
from tasks.planner.state import Address, Namespace, Route, Veth
from tasks.planner.steps import Step

# The kinds whose steps of one action never depend on each other.
INDEPENDENT = (Namespace, Veth, Address, Route)
# Fewer steps than this are not worth a thread.
SMALLEST_BATCH = 8

ApplyOne = Callable[[Sockets, Step], None]
Listener = Callable[[Step], None] | None


def batches(steps: Sequence[Step]) -> Iterator[list[Step]]:
    """The steps in runs of one kind and action, in order."""
    for _, run in groupby(steps, key=lambda step: (type(step.obj), step.action)):
        yield list(run)


def parallel(batch: Sequence[Step]) -> bool:
    return len(batch) >= SMALLEST_BATCH and isinstance(batch[0].obj, INDEPENDENT)


def home(step: Step) -> str | None:
    """The namespace a step's object lives in: a veth's is where its far end goes."""
    obj = step.obj
    if isinstance(obj, Namespace):
        return obj.name
    if isinstance(obj, Veth):
        return obj.peer_namespace or obj.namespace
    return getattr(obj, "namespace", None)


def lane_of(step: Step, lanes: int) -> int:
    where = home(step)
    return 0 if where is None else zlib.crc32(where.encode()) % lanes


_END = object()
# Between runs: a lane forgets the link indexes it looked up (links were removed).
_LINKS_CHANGED = object()


class _Skipped(Exception):
    """A step not applied because the lanes were stopped."""


class Lanes:
    """Threads that each keep their own sockets for as long as the lanes run: a netlink socket
    is bound to the thread that opened it (pyroute2 opens another one, wherever the thread
    is, for a thread that did not), so a lane's sockets are never used by another thread."""

    def __init__(self, count: int, host: str | None, apply_one: ApplyOne) -> None:
        self.apply_one = apply_one
        self.host = host
        self._inboxes: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in range(count)]
        self._outbox: queue.SimpleQueue[tuple[Step, BaseException | None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._lane, args=(inbox,), name=f"netloom-lane-{n}")
            for n, inbox in enumerate(self._inboxes)
        ]

    def __enter__(self) -> Lanes:
        for thread in self._threads:
            thread.daemon = True
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        for inbox in self._inboxes:
            inbox.put(_END)
        for thread in self._threads:
            thread.join()

    def _lane(self, inbox: queue.SimpleQueue[Any]) -> None:
        with Sockets(self.host) as sockets:
            while (message := inbox.get()) is not _END:
                if message is _LINKS_CHANGED:
                    sockets.links_changed()
                elif self._stop.is_set():
                    self._outbox.put((message, _Skipped()))
                else:
                    try:
                        self.apply_one(sockets, message)
                    except BaseException as exc:
                        self._outbox.put((message, exc))
                    else:
                        self._outbox.put((message, None))

    def links_changed(self) -> None:
        for inbox in self._inboxes:
            inbox.put(_LINKS_CHANGED)

    def run(self, batch: Sequence[Step], started: Listener, done: Listener) -> None:
        """Apply a batch of independent steps on the lanes; returns once every step handed
        out has ended, raising the first failure."""
        self._stop.clear()
        failure: BaseException | None = None
        handed = finished = 0

        def collect(block: bool) -> None:
            nonlocal failure, finished
            while finished < handed:
                try:
                    step, error = self._outbox.get(block=block)
                except queue.Empty:
                    return
                finished += 1
                if isinstance(error, _Skipped):
                    continue
                if error is not None:
                    failure = failure or error
                    self._stop.set()
                elif done is not None and failure is None:
                    try:
                        done(step)
                    except BaseException as exc:
                        failure = exc
                        self._stop.set()

        try:
            for step in batch:
                collect(block=False)
                if failure is not None:
                    break
                if started is not None:
                    started(step)
                self._inboxes[lane_of(step, len(self._inboxes))].put(step)
                handed += 1
        except BaseException as exc:
            failure = failure or exc
            self._stop.set()
        finally:
            collect(block=True)
        if failure is not None:
            raise failure
