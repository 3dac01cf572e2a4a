"""The base class of every Netloom task: declared time limits, and retries with backoff only for
errors that may pass on their own.

Every concrete task names its soft and hard time limits where it is declared:

    @app.task(base=NetloomTask, name="netloom.x", soft_time_limit=30, time_limit=60)

The soft limit raises `SoftTimeLimitExceeded` inside the task so it can clean up; the hard limit
kills it. Prefork workers (production) enforce both. The embedded worker runs tasks in one
thread of the web process, where Celery cannot interrupt a task: there the limits are declared
but not enforced.
"""

from __future__ import annotations

from typing import Any

from celery.contrib.django.task import DjangoTask


class TemporaryError(Exception):
    """A failure that may pass on its own (a host busy, a lock held, a broker hiccup). A task
    that raises it is retried with exponential backoff; any other exception fails the task."""


class NetloomTask(DjangoTask):
    # Declared by each concrete task; checked when the task class is made.
    soft_time_limit: float | None = None
    time_limit: float | None = None

    autoretry_for = (TemporaryError,)
    retry_backoff = 2
    retry_backoff_max = 120
    retry_jitter = True
    max_retries = 5
    # A task that dies with its worker is run again by another; tasks are idempotent.
    acks_late = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Celery makes a subclass per task, with the task's name and options in its namespace;
        # intermediate base classes have no name and are not checked.
        name = cls.__dict__.get("name")
        if not name:
            return
        soft, hard = cls.soft_time_limit, cls.time_limit
        if soft is None or hard is None:
            raise TypeError(f"task {name} must declare soft_time_limit and time_limit")
        if not 0 < soft < hard:
            raise TypeError(
                f"task {name}: soft_time_limit ({soft}) must be positive and below "
                f"time_limit ({hard})"
            )
