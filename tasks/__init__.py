"""Celery workers: the app, and the tasks that deploy topologies to hosts."""

from tasks.app import app

__all__ = ["app"]
