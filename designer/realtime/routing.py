"""WebSocket routes."""

from __future__ import annotations

from django.urls import path

from designer.realtime.consumers import TopologyConsumer

websocket_urlpatterns = [
    path("ws/topologies/<int:topology_id>/", TopologyConsumer.as_asgi()),
]
