"""Signals sent after a change has been committed, for real-time broadcast and audit."""

from __future__ import annotations

import django.dispatch

# sender: Topology class; kwargs: topology, revision, author. Sent on commit only.
revision_saved = django.dispatch.Signal()
