"""The Celery app. Its settings come from Django's (`CELERY_*`): Redis in production, the
memory transport with an in-process worker in the embedded default."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

app = Celery("netloom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tasks"], related_name="jobs")
# Deploy orchestration, connectivity checks and HA drills live beside the jobs, each in its own
# module.
app.conf.imports = ("tasks.deploy", "tasks.checks", "tasks.drills")


@worker_ready.connect
def _relay_vrrp(sender: Any, **kwargs: Any) -> None:
    """A worker of its own relays the VRRP transitions of the hosts whose queues it consumes."""
    from tasks.vrrp_relay import consumed_queues, relay_queues

    relay_queues(consumed_queues(sender.app))


@worker_shutdown.connect
def _stop_relaying(sender: Any, **kwargs: Any) -> None:
    from designer.services.drills import cancel_later_analyses
    from tasks.vrrp_relay import stop_relays

    stop_relays()
    cancel_later_analyses()
