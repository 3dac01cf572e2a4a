"""Real-time: WebSocket consumers and the typed event catalog."""
