"""The tasks: what validate_revision_task returns, and its round trip through a real worker
thread against Redis (whenever REDIS_URL is set, as in CI)."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from designer.models import Revision
from designer.services.projects import create_project
from designer.services.topologies import create_topology, save_revision
from tasks.app import app
from tasks.embedded import WorkerThread
from tasks.jobs import ping, validate_revision_task
from tests.builders import document, net, subnet


def make_revision() -> Revision:
    """A revision with one error (a CIDR with host bits set) and nothing else wrong."""
    owner = User.objects.create_user(f"owner-{uuid.uuid4().hex[:8]}")
    topology = create_topology(create_project(f"Lab {uuid.uuid4().hex[:8]}", owner), "T", owner)
    doc = document(networks=[net("n1")], subnets=[subnet("s1", "n1", "10.0.0.5/24")])
    return save_revision(topology, 1, doc, owner, "bad subnet")


@pytest.mark.django_db
def test_returns_counts_by_severity() -> None:
    revision = make_revision()
    counts = validate_revision_task.apply(args=[revision.pk]).get()
    assert set(counts) == {"error", "warning", "info"}
    assert counts["error"] >= 1


@pytest.mark.django_db
def test_unknown_revision_fails_the_task() -> None:
    result = validate_revision_task.apply(args=[10**9])
    assert result.failed()
    assert isinstance(result.result, Revision.DoesNotExist)


@pytest.fixture
def redis_worker(transactional_db: None) -> Iterator[tuple[WorkerThread, str]]:
    """A worker thread on the Redis broker, consuming a queue of its own so no other worker
    can take its tasks."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    queue = f"test.{uuid.uuid4().hex}"
    worker = WorkerThread(app, queues=[queue], hostname=f"{queue}@netloom")
    worker.start()
    try:
        yield worker, queue
    finally:
        worker.stop()
    assert not worker.running


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (set in CI)")
def test_round_trip_through_a_worker_thread_on_redis(
    redis_worker: tuple[WorkerThread, str], capsys: pytest.CaptureFixture[str]
) -> None:
    worker, queue = redis_worker
    assert worker.controller is not None
    assert type(worker.controller.consumer.connection.transport).__module__.endswith("redis")
    revision = make_revision()

    counts = validate_revision_task.apply_async(args=[revision.pk], queue=queue).get(timeout=30)
    assert counts == validate_revision_task.apply(args=[revision.pk]).get()
    assert counts["error"] >= 1

    seconds = []
    for _ in range(30):
        started = time.perf_counter()
        assert ping.apply_async(queue=queue).get(timeout=10) == "pong"
        seconds.append(time.perf_counter() - started)
    with capsys.disabled():
        print(
            f"\nRedis round trip: ping median {statistics.median(seconds) * 1000:.1f} ms, "
            f"max {max(seconds) * 1000:.1f} ms over {len(seconds)}"
        )
    assert statistics.median(seconds) < 1.0
