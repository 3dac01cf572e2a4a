"""What a document uses of a project's quotas."""

from __future__ import annotations

from typing import Any

from designer.validation.context import DEFAULT_QUOTAS


def usage_of(document: dict[str, Any]) -> dict[str, int]:
    """Elements of each quota kind in one stored document."""
    return {kind: len(document.get(kind, ())) for kind in DEFAULT_QUOTAS}
