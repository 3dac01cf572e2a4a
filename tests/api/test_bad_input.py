"""Bad input gets 400 naming the field (never a 500), and nothing stored changes: wrong types,
unknown kinds, dangling references, colliding ids, names that would need escaping, text that
cannot be stored, malformed JSON; an oversized body gets 413."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import API, World, sample_document, stored_state

pytestmark = pytest.mark.django_db

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """An edit that sets `networks.0.name`-style path in a document."""

    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _append(list_name: str, element: dict[str, Any]) -> Edit:
    return lambda document: document[list_name].append(element)


def _drop(path: str) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        list_name, index, field = path.split(".")
        del document[list_name][int(index)][field]

    return edit


DOCUMENT_CASES: list[tuple[str, Edit, str]] = [
    ("a list that is a string", _set("networks", "web"), "document.networks"),
    ("an element that is a number", _set("subnets.0", 7), "document.subnets[0]"),
    ("an mtu that is text", _set("networks.0.mtu", "big"), "document.networks[0].mtu"),
    ("a flag that is a list", _set("subnets.0.enable_dhcp", []), "document.subnets[0].enable_dhcp"),
    ("an unknown kind", _set("networks.0.kind", "hyperloop"), "document.networks[0].kind"),
    ("a missing kind", _drop("networks.0.kind"), "document.networks[0].kind"),
    ("an unknown field", _set("routers.0.colour", "red"), "document.routers[0].colour"),
    ("a subnet on no network", _set("subnets.0.network", "nowhere"), "document.subnets[0].network"),
    ("a port on a missing device", _set("ports.0.device", "ghost"), "document.ports[0].device"),
    ("a port whose device is a network", _set("ports.0.device", "db"), "document.ports[0].device"),
    (
        "a fixed IP on a missing subnet",
        _set("ports.0.fixed_ips.0.subnet", "gone"),
        "document.ports[0].fixed_ips[0].subnet",
    ),
    (
        "a group with a missing member",
        _set("layout.groups.0.members.1", "ghost"),
        "document.layout.groups[0].members[1]",
    ),
    (
        "a position of a missing element",
        _set("layout.positions.ghost", {"x": 1, "y": 2}),
        "document.layout.positions.ghost",
    ),
    (
        "a colliding network id",
        _append("networks", {"id": "web", "kind": "self_service"}),
        "document.networks[3].id",
    ),
    (
        "an id shared by a router and an instance",
        _append("routers", {"id": "web1"}),
        "document.routers[1].id",
    ),
    ("an id with a space", _set("instances.0.id", "web 1"), "document.instances[0].id"),
    (
        "an infinite coordinate",
        _set("layout.viewport", {"zoom": 0}),
        "document.layout.viewport.zoom",
    ),
    ("a schema from the future", _set("schema_version", 2), "document.schema_version"),
]

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    'say "hi"',
    "it's",
    "two\nlines",
    "tab\there",
    "$(reboot)",
    "a; rm -rf /",
    "a | b",
    "`id`",
    "a & b",
    "x" * 65,
    " leading space",
]


@pytest.fixture
def put_document(world: World) -> Callable[[Any], Any]:
    url = f"{API}topologies/{world.topology.pk}/document/"

    def put(body: Any, **kwargs: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        return world.clients["editor"].generic("PUT", url, data=data, **kwargs)

    return put


def _assert_refused(response: Any, path: str, code: str, before: dict[str, Any]) -> None:
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == code, body
    assert path in [error["path"] for error in body["errors"]], body
    assert stored_state() == before


@pytest.mark.parametrize(
    ("edit", "path"), [pytest.param(edit, path, id=name) for name, edit, path in DOCUMENT_CASES]
)
def test_a_bad_document_names_the_path_and_stores_nothing(
    put_document: Callable[[Any], Any], edit: Edit, path: str
) -> None:
    document = sample_document()
    edit(document)
    before = stored_state()
    response = put_document({"base_revision": 2, "document": document})
    _assert_refused(response, path, "invalid_document", before)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_names_that_need_escaping_are_refused_everywhere(
    world: World, put_document: Callable[[Any], Any], name: str
) -> None:
    before = stored_state()
    document = sample_document()
    document["networks"][0]["name"] = name
    response = put_document({"base_revision": 2, "document": document})
    _assert_refused(response, "document.networks[0].name", "invalid_document", before)
    owner = world.clients["owner"]
    for url, body in [
        (API + "projects/", {"name": name}),
        (API + "topologies/", {"project": world.project.pk, "name": name}),
        (f"{API}projects/{world.project.pk}/share-links/", {"label": name}),
    ]:
        response = owner.post(url, body, format="json")
        field = "label" if "share-links" in url else "name"
        _assert_refused(response, field, "invalid_input", before)
    renamed = owner.patch(f"{API}projects/{world.project.pk}/", {"name": name}, format="json")
    _assert_refused(renamed, "name", "invalid_input", before)


BODY_CASES: list[tuple[Any, str, str]] = [
    ({"document": sample_document()}, "base_revision", "invalid_input"),
    ({"base_revision": "two", "document": sample_document()}, "base_revision", "invalid_input"),
    ({"base_revision": 0, "document": sample_document()}, "base_revision", "invalid_input"),
    ({"base_revision": 2**40, "document": sample_document()}, "base_revision", "invalid_input"),
    ({"base_revision": 2}, "document", "invalid_input"),
    ({"base_revision": 2, "document": []}, "document", "invalid_document"),
    ({"base_revision": 2, "document": "networks: []"}, "document", "invalid_document"),
    (
        {"base_revision": 2, "document": sample_document(), "message": "m" * 501},
        "message",
        "invalid_input",
    ),
    ([], "(body)", "invalid_input"),
    ("[1, 2]", "(body)", "invalid_input"),
    ("", "base_revision", "invalid_input"),
]


@pytest.mark.parametrize(("body", "path", "code"), BODY_CASES)
def test_a_bad_request_body_names_the_field(
    put_document: Callable[[Any], Any], body: Any, path: str, code: str
) -> None:
    before = stored_state()
    _assert_refused(put_document(body), path, code, before)


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        "{'base_revision': 2}",
        '{"base_revision": NaN}',
        "Infinity",
        '{"a": 1} trailing',
        "[" * 100_000,
        '{"a": ' * 50_000 + "1" + "}" * 50_000,
        b"\xff\xfe\x00bad utf-8",
    ],
    ids=[
        "open",
        "quotes",
        "nan",
        "infinity",
        "trailing",
        "deep-list",
        "deep-object",
        "bytes",
    ],
)
def test_malformed_json_is_refused_as_such(put_document: Callable[[Any], Any], raw: Any) -> None:
    before = stored_state()
    response = put_document(raw)
    _assert_refused(response, "(body)", "malformed_json", before)


def _raw(document: str, message: str = "") -> str:
    return f'{{"base_revision": 2, "message": "{message}", "document": {document}}}'


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (_raw('{"description": "nul \\u0000 here"}'), "document.description"),
        (_raw('{"description": "half \\ud800 pair"}'), "document.description"),
        (_raw("{}", message="\\udfff"), "message"),
        (_raw('{"networks": [{"id": "n\\u0000"}]}'), "document.networks[0].id"),
        (_raw('{"\\u0000": 1}'), "document"),
    ],
)
def test_text_that_cannot_be_stored_is_refused_with_its_path(
    put_document: Callable[[Any], Any], raw: str, path: str
) -> None:
    before = stored_state()
    _assert_refused(put_document(raw), path, "invalid_input", before)


def test_a_real_emoji_pair_is_stored(put_document: Callable[[Any], Any]) -> None:
    raw = json.dumps({"base_revision": 2, "document": {"description": "\U0001f310 network"}})
    assert "\\ud83c\\udf10" in raw
    response = put_document(raw)
    assert response.status_code == 200


def test_an_oversized_body_gets_413(put_document: Callable[[Any], Any], settings: Any) -> None:
    settings.NETLOOM_MAX_REQUEST_BYTES = 2000
    before = stored_state()
    document = sample_document()
    document["description"] = "x" * 1900
    response = put_document({"base_revision": 2, "document": document})
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert stored_state() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("base_revision=2", "application/x-www-form-urlencoded"), ("hello", "text/plain")],
)
def test_a_body_that_is_not_json_gets_415(
    put_document: Callable[[Any], Any], data: str, content_type: str
) -> None:
    before = stored_state()
    response = put_document(data, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert stored_state() == before


def test_a_bad_initial_document_creates_no_topology(world: World) -> None:
    document = sample_document()
    document["networks"][1]["kind"] = "wormhole"
    before = stored_state()
    response = world.clients["editor"].post(
        API + "topologies/",
        {"project": world.project.pk, "name": "Broken", "document": document},
        format="json",
    )
    _assert_refused(response, "document.networks[1].kind", "invalid_document", before)


@pytest.mark.parametrize(
    ("query", "path"),
    [("project=abc", "project"), ("project=-1", "project"), ("project=%00", "project")],
)
def test_a_bad_filter_is_named(world: World, query: str, path: str) -> None:
    response = world.clients["viewer"].get(f"{API}topologies/?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


@pytest.mark.parametrize(
    "path",
    ["nothing/", "projects", "projects/abc/", "topologies/99999999999999999999999/", "hosts/x/"],
)
def test_unknown_endpoints_answer_in_the_error_shape(world: World, path: str) -> None:
    response = world.clients["admin"].get(API + path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_post_to_an_unknown_endpoint_is_not_found_not_a_csrf_page() -> None:
    response = APIClient(enforce_csrf_checks=True).post(API + "nothing/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_huge_ids_in_nested_urls_are_not_found(world: World) -> None:
    admin = world.clients["admin"]
    huge = "9" * 30
    for path in (f"projects/{huge}/members/", f"topologies/{huge}/document/"):
        response = admin.get(API + path)
        assert response.status_code == 404, path


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("description", "document.description"),
        ("network", "document.networks[0].description"),
        ("message", "message"),
    ],
)
def test_a_nul_character_is_refused_with_the_field_named(
    world: World, put_document: Callable[[Any], Any], where: str, path: str
) -> None:
    """PostgreSQL cannot store U+0000 in text or JSON: it is refused where it is typed, never
    left to fail in the database."""
    before = stored_state()
    document = sample_document()
    body: dict[str, Any] = {"base_revision": 2, "document": document}
    if where == "description":
        document["description"] = "before\u0000after"
    elif where == "network":
        document["networks"][0]["description"] = "before\u0000after"
    else:
        body["message"] = "before\u0000after"
    _assert_refused(put_document(body), path, "invalid_input", before)
