"""Topologies, their documents and history over the API: saving on a base revision, stale
writes, restore, diff and validation."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.utils.text import slugify

from designer.models import Revision, Topology
from designer.spec import dump_document_text, load_document_text, parse_document
from tests.api.conftest import (
    API,
    Factory,
    World,
    assert_input_error,
    client_for,
    sample_document,
    stored_state,
)

pytestmark = pytest.mark.django_db


def _url(topology: Topology, rest: str = "") -> str:
    return f"{API}topologies/{topology.pk}/{rest}"


def _head(topology: Topology) -> Revision:
    topology.refresh_from_db()
    assert topology.head is not None
    return topology.head


def _create(world: World, name: str, **fields: Any) -> Any:
    """An editor's POST of a new topology named `name` in the world's project."""
    return world.clients["editor"].post(
        API + "topologies/", {"project": world.project.pk, "name": name, **fields}, format="json"
    )


def test_creating_a_topology_from_a_document(world: World) -> None:
    response = _create(world, "From code", document=sample_document(), message="Imported")
    assert response.status_code == 201
    body = response.json()
    assert body["head_revision"] == 1
    assert body["created_by"] == "editor"
    assert body["role"] == "editor"
    document = world.clients["viewer"].get(f"{API}topologies/{body['id']}/document/").json()
    assert document["revision"] == 1
    assert [n["id"] for n in document["document"]["networks"]] == ["web", "db", "apps"]


# --- topology as code: the document as a file, and a topology made from one ---------------------


def _create_from_text(world: World, text: str, name: str = "From a file") -> Any:
    return _create(world, name, document_text=text)


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_a_document_exported_as_a_file_makes_the_same_topology_again(
    world: World, kind: str
) -> None:
    response = world.clients["viewer"].get(_url(world.topology, f"export/?as={kind}"))
    assert response.status_code == 200
    assert response["Content-Type"] == f"application/{kind}; charset=utf-8"
    number = _head(world.topology).number
    assert response["Content-Disposition"] == (
        f'attachment; filename="{slugify(world.topology.name)}-r{number}.{kind}"'
    )
    text = response.content.decode()
    if kind == "yaml":
        assert text.startswith(f"# {world.topology.name}, revision {number}, exported from")
    created = _create_from_text(world, text)
    assert created.status_code == 201, created.json()
    copy_of = Topology.objects.get(pk=created.json()["id"])
    assert _head(copy_of).parsed() == _head(world.topology).parsed()


def test_an_exported_file_leaves_the_defaults_out() -> None:
    document = parse_document(sample_document())
    text = dump_document_text(document, "yaml")
    assert text.startswith("schema_version: 1\n")
    assert "l2_bridge" not in text
    assert "published_ports" not in text
    assert load_document_text(text) == document


def test_an_older_revision_can_be_exported(world: World) -> None:
    first = world.clients["viewer"].get(_url(world.topology, "export/?as=json&revision=1"))
    assert first.status_code == 200
    assert json.loads(first.content) == json.loads(
        dump_document_text(Revision.objects.get(topology=world.topology, number=1).parsed(), "json")
    )
    missing = world.clients["viewer"].get(_url(world.topology, "export/?revision=999"))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "path"), [("as=xml", "as"), ("as=", "as"), ("revision=x", "revision")]
)
def test_a_bad_export_parameter_is_named(world: World, query: str, path: str) -> None:
    assert_input_error(world.clients["viewer"].get(_url(world.topology, f"export/?{query}")), path)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("networks: [", "document_text"),
        ("{", "document_text"),
        ("- just\n- a list\n", "document_text"),
        ("networks:\n  - {id: n1, kind: wormhole}\n", "document_text.networks[0]"),
        (
            "networks: [{id: n, kind: self_service}]\n"
            "subnets: [{id: s, network: n, cidr: 10.0.0.0/24, gatway_ip: 10.0.0.1}]\n",
            "document_text.subnets[0].gatway_ip",
        ),
        ("", "document_text"),
    ],
)
def test_a_bad_file_gets_a_400_naming_the_path(world: World, text: str, path: str) -> None:
    before = stored_state()
    response = _create_from_text(world, text)
    body = response.json()
    assert response.status_code == 400, body
    assert any(error["path"].startswith(path) for error in body["errors"]), body
    assert stored_state() == before


def test_a_document_and_its_text_at_once_are_refused(world: World) -> None:
    response = _create(
        world, "Both", document=sample_document(), document_text="schema_version: 1\n"
    )
    assert_input_error(response, "document_text")


def test_a_topology_may_have_a_blank_description(world: World) -> None:
    editor = world.clients["editor"]
    body = {"project": world.project.pk, "name": "Plain", "description": "", "message": ""}
    created = editor.post(API + "topologies/", body, format="json")
    assert created.status_code == 201
    cleared = editor.patch(_url(world.topology), {"description": ""}, format="json")
    assert cleared.status_code == 200
    assert cleared.json()["description"] == ""


def test_topologies_filter_by_project(world: World, make: Factory) -> None:
    make.topology(world.other_project, name="Theirs")
    admin = world.clients["admin"]
    listed = admin.get(f"{API}topologies/?project={world.other_project.pk}").json()["results"]
    assert [t["name"] for t in listed] == ["Theirs"]
    everything = admin.get(API + "topologies/").json()
    assert everything["count"] == 3


def test_saving_on_the_head_makes_the_next_revision_with_findings(world: World) -> None:
    document = sample_document()
    document["networks"].append({"id": "mgmt", "name": "mgmt", "kind": "self_service"})
    response = world.clients["editor"].put(
        _url(world.topology, "document/"),
        {"base_revision": 2, "document": document, "message": "Add mgmt"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["revision"]["number"] == 3
    assert body["revision"]["parent"] == 2
    assert body["revision"]["author"] == "editor"
    assert body["revision"]["message"] == "Add mgmt"
    assert body["deployable"] is (body["counts"]["error"] == 0)
    assert sum(body["counts"].values()) == len(body["findings"])
    head = _head(world.topology)
    assert head.number == 3
    assert [n["id"] for n in head.document["networks"]][-1] == "mgmt"


def test_a_stale_write_gets_the_head_and_stores_nothing(world: World) -> None:
    editor, owner = world.clients["editor"], world.clients["owner"]
    first = sample_document()
    first["description"] = "The owner's change"
    saved = owner.put(
        _url(world.topology, "document/"), {"base_revision": 2, "document": first}, format="json"
    )
    assert saved.status_code == 200
    before = stored_state()
    second = sample_document()
    second["description"] = "The editor's change, made on revision 2"
    response = editor.put(
        _url(world.topology, "document/"), {"base_revision": 2, "document": second}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_revision"
    assert body["current_revision"] == 3
    assert body["document"] == _head(world.topology).document
    assert body["document"]["description"] == "The owner's change"
    assert stored_state() == before


def test_a_base_revision_ahead_of_the_head_is_stale_too(world: World) -> None:
    before = stored_state()
    response = world.clients["editor"].put(
        _url(world.topology, "document/"),
        {"base_revision": 7, "document": sample_document()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    assert stored_state() == before


def test_revisions_list_newest_first_without_documents(world: World) -> None:
    body = world.clients["viewer"].get(_url(world.topology, "revisions/")).json()
    assert body["count"] == 2
    assert [r["number"] for r in body["results"]] == [2, 1]
    assert "document" not in body["results"][0]
    assert body["results"][0]["parent"] == 1
    paged = world.clients["viewer"].get(_url(world.topology, "revisions/?limit=1&offset=1"))
    assert [r["number"] for r in paged.json()["results"]] == [1]


def test_one_revision_comes_with_its_document(world: World) -> None:
    body = world.clients["viewer"].get(_url(world.topology, "revisions/1/")).json()
    assert body["number"] == 1
    assert body["document"]["networks"][0]["id"] == "web"
    missing = world.clients["viewer"].get(_url(world.topology, "revisions/9/"))
    assert missing.status_code == 404


def test_restore_makes_a_new_revision_with_the_old_document(world: World) -> None:
    old = Revision.objects.get(topology=world.topology, number=1).document
    response = world.clients["editor"].post(
        _url(world.topology, "revisions/1/restore/"), {"base_revision": 2}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["revision"]["number"] == 3
    assert response.json()["revision"]["message"] == "Restored revision 1"
    head = _head(world.topology)
    assert head.number == 3
    assert head.document == old
    assert Revision.objects.filter(topology=world.topology).count() == 3


def test_a_stale_restore_stores_nothing(world: World) -> None:
    before = stored_state()
    response = world.clients["editor"].post(
        _url(world.topology, "revisions/1/restore/"), {"base_revision": 1}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["current_revision"] == 2
    assert response.json()["document"] == _head(world.topology).document
    assert stored_state() == before


def test_restoring_a_missing_revision_is_not_found(world: World) -> None:
    response = world.clients["editor"].post(
        _url(world.topology, "revisions/5/restore/"), {"base_revision": 2}, format="json"
    )
    assert response.status_code == 404


def test_diff_shows_added_removed_and_changed_elements(world: World) -> None:
    document = sample_document()
    document["networks"] = [n for n in document["networks"] if n["id"] != "apps"]
    document["subnets"] = [s for s in document["subnets"] if s["id"] != "apps-v4"]
    document["networks"][0]["name"] = "Front tier"
    document["routers"].append({"id": "r2", "name": "spare"})
    world.clients["editor"].put(
        _url(world.topology, "document/"), {"base_revision": 2, "document": document}, format="json"
    )
    body = world.clients["viewer"].get(_url(world.topology, "diff/?from=1&to=3")).json()
    assert (body["source"], body["target"]) == (1, 3)
    ops = {(c["op"], c["id"]) for c in body["elements"]}
    assert ops == {
        ("added", "r2"),
        ("removed", "apps"),
        ("removed", "apps-v4"),
        ("changed", "web"),
    }
    changed = next(c for c in body["elements"] if c["op"] == "changed")
    assert changed["fields"] == {"name": {"old": "Web tier", "new": "Front tier"}}
    assert body["summary"] == {"added": 1, "removed": 2, "changed": 1}


def test_diff_defaults_to_the_head_against_its_parent(world: World) -> None:
    body = world.clients["viewer"].get(_url(world.topology, "diff/")).json()
    assert (body["source"], body["target"]) == (1, 2)
    assert {(c["op"], c["id"]) for c in body["elements"]} == {
        ("added", "extra2"),
        ("added", "extra2-v4"),
    }


@pytest.mark.parametrize(
    ("query", "path"),
    [("from=x", "from"), ("to=0", "to"), ("from=9", "from"), ("to=99999999999", "to")],
)
def test_a_bad_diff_parameter_is_named(world: World, query: str, path: str) -> None:
    response = world.clients["viewer"].get(_url(world.topology, f"diff/?{query}"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path


def test_validate_reports_counts_and_whether_it_may_deploy(world: World) -> None:
    body = world.clients["viewer"].get(_url(world.topology, "validate/")).json()
    assert body["revision"] == 2
    assert body["deployable"] is (body["counts"]["error"] == 0)
    assert set(body["counts"]) == {"error", "warning", "info"}
    assert sum(body["counts"].values()) == len(body["findings"])
    old = world.clients["viewer"].get(_url(world.topology, "validate/?revision=1")).json()
    assert old["revision"] == 1
    missing = world.clients["viewer"].get(_url(world.topology, "validate/?revision=3"))
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["path"] == "revision"


def _broken_document() -> dict[str, Any]:
    document = sample_document()
    document["subnets"][1]["cidr"] = "10.0.1.0/24"  # overlaps web-v4
    return document


def test_validating_a_draft_writes_nothing(world: World) -> None:
    before = stored_state()
    response = world.clients["project_link"].post(
        _url(world.topology, "validate/"), {"document": _broken_document()}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] is None
    assert body["deployable"] is False
    assert body["counts"]["error"] >= 1
    assert all(f["severity"] == "error" for f in body["findings"][: body["counts"]["error"]])
    assert stored_state() == before


def test_validate_without_a_topology_for_topology_as_code(world: World) -> None:
    client = world.clients["outsider"]
    alone = client.post(API + "validate/", {"document": _broken_document()}, format="json")
    assert alone.status_code == 200
    assert alone.json()["deployable"] is False
    # With a project, its quotas count: the project is already over a quota of 5 networks.
    world.clients["admin"].patch(
        f"{API}projects/{world.project.pk}/quota/", {"networks": 5}, format="json"
    )
    judged = world.clients["viewer"].post(
        API + "validate/",
        {"document": sample_document(), "project": world.project.pk},
        format="json",
    )
    assert "quota.exceeded" in [f["code"] for f in judged.json()["findings"]]
    hidden = client.post(
        API + "validate/",
        {"document": sample_document(), "project": world.project.pk},
        format="json",
    )
    assert hidden.status_code == 400
    assert hidden.json()["errors"][0]["path"] == "project"


def test_renaming_a_topology_to_a_taken_name_names_the_field(world: World) -> None:
    before = stored_state()
    response = world.clients["editor"].patch(
        _url(world.topology), {"name": "Branch"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "name"
    assert stored_state() == before


def test_the_document_of_a_deleted_topology_is_gone(world: World) -> None:
    owner = world.clients["owner"]
    assert owner.delete(_url(world.topology)).status_code == 204
    assert owner.get(_url(world.topology, "document/")).status_code == 404
    assert not Revision.objects.filter(topology_id=world.topology.pk).exists()


def test_an_admin_may_write_anywhere_and_is_named_as_author(world: World) -> None:
    document = copy.deepcopy(_head(world.topology).document)
    document["description"] = "Checked by the admin"
    response = client_for(world.admin).put(
        _url(world.topology, "document/"), {"base_revision": 2, "document": document}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["revision"]["author"] == "admin"
