"""The topology document: every element of one topology plus its canvas layout, and the parser
that turns untrusted JSON or YAML into it, refusing bad input with the path of the bad field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError

from designer.gcpause import paused_gc
from designer.spec.elements import (
    Element,
    FloatingIP,
    Instance,
    LoadBalancer,
    Network,
    Port,
    Router,
    Segment,
    Strict,
    Subnet,
)
from designer.spec.fields import (
    MAX_ELEMENTS,
    Coordinate,
    Description,
    ElementId,
    Name,
)

SCHEMA_VERSION: Literal[1] = 1
# The element lists of a document, in the order they are read and written.
ELEMENT_LISTS = (
    "networks",
    "segments",
    "subnets",
    "ports",
    "instances",
    "routers",
    "floating_ips",
    "load_balancers",
)

ElementList = Annotated[list[Any], Field(max_length=MAX_ELEMENTS)]


class Position(Strict):
    x: Coordinate
    y: Coordinate


class Group(Strict):
    """A free-form box on the canvas (a label around some elements), with no network meaning."""

    id: ElementId
    label: Name = ""
    members: Annotated[list[ElementId], Field(max_length=MAX_ELEMENTS)] = []


class Viewport(Strict):
    x: Coordinate = 0
    y: Coordinate = 0
    zoom: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1


LAYOUT_KEY = r"^(?:host:[a-z0-9][a-z0-9-]{0,31}|[A-Za-z][A-Za-z0-9_-]{0,47})$"


class Layout(Strict):
    """Canvas layout, kept apart from the network semantics: moving a box is not a change to
    the network. Keys are element ids, group ids, or `host:NAME` for a host's box."""

    positions: Annotated[
        dict[Annotated[str, Field(pattern=LAYOUT_KEY)], Position],
        Field(max_length=MAX_ELEMENTS * 2),
    ] = {}
    groups: Annotated[list[Group], Field(max_length=1000)] = []
    viewport: Viewport = Viewport()


class Document(Strict):
    schema_version: Literal[1] = SCHEMA_VERSION
    description: Description = ""
    networks: Annotated[list[Network], Field(max_length=MAX_ELEMENTS)] = []
    segments: Annotated[list[Segment], Field(max_length=MAX_ELEMENTS)] = []
    subnets: Annotated[list[Subnet], Field(max_length=MAX_ELEMENTS)] = []
    ports: Annotated[list[Port], Field(max_length=MAX_ELEMENTS)] = []
    instances: Annotated[list[Instance], Field(max_length=MAX_ELEMENTS)] = []
    routers: Annotated[list[Router], Field(max_length=MAX_ELEMENTS)] = []
    floating_ips: Annotated[list[FloatingIP], Field(max_length=MAX_ELEMENTS)] = []
    load_balancers: Annotated[list[LoadBalancer], Field(max_length=MAX_ELEMENTS)] = []
    layout: Layout = Layout()

    def elements(self) -> Iterator[tuple[str, int, Element]]:
        """Every element with the list it is in and its index there."""
        for list_name in ELEMENT_LISTS:
            for index, element in enumerate(getattr(self, list_name)):
                yield list_name, index, element

    def element_count(self) -> int:
        return sum(len(getattr(self, list_name)) for list_name in ELEMENT_LISTS)

    def to_json(self) -> dict[str, Any]:
        """The stored form: defaults included, so every reader sees the same values."""
        return self.model_dump(mode="json")


# --- errors -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class DocumentError(ValueError):
    """The input is not a topology document. Every error names the field it is about."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors[:5]))


def format_path(loc: tuple[int | str, ...]) -> str:
    """`('subnets', 3, 'cidr')` -> `subnets[3].cidr`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(document)"


def _pydantic_errors(exc: ValidationError) -> list[FieldError]:
    errors = []
    for error in exc.errors(include_url=False, include_input=False):
        # A discriminated union puts the chosen tag into the location; it is not a field.
        loc = tuple(
            part
            for part in error["loc"]
            if not (
                isinstance(part, str)
                and part in _NETWORK_TAGS
                and error["type"] != "union_tag_invalid"
            )
        )
        message = error["msg"]
        if error["type"] == "union_tag_invalid":
            loc = (*loc, "kind")
            message = f"unknown kind; expected one of: {', '.join(sorted(_NETWORK_TAGS))}"
        elif error["type"] == "union_tag_not_found":
            loc = (*loc, "kind")
            message = "kind is required"
        elif error["type"] == "string_pattern_mismatch":
            message = _pattern_message(loc)
        elif error["type"] == "extra_forbidden":
            message = "is not a known field here: check its spelling"
        errors.append(FieldError(format_path(loc), message))
    return errors


_NETWORK_TAGS = frozenset(
    {
        "provider",
        "routed_provider",
        "self_service",
        "docker_bridge",
        "docker_none",
        "docker_host",
        "docker_user_bridge",
        "docker_overlay",
        "docker_macvlan",
    }
)


def _pattern_message(loc: tuple[int | str, ...]) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if field in {"id", "members", "device", "network", "segment", "subnet", "port", "instance"}:
        return "must be an id: a letter, then up to 47 letters, digits, '-' or '_'"
    if field in {"name", "label"}:
        return (
            "may hold letters, digits, spaces and . - : + @ / ( ) , # only "
            "(no quotes, angle brackets, newlines or shell characters), at most 64"
        )
    if field in {"host", "hosts", "priorities"}:
        return "must be a host name: lower-case letters, digits and '-', at most 32"
    if field in {"physical_network", "parent"}:
        return "must be a physical network name: a letter, then letters, digits, '-' or '_'"
    if field == "role":
        return "must be a role name: lower-case letters, digits, '-' or '_'"
    if field == "mac_address":
        return "must be a MAC address like 02:00:00:00:00:01 (lower case)"
    if field == "image":
        return "must be an image reference like nginx:1.27 or library/alpine"
    if field == "http_path":
        return (
            "must be a path beginning with '/': letters, digits and . _ ~ % / ? = & + , : @ - "
            "only, at most 256"
        )
    if field == "positions":
        return "layout keys are element ids, group ids or host:NAME"
    return "holds characters an address cannot hold"


# --- references ---------------------------------------------------------------------------

# (list, field, kinds of element it may point at). Nested fields use dotted access below.
_REFERENCES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("segments", "network", frozenset({"networks"})),
    ("subnets", "network", frozenset({"networks"})),
    ("subnets", "segment", frozenset({"segments"})),
    ("ports", "network", frozenset({"networks"})),
    ("ports", "device", frozenset({"instances", "routers"})),
    ("floating_ips", "network", frozenset({"networks"})),
    ("floating_ips", "port", frozenset({"ports"})),
    ("load_balancers", "subnet", frozenset({"subnets"})),
)

_KIND_WORD = {
    "networks": "a network",
    "segments": "a segment",
    "subnets": "a subnet",
    "ports": "a port",
    "instances": "an instance",
    "routers": "a router",
    "floating_ips": "a floating IP",
    "load_balancers": "a load balancer",
}


def _check_references(document: Document) -> list[FieldError]:
    errors: list[FieldError] = []
    where: dict[str, str] = {}
    for list_name, index, element in document.elements():
        if element.id in where:
            errors.append(
                FieldError(
                    f"{list_name}[{index}].id",
                    f"id '{element.id}' is already used by {where[element.id]}",
                )
            )
        else:
            where[element.id] = f"{list_name}[{index}]"
    group_ids: set[str] = set()
    for index, group in enumerate(document.layout.groups):
        if group.id in where or group.id in group_ids:
            errors.append(
                FieldError(f"layout.groups[{index}].id", f"id '{group.id}' is already used")
            )
        group_ids.add(group.id)

    def expect(path: str, target: str | None, kinds: frozenset[str]) -> None:
        if target is None:
            return
        found = where.get(target)
        if found is None:
            errors.append(FieldError(path, f"refers to '{target}', which does not exist"))
        elif found.split("[", 1)[0] not in kinds:
            wanted = " or ".join(_KIND_WORD[k] for k in sorted(kinds))
            errors.append(FieldError(path, f"refers to '{target}', which is not {wanted}"))

    for list_name, field, kinds in _REFERENCES:
        for index, element in enumerate(getattr(document, list_name)):
            expect(f"{list_name}[{index}].{field}", getattr(element, field), kinds)
    subnets = frozenset({"subnets"})
    for index, port in enumerate(document.ports):
        for ip_index, fixed_ip in enumerate(port.fixed_ips):
            expect(f"ports[{index}].fixed_ips[{ip_index}].subnet", fixed_ip.subnet, subnets)
    for index, router in enumerate(document.routers):
        gateway = router.external_gateway
        if gateway is not None:
            base = f"routers[{index}].external_gateway"
            expect(f"{base}.network", gateway.network, frozenset({"networks"}))
            for ip_index, fixed_ip in enumerate(gateway.fixed_ips):
                expect(f"{base}.fixed_ips[{ip_index}].subnet", fixed_ip.subnet, subnets)
    instances = frozenset({"instances"})
    for index, balancer in enumerate(document.load_balancers):
        for member_index, lb_member in enumerate(balancer.members):
            path = f"load_balancers[{index}].members[{member_index}].instance"
            expect(path, lb_member.instance, instances)
    for index, group in enumerate(document.layout.groups):
        for member_index, member in enumerate(group.members):
            if member not in where and member not in group_ids:
                errors.append(
                    FieldError(
                        f"layout.groups[{index}].members[{member_index}]",
                        f"refers to '{member}', which does not exist",
                    )
                )
    for key in document.layout.positions:
        if not key.startswith("host:") and key not in where and key not in group_ids:
            errors.append(
                FieldError(f"layout.positions.{key}", f"refers to '{key}', which does not exist")
            )
    return errors


# --- parsing ------------------------------------------------------------------------------


def parse_document(data: Any) -> Document:
    """Parse an already-decoded JSON value into a Document, or raise DocumentError."""
    if not isinstance(data, Mapping):
        raise DocumentError([FieldError("(document)", "must be an object")])
    try:
        with paused_gc():
            document = Document.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(_pydantic_errors(exc)) from None
    if document.element_count() > MAX_ELEMENTS:
        raise DocumentError([FieldError("(document)", f"holds more than {MAX_ELEMENTS} elements")])
    errors = _check_references(document)
    if errors:
        raise DocumentError(errors)
    return document


TOO_DEEP = "nests too deeply to be a topology document"


def load_document_text(text: str, *, filename: str = "") -> Document:
    """Parse a document written as JSON or YAML (topology as code)."""
    try:
        if filename.endswith(".json") or text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise DocumentError(
            [FieldError("(document)", f"is not valid JSON or YAML: {exc}")]
        ) from None
    except RecursionError:
        raise DocumentError([FieldError("(document)", TOO_DEEP)]) from None
    return parse_document(data)


DocumentFormat = Literal["yaml", "json"]


def dump_document_text(document: Document, format: DocumentFormat, heading: str = "") -> str:
    """The document written as a file (topology as code), as a person would write it: fields
    left at their defaults left out, so `load_document_text` reads back the same document.
    `heading` opens a YAML file as comment lines."""
    data = {
        "schema_version": document.schema_version,
        **document.model_dump(mode="json", exclude_defaults=True),
    }
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    comment = "".join(f"# {line}\n" for line in heading.splitlines())
    return comment + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def document_json_schema() -> dict[str, Any]:
    """The JSON Schema the front end generates its types from."""
    schema = Document.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Netloom topology document"
    return schema
