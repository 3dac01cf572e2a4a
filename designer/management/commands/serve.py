"""`manage.py serve`: the one way Netloom is served. Daphne runs the ASGI application (HTTP and
WebSocket); in the embedded mode (no `REDIS_URL`) the Celery worker runs in this process too,
started before the first request and stopped when the server exits."""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

from channels.routing import get_default_application
from daphne.access import AccessLogGenerator
from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.embedded import start_embedded_worker


def _address(text: str) -> str:
    """An IP address to listen on ('localhost' is 127.0.0.1). Only an address: the value goes
    into a Twisted endpoint description, where anything else could add options."""
    if text == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise CommandError(f"--host must be an IP address, not {text!r}") from None


class Command(BaseCommand):
    help = "Serve Netloom with Daphne; in the embedded mode, with the Celery worker in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="TCP port to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        host = _address(options["host"])
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}"

        worker = start_embedded_worker()
        mode = (
            "embedded mode: SQLite, in-process channel layer and Celery worker"
            if worker is not None
            else "Redis broker and channel layer; Celery workers run apart"
        )
        server = Server(
            application=get_default_application(),
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
            action_logger=AccessLogGenerator(sys.stdout) if options["verbosity"] > 1 else None,
            root_path=getattr(settings, "FORCE_SCRIPT_NAME", "") or "",
            ready_callable=lambda: self.stdout.write(
                f"Netloom at {url} ({mode}). Stop with Ctrl-C."
            ),
        )
        try:
            server.run()
        finally:
            if worker is not None:
                self.stdout.write("Stopping the embedded worker...")
                worker.stop()
        if not server.listening_addresses:
            raise CommandError(f"could not listen on {url}")
        self.stdout.write("Stopped.")
