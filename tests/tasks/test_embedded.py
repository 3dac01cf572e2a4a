"""The embedded mode: tasks round-trip through the in-process worker on the memory transport,
with the tuned polling interval in effect.

The embedded mode is chosen when the settings load (no REDIS_URL), and a test run may have
REDIS_URL set, so the round trip runs in a child process with the embedded environment and
its own SQLite database; it reports what it saw and measured as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["NETLOOM_VAR_DIR"] = str(tmp_path_factory.mktemp("embedded"))
    env["NETLOOM_LOG_LEVEL"] = "WARNING"
    done = subprocess.run(
        [sys.executable, "-m", "tests.tasks.embedded_probe"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_runs_on_the_memory_transport_in_process(probe: dict[str, Any]) -> None:
    assert probe["embedded"] is True
    assert probe["broker"].startswith("memory://")
    assert probe["transport"] == "kombu.transport.memory"
    assert "celery" in probe["queues"]
    # Every registered host's queue is served too.
    assert {"host.network-1", "host.compute-2"} <= set(probe["queues"])


def test_tuned_polling_interval_is_in_effect(probe: dict[str, Any]) -> None:
    assert probe["configured_polling_interval"] == 0.01
    assert probe["polling_interval"] == 0.01


def test_validate_revision_task_round_trips(probe: dict[str, Any]) -> None:
    assert probe["pong"] == "pong"
    assert probe["task_counts"] == probe["direct_counts"]
    assert probe["task_counts"]["error"] == 0


def test_worker_stops_cleanly(probe: dict[str, Any]) -> None:
    assert probe["stopped"] is True


def test_round_trip_latency(probe: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    ping, task = probe["ping_latency"], probe["task_latency"]
    with capsys.disabled():
        print(
            "\nembedded round trip (memory transport, polling "
            f"{probe['polling_interval'] * 1000:.0f} ms): "
            f"ping median {ping['median_ms']:.1f} ms, p95 {ping['p95_ms']:.1f} ms, "
            f"max {ping['max_ms']:.1f} ms over {ping['rounds']}; "
            f"validate_revision median {task['median_ms']:.1f} ms, "
            f"p95 {task['p95_ms']:.1f} ms over {task['rounds']}"
        )
    # A sanity bound only: with Kombu's default 1 s poll the median would be about 500 ms.
    assert ping["median_ms"] < 250
    assert task["median_ms"] < 1000
