"""The base task class: every task declares soft and hard time limits, and only temporary
errors are retried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import Celery

from tasks.app import app
from tasks.base import NetloomTask, TemporaryError


@pytest.fixture
def throwaway() -> Iterator[Celery]:
    """An app of its own, so tasks made here do not join the real one."""
    other = Celery("throwaway", set_as_current=False)
    other.finalize()
    yield other
    other.close()


def test_a_task_without_time_limits_is_refused(throwaway: Celery) -> None:
    with pytest.raises(TypeError, match="must declare soft_time_limit and time_limit"):

        @throwaway.task(shared=False, base=NetloomTask, name="t.no_limits")
        def no_limits() -> None: ...


def test_a_soft_limit_at_or_over_the_hard_limit_is_refused(throwaway: Celery) -> None:
    with pytest.raises(TypeError, match="must be positive and below"):

        @throwaway.task(
            shared=False, base=NetloomTask, name="t.upside_down", soft_time_limit=60, time_limit=30
        )
        def upside_down() -> None: ...


def test_a_task_with_limits_keeps_them(throwaway: Celery) -> None:
    @throwaway.task(shared=False, base=NetloomTask, name="t.ok", soft_time_limit=5, time_limit=10)
    def ok() -> str:
        return "ok"

    assert (ok.soft_time_limit, ok.time_limit) == (5, 10)
    assert ok.apply().get() == "ok"


def test_every_netloom_task_declares_its_limits() -> None:
    import tasks.jobs  # noqa: F401  (registers the tasks)

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if name.startswith("netloom.")}
    assert {"netloom.ping", "netloom.validate_revision"} <= set(ours)
    for task in ours.values():
        assert isinstance(task, NetloomTask)
        assert 0 < task.soft_time_limit < task.time_limit


def test_only_temporary_errors_are_retried(throwaway: Celery) -> None:
    calls: list[str] = []

    @throwaway.task(
        shared=False,
        base=NetloomTask,
        name="t.flaky",
        soft_time_limit=5,
        time_limit=10,
        retry_backoff=False,
        max_retries=2,
    )
    def flaky(kind: str) -> None:
        calls.append(kind)
        raise TemporaryError("busy") if kind == "temporary" else ValueError("wrong")

    assert flaky.autoretry_for == (TemporaryError,)
    assert flaky.apply(args=["temporary"]).failed()
    assert calls == ["temporary"] * 3  # the first try and two retries
    calls.clear()
    assert flaky.apply(args=["permanent"]).failed()
    assert calls == ["permanent"]
