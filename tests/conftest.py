"""Shared test set-up. In CI (CI=true) a skipped test fails the run: every test must run for
real there, against PostgreSQL, Redis and the kernel."""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(
            f"{skipped} test(s) skipped: in CI a skipped test is a failure.", red=True
        )
        session.exitstatus = 1
