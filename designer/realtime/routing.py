"""WebSocket routes."""

from __future__ import annotations

from django.urls import path

from designer.realtime.consumers import TopologyConsumer
from designer.realtime.labs import LabConsumer

websocket_urlpatterns = [
    path("ws/topologies/<int:topology_id>/", TopologyConsumer.as_asgi()),
    path("ws/labs/<int:lab_id>/", LabConsumer.as_asgi()),
]
