"""`manage.py exportschemas DIR`: write the JSON Schemas the front end's TypeScript types are
generated from: the topology document (`document.schema.json`) and the WebSocket event
catalog (`events.schema.json`).

The output is byte-stable (sorted keys, two-space indent, final newline), so a committed copy
can be compared with what the server produces now.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from designer.realtime.events import catalog_json_schema
from designer.spec import document_json_schema

SCHEMAS = {
    "document.schema.json": document_json_schema,
    "events.schema.json": catalog_json_schema,
}


def schema_text(schema: dict[str, Any]) -> str:
    """The stable text form of a schema."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write document.schema.json and events.schema.json into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Folder to write the schemas into.")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        directory.mkdir(parents=True, exist_ok=True)
        for filename, build in SCHEMAS.items():
            target = directory / filename
            target.write_text(schema_text(build()), encoding="utf-8")
            self.stdout.write(f"wrote {target}")
