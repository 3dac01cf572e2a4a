"""WebSocket routes. The topology channel arrives with the designer canvas."""

from __future__ import annotations

from typing import Any

websocket_urlpatterns: list[Any] = []
