"""A lab's dashboard socket, /ws/labs/{lab_id}/: each student's progress, live.

Only the class's instructors and staff may open it (a student, a share link or a stranger is
refused with 4403, an unknown lab with 4404). On connect it sends every copy's progress
(`lab_progress` with `copies`), then one `lab_progress` with the one copy whenever a copy is
started, checked or reset (`designer.services.labs.publish_progress`). It only listens.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from designer.access import CLASS_STAFF, INSTRUCTOR, Caller, lab_access
from designer.models import Lab
from designer.realtime.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, refuse
from designer.services.labs import copies_of, lab_group, progress_json


class LabConsumer(AsyncWebsocketConsumer):
    group: str

    async def connect(self) -> None:
        lab_id = int(self.scope["url_route"]["kwargs"]["lab_id"])
        user = self.scope.get("user")
        caller = Caller(user=user if user is not None and user.is_authenticated else None)
        found = await self._load(lab_id, caller)
        if found is None:
            await refuse(self, CLOSE_NOT_FOUND)
            return
        access, copies = found
        if access not in (INSTRUCTOR, CLASS_STAFF):
            await refuse(self, CLOSE_FORBIDDEN)
            return
        self.group = lab_group(lab_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(
            text_data=json.dumps({"type": "lab_progress", "lab": lab_id, "copies": copies})
        )

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The dashboard only listens; anything sent is ignored."""

    async def lab_progress(self, message: dict[str, Any]) -> None:
        copy = message["copy"]
        await self.send(
            text_data=json.dumps({"type": "lab_progress", "lab": copy["lab"], "copies": [copy]})
        )

    @database_sync_to_async
    def _load(self, lab_id: int, caller: Caller) -> tuple[str | None, list[Any]] | None:
        lab = Lab.objects.select_related("project").filter(pk=lab_id).first()
        if lab is None:
            return None
        access = lab_access(caller, lab) if caller.user is not None else None
        if access not in (INSTRUCTOR, CLASS_STAFF):
            return access, []
        return access, [progress_json(copy) for copy in copies_of(lab)]
