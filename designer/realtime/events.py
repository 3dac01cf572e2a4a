"""The event catalog: every message that crosses a topology's WebSocket, in both directions.

Each message is a typed model with a `type` and no undeclared fields. The server builds only
these objects; the front end's TypeScript types are generated from `catalog_json_schema()`.
Later features (deploy progress, HA failover) add their events here.

Client to server: `edit`, `select`, `sync`, `ping`.
Server to client: `welcome`, `ack`, `rejected`, `revision`, `findings`, `presence`, `resync`,
`error`, `pong`, `deployment`, `drift`, `connectivity`, `vrrp`, and what VRRP transitions add up
to: `failover`, `switchover`, `failback`, `split_brain` (sent again, with `ended_at`, when it
ends), `no_master`; `drill`; and `lb_member` (a load balancer's member changed health).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from designer.spec.fields import ElementId
from designer.spec.operations import Operations

EditId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
RevisionNumber = Annotated[int, Field(ge=1)]
Role = Literal["owner", "editor", "viewer"]


class Event(BaseModel):
    # Fields with defaults (every server event's `type`) are always sent, so the schema the
    # front end's types come from marks them required.
    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_serialization_defaults_required=True
    )


# --- shared parts -------------------------------------------------------------------------


class FieldProblem(Event):
    path: str
    message: str


class FindingOut(Event):
    code: str
    severity: Literal["error", "warning", "info"]
    elements: list[str]
    message: str
    data: dict[str, Any] = {}


class Person(Event):
    id: int
    name: str


class Presence(Event):
    client_id: str
    user: Person | None  # None: a share-link visitor
    color: str
    can_edit: bool
    selection: list[str] = []


class RevisionEvent(Event):
    """A revision other clients must apply: its operations, or, for a write that was not an
    edit (a whole-document save, a restore), the whole document."""

    type: Literal["revision"] = "revision"
    revision: RevisionNumber
    parent: int | None
    author: Person | None
    message: str
    edit_id: str | None = None
    ops: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None


# --- client to server ---------------------------------------------------------------------


class EditMessage(Event):
    type: Literal["edit"]
    edit_id: EditId
    base_revision: RevisionNumber
    ops: Operations
    message: Annotated[str, Field(max_length=500)] = ""


class SelectMessage(Event):
    type: Literal["select"]
    elements: Annotated[list[ElementId], Field(max_length=1000)]


class SyncMessage(Event):
    """Catch me up: send every revision after `since_revision` (or a full resync)."""

    type: Literal["sync"]
    since_revision: Annotated[int, Field(ge=0)]


class PingMessage(Event):
    type: Literal["ping"]


ClientMessage = Annotated[
    EditMessage | SelectMessage | SyncMessage | PingMessage, Field(discriminator="type")
]
CLIENT_MESSAGE = TypeAdapter(ClientMessage)


# --- server to client ---------------------------------------------------------------------


class Welcome(Event):
    type: Literal["welcome"] = "welcome"
    client_id: str
    user: Person | None
    role: Role
    can_edit: bool
    topology: dict[str, Any]  # id, name, project
    revision: RevisionNumber
    document: dict[str, Any]
    findings: list[FindingOut]
    presence: list[Presence]


class Ack(Event):
    """The edit is stored as `revision`. `ops` are the edit's operations as stored (defaults
    filled in): applied to the base revision they give exactly the stored document."""

    type: Literal["ack"] = "ack"
    edit_id: str
    revision: RevisionNumber
    ops: list[dict[str, Any]]


class Rejected(Event):
    """An edit the server did not store. For `stale_revision`, the revisions up to
    `current_revision` that the client has not yet been sent are in `catch_up` (empty when they
    all came down the socket ahead of this answer); when there are too many, `catch_up` is None
    and a `resync` follows."""

    type: Literal["rejected"] = "rejected"
    edit_id: str
    code: Literal["stale_revision", "invalid_edit", "forbidden"]
    detail: str
    errors: list[FieldProblem] = []
    current_revision: int
    catch_up: list[RevisionEvent] | None = None


class Findings(Event):
    type: Literal["findings"] = "findings"
    revision: RevisionNumber
    findings: list[FindingOut]
    counts: dict[str, int]


class PresenceEvent(Event):
    type: Literal["presence"] = "presence"
    clients: list[Presence]


class Resync(Event):
    """The whole document: sent when a gap cannot be filled from the revisions."""

    type: Literal["resync"] = "resync"
    revision: RevisionNumber
    document: dict[str, Any]
    reason: str


class ErrorEvent(Event):
    type: Literal["error"] = "error"
    code: str
    detail: str
    errors: list[FieldProblem] = []


class Pong(Event):
    type: Literal["pong"] = "pong"


ElementDeployState = Literal["pending", "creating", "up", "failed", "removing", "removed"]


class HostProgress(Event):
    done: int = 0
    # None until the host has planned its steps.
    total: int | None = None
    state: Literal["pending", "done", "failed", "cancelled"] = "pending"


class LogLine(Event):
    at: str
    host: str | None
    level: Literal["info", "error"]
    message: str


class DeploymentOut(Event):
    id: int
    action: Literal["deploy", "destroy"]
    state: Literal[
        "queued",
        "planning",
        "applying",
        "rolling_back",
        "deployed",
        "destroyed",
        "failed",
        "cancelled",
    ]
    # The revision deployed; None for a destroy.
    revision: int | None
    progress: Annotated[int, Field(ge=0, le=100)]
    hosts: dict[str, HostProgress]
    error: str
    requested_by: Person | None
    started_at: str | None
    finished_at: str | None


class DeploymentEvent(Event):
    """A deploy or destroy moved on: its state and progress, the elements whose state changed
    (all of them when a client has just connected) and the new lines of its log."""

    type: Literal["deployment"] = "deployment"
    deployment: DeploymentOut
    elements: dict[str, ElementDeployState]
    log: list[LogLine]


DriftChange = Literal["missing", "changed", "unexpected"]


class DriftItem(Event):
    """One kernel object not as the deployed revision wants it. `object` and `detail` are
    kernel names, addresses and numbers, never text a person typed."""

    host: str
    # The element it realises; None for an unexpected object that nothing points to.
    element: str | None
    object: str
    change: DriftChange
    detail: str


class DriftReport(Event):
    # None until the deployment's hosts were first observed.
    checked_at: str | None
    elements: dict[str, DriftChange]
    items: list[DriftItem]


class DriftEvent(Event):
    """What changed on the hosts of the deployed attempt `deployment` (of `revision`) outside
    Netloom, as last observed: sent when it changes, after a check a person asked for, and to
    a client that has just connected."""

    type: Literal["drift"] = "drift"
    deployment: int
    revision: int
    drift: DriftReport


CheckKind = Literal["ping", "tcp", "matrix"]
CheckState = Literal["queued", "running", "done", "failed"]


class CheckResult(Event):
    """One probe of a connectivity check: from `source`'s namespace to `address` of `target`.
    `expected` is the design's prediction, `agrees` whether the traffic matched it (None when
    nothing could be sent); `path` is the predicted route (source, networks, subnets and
    routers, target), empty when the design joins them by nothing."""

    source: str
    target: str
    address: str
    protocol: Literal["icmp", "tcp"]
    port: int | None
    reachable: bool
    expected: bool | None
    agrees: bool | None
    rtt_ms: float | None
    detail: str
    path: list[str]


class CheckOut(Event):
    id: int
    kind: CheckKind
    state: CheckState
    # Instance ids; None for a matrix.
    source: str | None
    target: str | None
    port: int | None
    # The deployed attempt the probes ran against, and its revision.
    deployment: int | None
    revision: int | None
    # Each host's probes: done of total.
    hosts: dict[str, HostProgress]
    results: list[CheckResult]
    findings: list[FindingOut]
    error: str
    requested_by: Person | None
    created_at: str
    finished_at: str | None


class ConnectivityEvent(Event):
    """A connectivity check moved on (queued, running, done or failed): the whole check, as
    the REST API shows it."""

    type: Literal["connectivity"] = "connectivity"
    check: CheckOut


VrrpState = Literal["master", "backup", "fault", "stop"]


class VrrpEvent(Event):
    """An instance of HA router `router` on `host` changed VRRP state, as keepalived reported
    it: `master` holds the router's addresses, `backup` stands by, `fault` cannot take part,
    `stop` no longer runs. `old_state` is None for the first state an instance reports; `at`
    is when the host saw it. Sent at once, to every client of the topology."""

    type: Literal["vrrp"] = "vrrp"
    deployment: int
    router: str
    host: str
    old_state: VrrpState | None
    new_state: VrrpState
    at: str


class LbMemberEvent(Event):
    """A member of load balancer `load_balancer` (realised with nftables on `host`) changed
    health as the agent's checks found it: `down` after `fall` failed checks in a row (it gets
    no new connections), `up` after `rise` good ones (it gets them again). `member` is the
    member's instance and port (`instance:port`); `at` is when the checker saw it."""

    type: Literal["lb_member"] = "lb_member"
    deployment: int
    load_balancer: str
    member: str
    host: str
    state: Literal["up", "down"]
    at: str


MeasuredFrom = Literal["left", "last_known"]


class RoleMove(Event):
    """The master role of HA router `router` moved from the instance on `from_host` to the one
    on `to_host`, which reported MASTER `at`. The router had no master from `no_master_since`
    for `no_master_seconds` (0 when the old master let go only once the new one held the
    role): measured from the old master's own report of leaving MASTER (`measured_from`
    "left"), or, when it was killed and never reported, from the last moment it was known
    master, the kill (`last_known`). `drill` is the drill that caused it, if any."""

    deployment: int
    router: str
    from_host: str
    to_host: str
    at: str
    no_master_since: str
    no_master_seconds: float
    measured_from: MeasuredFrom
    drill: int | None


class FailoverEvent(RoleMove):
    """The master role moved on its own to another instance (its master failed)."""

    type: Literal["failover"] = "failover"


class SwitchoverEvent(RoleMove):
    """The master role moved because a person asked for it (a switchover drill)."""

    type: Literal["switchover"] = "switchover"


class FailbackEvent(RoleMove):
    """The master role returned to the router's initial master."""

    type: Literal["failback"] = "failback"


class SplitBrainEvent(Event):
    """Two instances of HA router `router`, on `hosts`, reported MASTER at once from `since`,
    and neither let go within the master-down interval (or a `cut_link` drill, `drill`, had cut
    one of them off the HA network, so neither could hear the other). Sent when it is found,
    with `ended_at` None while it lasts, and once more, the same split brain with `ended_at`
    set, when one of the two leaves MASTER (the link mended, the lower one stepping back)."""

    type: Literal["split_brain"] = "split_brain"
    deployment: int
    router: str
    hosts: list[str]
    since: str
    ended_at: str | None
    drill: int | None


class NoMasterEvent(Event):
    """No instance of HA router `router` is MASTER, `at` the end of the master-down interval
    (advert interval x 3 + skew) since its master on `last_master` left (or was killed,
    `measured_from` "last_known") at `since`."""

    type: Literal["no_master"] = "no_master"
    deployment: int
    router: str
    last_master: str
    since: str
    at: str
    measured_from: MeasuredFrom


class DrillProbeOut(Event):
    """What the probe of a drill saw: echo requests from instance `source` to `address` of
    instance `target`, across the router, every 20 ms while the drill ran. `sent`,
    `received`, `longest_gap_seconds` (the longest time without a reply) and
    `gap_started_at` (when that silence began) are None until the probe is over; `error`
    says why it failed or stopped early."""

    source: str
    target: str
    address: str
    state: Literal["queued", "running", "done", "failed"]
    sent: int | None
    received: int | None
    longest_gap_seconds: float | None
    gap_started_at: str | None
    error: str


class DrillOut(Event):
    """An HA drill as the REST API shows it. `kind` is one of the drill kinds
    (crash_master, switchover, failback, ...); `outage_seconds` is its probe's longest gap in
    replies, the outage the drill caused where traffic goes (None until measured, or without
    a probe)."""

    id: int
    deployment: int
    router: str
    kind: str
    target_host: str | None
    # How long a cut_link holds the master's HA link cut (seconds); None for other kinds.
    hold_seconds: int | None
    host: str
    state: Literal["queued", "done", "failed"]
    hosts: dict[str, str]
    requested_at: str
    at: str | None
    finished_at: str | None
    error: str
    outage_seconds: float | None
    probe: DrillProbeOut | None


class DrillEvent(Event):
    """A drill was asked for, finished, or its probe measured the outage: the whole drill.
    Its `id` is the `drill` of the failover, switchover or failback it caused."""

    type: Literal["drill"] = "drill"
    drill: DrillOut


ServerMessage = Annotated[
    Welcome
    | Ack
    | Rejected
    | RevisionEvent
    | Findings
    | PresenceEvent
    | Resync
    | ErrorEvent
    | Pong
    | DeploymentEvent
    | DriftEvent
    | ConnectivityEvent
    | VrrpEvent
    | FailoverEvent
    | SwitchoverEvent
    | FailbackEvent
    | SplitBrainEvent
    | NoMasterEvent
    | DrillEvent
    | LbMemberEvent,
    Field(discriminator="type"),
]


def catalog_json_schema() -> dict[str, Any]:
    """JSON Schema of both directions, for the front end's generated types."""
    client = TypeAdapter(ClientMessage).json_schema(mode="validation")
    server = TypeAdapter(ServerMessage).json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Netloom WebSocket event catalog",
        "$defs": {**client.pop("$defs", {}), **server.pop("$defs", {})},
        "properties": {"client": client, "server": server},
    }
