"""The Celery app. Its settings come from Django's (`CELERY_*`): Redis in production, the
memory transport with an in-process worker in the embedded default."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

app = Celery("netloom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["tasks"], related_name="jobs")
# Deploy orchestration and connectivity checks live beside the jobs, each in its own module.
app.conf.imports = ("tasks.deploy", "tasks.checks")
