"""The Celery tasks, thin shells around the services: each loads what it needs by id, calls one
service function and returns plain JSON."""

from __future__ import annotations

from collections import Counter

from designer.models import Revision
from designer.services.validation import validate_revision
from designer.validation import Severity
from tasks.app import app
from tasks.base import NetloomTask


@app.task(base=NetloomTask, name="netloom.ping", soft_time_limit=5, time_limit=10)
def ping() -> str:
    """A task that does nothing: checks that a worker consumes its queue, and measures the
    round trip through broker and result backend."""
    return "pong"


@app.task(base=NetloomTask, name="netloom.validate_revision", soft_time_limit=60, time_limit=120)
def validate_revision_task(revision_id: int) -> dict[str, int]:
    """Validate a stored revision; the number of findings of each severity."""
    revision = Revision.objects.select_related("topology__project", "parent", "author").get(
        pk=revision_id
    )
    counts = Counter(finding.severity for finding in validate_revision(revision))
    return {severity.value: counts.get(severity, 0) for severity in Severity}
