"""Run as `python -m tests.tasks.embedded_probe` in a process with the embedded settings (no
REDIS_URL): sets up a fresh SQLite database with the demo, runs tasks through the in-process
worker on the memory transport, and prints one JSON object of what it saw and measured."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter
from typing import Any

import django


def _timed(call: Any, rounds: int) -> tuple[Any, dict[str, float]]:
    seconds = []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return result, {
        "median_ms": statistics.median(seconds) * 1000,
        "p95_ms": seconds[int(len(seconds) * 0.95) - 1] * 1000,
        "max_ms": seconds[-1] * 1000,
        "rounds": rounds,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from designer.demo import TOPOLOGIES, create_demo
    from designer.models import Topology
    from designer.services.validation import validate_revision
    from tasks.embedded import WorkerThread, embedded_queues
    from tasks.jobs import ping, validate_revision_task

    call_command("migrate", verbosity=0)
    create_demo()
    revision = Topology.objects.get(name=TOPOLOGIES[0].name).head
    assert revision is not None
    direct = Counter(f.severity.value for f in validate_revision(revision))

    worker = WorkerThread(queues=embedded_queues())
    worker.start()
    try:
        assert worker.controller is not None
        transport = worker.controller.consumer.connection.transport
        # The client polls the in-memory result store; keep that poll far below the broker's
        # so the figure measures the worker's side.
        pong, ping_latency = _timed(lambda: ping.delay().get(timeout=10, interval=0.001), 50)
        counts, task_latency = _timed(
            lambda: validate_revision_task.delay(revision.pk).get(timeout=30, interval=0.001), 20
        )
        report = {
            "embedded": settings.EMBEDDED,
            "broker": worker.controller.app.conf.broker_url,
            "transport": type(transport).__module__,
            "polling_interval": transport.polling_interval,
            "configured_polling_interval": settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
                "polling_interval"
            ),
            "queues": sorted(worker.controller.app.amqp.queues),
            "pong": pong,
            "task_counts": counts,
            "direct_counts": {s: direct.get(s, 0) for s in ("error", "warning", "info")},
            "ping_latency": ping_latency,
            "task_latency": task_latency,
        }
    finally:
        worker.stop()
    report["stopped"] = not worker.running
    print(json.dumps(report))


if __name__ == "__main__":
    main()
