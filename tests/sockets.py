"""Opening a test WebSocket the way a browser sees it: a refused socket is accepted and closed
at once with a code saying why (4403, 4404), not failed at the handshake."""

from __future__ import annotations

import json
from typing import Any

from channels.testing import WebsocketCommunicator


async def open_socket(
    communicator: WebsocketCommunicator, timeout: float = 5
) -> tuple[dict[str, Any] | None, int | None]:
    """Connect: (the first message, None) on a socket that stays open, or (None, the close
    code) on a refused one. Every socket the server keeps sends a first message at once."""
    connected, code = await communicator.connect(timeout)
    if not connected:
        return None, code
    output = await communicator.receive_output(timeout)
    if output["type"] == "websocket.close":
        return None, output.get("code")
    return json.loads(output["text"]), None
