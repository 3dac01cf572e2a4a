"""`manage.py serve`: Daphne answers, the embedded worker starts first and stops on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


def embedded_env(var_dir: Path) -> dict[str, str]:
    """The environment of the embedded default, with its files in a directory of its own."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(NETLOOM_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, deadline: float) -> int:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serves_with_the_embedded_worker_and_stops_cleanly(tmp_path: Path) -> None:
    env = embedded_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = wait_for(f"http://127.0.0.1:{port}/api/schema/", time.monotonic() + 60)
        assert status == 200
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "embedded Celery worker consuming" in output
    assert f"Netloom at http://127.0.0.1:{port} (embedded mode" in output
    assert output.index("embedded Celery worker consuming") < output.index("Netloom at")
    assert "embedded Celery worker stopped" in output
    assert output.rstrip().endswith("Stopped.")


@pytest.mark.parametrize("host", ["example.com", "127.0.0.1:backlog=1", ""])
def test_host_must_be_an_address(host: str) -> None:
    with pytest.raises(CommandError, match="--host must be an IP address"):
        call_command("serve", "--host", host)


def test_port_must_be_a_port() -> None:
    with pytest.raises(CommandError, match="--port must be between 1 and 65535"):
        call_command("serve", "--port", "70000")
