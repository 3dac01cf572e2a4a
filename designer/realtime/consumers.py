"""The topology WebSocket: one per open topology, at /ws/topologies/<id>/.

It authenticates the caller (session, or `?share=<token>`), checks the project role when the
socket subscribes and again for every edit, applies edits through the same service as the REST
API, and relays what the channel layer broadcasts: revisions (after commit, from
`designer.realtime.broadcast`), findings and presence. Every message in and out is an event of
`designer.realtime.events`.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any, Literal
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from pydantic import ValidationError

from designer.access import Caller, project_role
from designer.models import Deployment, DeploymentAction, Revision, Role, ShareLink, Topology
from designer.realtime import broadcast
from designer.realtime.events import (
    CLIENT_MESSAGE,
    Ack,
    DeploymentEvent,
    DriftEvent,
    EditMessage,
    ErrorEvent,
    Event,
    FieldProblem,
    Person,
    Pong,
    Presence,
    PresenceEvent,
    Rejected,
    Resync,
    RevisionEvent,
    SelectMessage,
    SyncMessage,
    Welcome,
)
from designer.services import drift
from designer.services.deployments import current_deployment
from designer.services.topologies import StaleRevisionError, apply_edit, revisions_after
from designer.services.validation import validate_revision
from designer.spec import DocumentError
from designer.spec.operations import OperationError

logger = logging.getLogger(__name__)

# More missed revisions than this and the client gets the whole document instead.
CATCH_UP_LIMIT = 100
COLORS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#9a6324")
RECENT_REVISIONS = 100
# The end of the latest deployment's log that a client gets when it connects.
WELCOME_LOG_LINES = 200
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


async def refuse(consumer: AsyncWebsocketConsumer, code: int) -> None:
    """Accept, then close at once with `code` (CLOSE_FORBIDDEN, CLOSE_NOT_FOUND). Closed before
    it is accepted, a socket's handshake fails (HTTP 403) and a browser sees only code 1006, an
    unexplained drop, so it keeps trying; the code tells it that trying again will not help.
    Nothing is sent before the close, and a refused consumer ignores what the client sends."""
    await consumer.accept()
    await consumer.close(code=code)


class TopologyConsumer(AsyncWebsocketConsumer):
    topology: Topology
    caller: Caller
    role: Role
    client_id: str
    selection: list[str]
    others: dict[str, dict[str, Any]]
    # Edits this socket sent whose revision broadcast it has not yet seen: it skips those,
    # since its client has the ack.
    own_edits: set[str]
    # The numbers of the revisions this socket relayed lately (or acked), and the newest known:
    # enough to answer most stale edits without a trip to the database.
    delivered: set[int]
    latest: int

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        topology_id = int(self.scope["url_route"]["kwargs"]["topology_id"])
        self.caller = await self._caller()
        found = await self._load(topology_id)
        if found is None:
            await refuse(self, CLOSE_NOT_FOUND)
            return
        topology, role = found
        if role is None:
            await refuse(self, CLOSE_FORBIDDEN)
            return
        self.topology, self.role = topology, role
        self.client_id = uuid.uuid4().hex[:12]
        self.selection, self.others, self.own_edits = [], {}, set()
        self.group = broadcast.group_name(topology.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        revision, document, findings = await self._head()
        self.delivered, self.latest = set(), revision
        await self.send_event(
            Welcome(
                client_id=self.client_id,
                user=self._person(),
                role=role.value,
                can_edit=self.can_edit,
                topology={"id": topology.pk, "name": topology.name, "project": topology.project_id},
                revision=revision,
                document=document,
                findings=findings,
                presence=[],
            )
        )
        deployment = await self._latest_deployment()
        if deployment is not None:
            await self.send_event(deployment)
        drift = await self._drift()
        if drift is not None:
            await self.send_event(drift)
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.hello", "client": self._presence(), "reply_to": self.channel_name},
        )

    async def disconnect(self, code: int) -> None:
        if not hasattr(self, "group"):
            return
        await self.channel_layer.group_send(
            self.group, {"type": "presence.bye", "client_id": self.client_id}
        )
        await self.channel_layer.group_discard(self.group, self.channel_name)

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)

    # --- from the client ------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not hasattr(self, "group"):
            return  # refused: closing
        if text_data is None or len(text_data) > settings.NETLOOM_MAX_REQUEST_BYTES:
            await self.send_event(
                ErrorEvent(
                    code="bad_message", detail="Send one JSON text message, within the size limit."
                )
            )
            return
        try:
            message = CLIENT_MESSAGE.validate_json(text_data)
        except ValidationError as exc:
            await self.send_event(
                ErrorEvent(
                    code="bad_message",
                    detail="The message is not an event of the catalog.",
                    errors=[
                        FieldProblem(
                            path=".".join(str(p) for p in e["loc"]) or "(message)", message=e["msg"]
                        )
                        for e in exc.errors(include_url=False, include_input=False)[:20]
                    ],
                )
            )
            return
        if isinstance(message, EditMessage):
            await self._edit(message)
        elif isinstance(message, SelectMessage):
            self.selection = list(message.elements)
            await self.channel_layer.group_send(
                self.group, {"type": "presence.update", "client": self._presence()}
            )
        elif isinstance(message, SyncMessage):
            await self._catch_up(message.since_revision)
        else:
            await self.send_event(Pong())

    async def _edit(self, message: EditMessage) -> None:
        if not self.can_edit:
            await self._reject(message, "forbidden", "Your role on this project cannot edit it.")
            return
        if self._delivered_after(message.base_revision):
            # Stale, and every revision the client missed is already on its way down this
            # socket, ahead of this answer: the client applies them, then sends again.
            await self._reject_stale(message, self.latest, [])
            return
        self.own_edits.add(message.edit_id)
        outcome = await self._apply(message)
        if not isinstance(outcome, Revision):
            self.own_edits.discard(message.edit_id)
        if isinstance(outcome, Revision):
            await self.send_event(
                Ack(edit_id=message.edit_id, revision=outcome.number, ops=outcome.operations or [])
            )
            await database_sync_to_async(broadcast.publish_findings)(outcome)
        elif isinstance(outcome, StaleRevisionError):
            await self._reject_stale(message, outcome.current.number, outcome.missed)
        elif isinstance(outcome, PermissionError):
            self.role = Role.VIEWER
            await self._reject(message, "forbidden", "Your role on this project cannot edit it.")
        else:
            await self._reject(
                message,
                "invalid_edit",
                "The edit would not leave a valid topology; nothing was stored.",
                errors=outcome[:50],
            )

    @database_sync_to_async
    def _apply(
        self, message: EditMessage
    ) -> Revision | StaleRevisionError | PermissionError | list[FieldProblem]:
        """Check the role again (it may have changed since the socket opened) and apply the
        edit, in one trip to the database thread."""
        role = project_role(self.caller, self.topology.project, self.topology)
        if role not in (Role.OWNER, Role.EDITOR):
            return PermissionError()
        try:
            return apply_edit(
                self.topology,
                message.base_revision,
                list(message.ops),
                self.caller.user,
                edit_id=message.edit_id,
                message=message.message,
            )
        except StaleRevisionError as stale:
            stale.missed = self._missed_sync(message.base_revision)
            return stale
        except DocumentError as exc:
            return [FieldProblem(path=e.path, message=e.message) for e in exc.errors]
        except OperationError as exc:
            return [FieldProblem(path=exc.path, message=exc.message)]

    async def _reject(
        self,
        message: EditMessage,
        code: Literal["forbidden", "invalid_edit"],
        detail: str,
        errors: list[FieldProblem] | None = None,
    ) -> None:
        await self.send_event(
            Rejected(
                edit_id=message.edit_id,
                code=code,
                detail=detail,
                errors=errors or [],
                current_revision=max(self.latest, message.base_revision),
            )
        )

    async def _reject_stale(
        self, message: EditMessage, current: int, missed: list[RevisionEvent] | None
    ) -> None:
        await self.send_event(
            Rejected(
                edit_id=message.edit_id,
                code="stale_revision",
                detail=f"The topology is at revision {current}; "
                "apply the missed revisions and send the edit again.",
                current_revision=current,
                catch_up=missed,
            )
        )
        if missed is None:
            await self._resync("too many revisions missed")

    def _delivered_after(self, base: int) -> bool:
        """Whether revisions after `base` exist and this socket has sent every one of them."""
        return base < self.latest and all(
            n in self.delivered for n in range(base + 1, self.latest + 1)
        )

    async def _catch_up(self, since: int) -> None:
        missed = await self._missed(since)
        if missed is None:
            await self._resync("too many revisions missed")
            return
        for event in missed:
            await self.send_event(event)

    async def _resync(self, reason: str) -> None:
        revision, document, _ = await self._head(with_findings=False)
        await self.send_event(Resync(revision=revision, document=document, reason=reason))

    # --- from the channel layer -----------------------------------------------------------

    async def revision_broadcast(self, event: dict[str, Any]) -> None:
        number = event["revision"]
        self.delivered.add(number)
        self.delivered.discard(number - RECENT_REVISIONS)
        self.latest = max(self.latest, number)
        if event["edit_id"] in self.own_edits:
            self.own_edits.discard(event["edit_id"])
            return
        await self.send(text_data=event["text"])

    async def findings_broadcast(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def deployment_broadcast(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def drift_broadcast(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def vrrp_broadcast(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def presence_hello(self, event: dict[str, Any]) -> None:
        client = event["client"]
        if client["client_id"] == self.client_id:
            return
        self.others[client["client_id"]] = client
        await self.channel_layer.send(
            event["reply_to"], {"type": "presence.here", "client": self._presence()}
        )
        await self._send_presence()

    async def presence_here(self, event: dict[str, Any]) -> None:
        self.others[event["client"]["client_id"]] = event["client"]
        await self._send_presence()

    async def presence_update(self, event: dict[str, Any]) -> None:
        client = event["client"]
        self.others[client["client_id"]] = client
        await self._send_presence()

    async def presence_bye(self, event: dict[str, Any]) -> None:
        if self.others.pop(event["client_id"], None) is not None:
            await self._send_presence()

    # --- helpers --------------------------------------------------------------------------

    async def send_event(self, event: Event) -> None:
        await self.send(text_data=event.model_dump_json())

    async def _send_presence(self) -> None:
        clients = [Presence.model_validate(c) for c in self.others.values()]
        clients.sort(key=lambda c: c.client_id)
        await self.send_event(PresenceEvent(clients=[self._presence_model(), *clients]))

    def _person(self) -> Person | None:
        return broadcast.person(self.caller.user)

    def _presence_model(self) -> Presence:
        digest = hashlib.sha256(self.client_id.encode()).digest()
        return Presence(
            client_id=self.client_id,
            user=self._person(),
            color=COLORS[digest[0] % len(COLORS)],
            can_edit=self.can_edit,
            selection=self.selection,
        )

    def _presence(self) -> dict[str, Any]:
        return self._presence_model().model_dump(mode="json")

    async def _caller(self) -> Caller:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("share") or [""])[0]
        if token:
            link = await database_sync_to_async(
                lambda: ShareLink.objects.filter(token=token).first()
            )()
            return Caller(user=None, share_link=link) if link else Caller(user=None)
        user = self.scope.get("user")
        return Caller(user=user if user is not None and user.is_authenticated else None)

    @database_sync_to_async
    def _load(self, topology_id: int) -> tuple[Topology, Role | None] | None:
        topology = Topology.objects.select_related("project").filter(pk=topology_id).first()
        if topology is None:
            return None
        if self.caller.user is None and self.caller.share_link is None:
            return topology, None
        return topology, project_role(self.caller, topology.project, topology)

    @database_sync_to_async
    def _latest_deployment(self) -> DeploymentEvent | None:
        """The newest deploy or destroy of the topology, whole: every element's state and the
        end of its log, so a client that connects sees what is deployed and what is under way."""
        deployment = (
            Deployment.objects.select_related("revision", "requested_by")
            .filter(topology=self.topology)
            .order_by("-created_at", "-id")
            .first()
        )
        if deployment is None:
            return None
        log = deployment.log[-WELCOME_LOG_LINES:]
        return broadcast.deployment_event(deployment, elements=deployment.elements, log=log)

    @database_sync_to_async
    def _drift(self) -> DriftEvent | None:
        """What changed outside Netloom on the hosts of what the topology has deployed, if it
        has been observed."""
        current = current_deployment(self.topology)
        if current is None or current.action != DeploymentAction.DEPLOY or not current.drift:
            return None
        if drift.report(current)["checked_at"] is None:
            return None
        return drift.drift_event(current)

    @database_sync_to_async
    def _missed(self, since: int) -> list[RevisionEvent] | None:
        return self._missed_sync(since)

    def _missed_sync(self, since: int) -> list[RevisionEvent] | None:
        missed = revisions_after(self.topology, since, CATCH_UP_LIMIT)
        return None if missed is None else [broadcast.revision_event(r) for r in missed]

    @database_sync_to_async
    def _head(self, with_findings: bool = True) -> tuple[int, dict[str, Any], list[Any]]:
        topology = Topology.objects.select_related("head").get(pk=self.topology.pk)
        head = topology.head
        assert head is not None  # a topology is created with its first revision
        findings = (
            [broadcast.finding_out(f) for f in validate_revision(head)] if with_findings else []
        )
        return head.number, head.document, findings
