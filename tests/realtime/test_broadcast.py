"""Broadcasts are best effort: what they tell is committed already, so a channel layer that
cannot be reached is logged, and the work that sent them (a worker's task, the VRRP relay)
goes on."""

from __future__ import annotations

import pytest
from channels_redis.core import RedisChannelLayer

from designer.realtime import broadcast


def test_an_unreachable_channel_layer_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A real Redis channel layer, on a port where nothing listens.
    unreachable = RedisChannelLayer(hosts=[("127.0.0.1", 1)])
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: unreachable)
    broadcast.send("topology.1", {"type": "vrrp.broadcast", "text": "{}"})
    assert "not sent to topology.1" in caplog.text
