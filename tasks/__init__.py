"""Celery workers: the app, and the tasks that deploy topologies to hosts.

`app` is loaded when first asked for (`celery -A tasks` asks for it), not on import of the
package: the small programs that run under `tasks` (keepalived's notify hook, the responder)
start without loading Celery and Django, and a VRRP transition is reported without that delay.
"""

from __future__ import annotations

from typing import Any

__all__ = ["app"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from tasks.app import app

        return app
    raise AttributeError(f"module 'tasks' has no attribute {name!r}")
