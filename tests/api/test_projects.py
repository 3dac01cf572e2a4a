"""Projects, members, quotas, VLAN policies, share links and hosts over the API: what each write
stores and the domain errors it answers with."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from designer.models import Membership, Quota, ShareLink, VlanPolicy
from tests.api.conftest import API, Factory, World, client_for, stored_state

pytestmark = pytest.mark.django_db


def _project_url(world: World, rest: str = "") -> str:
    return f"{API}projects/{world.project.pk}/{rest}"


def test_the_creator_of_a_project_owns_it(make: Factory) -> None:
    user = make.user()
    response = client_for(user).post(API + "projects/", {"name": "Lab 1"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Lab 1"
    assert body["role"] == "owner"
    assert Membership.objects.get(project_id=body["id"], user=user).role == "owner"
    assert Quota.objects.filter(project_id=body["id"]).exists()
    assert VlanPolicy.objects.filter(project_id=body["id"]).exists()


def test_projects_list_only_what_the_caller_may_see_with_its_role(world: World) -> None:
    listed = world.clients["viewer"].get(API + "projects/").json()
    assert [(p["name"], p["role"]) for p in listed["results"]] == [("Lab", "viewer")]
    everything = world.clients["admin"].get(API + "projects/").json()
    assert {(p["name"], p["role"]) for p in everything["results"]} == {
        ("Lab", "owner"),
        ("Elsewhere", "owner"),
    }


def test_a_project_name_is_unique(world: World) -> None:
    response = world.clients["outsider"].post(API + "projects/", {"name": "Lab"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "name"


def test_deleting_a_project_deletes_its_topologies(world: World) -> None:
    assert world.clients["owner"].delete(_project_url(world)).status_code == 204
    assert world.clients["admin"].get(f"{API}topologies/{world.topology.pk}/").status_code == 404


# --- members ------------------------------------------------------------------------------


def test_an_owner_adds_a_member_who_then_sees_the_project(world: World) -> None:
    response = world.clients["owner"].post(
        _project_url(world, "members/"), {"username": "newcomer", "role": "editor"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["username"] == "newcomer"
    assert response.json()["role"] == "editor"
    seen = client_for(world.newcomer).get(_project_url(world)).json()
    assert seen["role"] == "editor"


def test_adding_a_member_twice_is_a_conflict(world: World) -> None:
    before = stored_state()
    response = world.clients["owner"].post(
        _project_url(world, "members/"), {"username": "viewer", "role": "owner"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert stored_state() == before


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"username": "ghost", "role": "viewer"}, "username"),
        ({"username": "newcomer", "role": "king"}, "role"),
        ({"role": "viewer"}, "username"),
    ],
)
def test_adding_a_member_names_the_bad_field(world: World, body: dict[str, Any], path: str) -> None:
    before = stored_state()
    response = world.clients["owner"].post(_project_url(world, "members/"), body, format="json")
    assert response.status_code == 400
    assert path in [e["path"] for e in response.json()["errors"]]
    assert stored_state() == before


def test_the_last_owner_cannot_step_down_or_leave(world: World) -> None:
    owner = world.clients["owner"]
    url = _project_url(world, "members/owner/")
    before = stored_state()
    demoted = owner.patch(url, {"role": "viewer"}, format="json")
    assert demoted.status_code == 409
    assert demoted.json()["code"] == "last_owner"
    left = owner.delete(url)
    assert left.status_code == 409
    assert left.json()["code"] == "last_owner"
    assert stored_state() == before
    # With a second owner, the first may go.
    owner.patch(_project_url(world, "members/editor/"), {"role": "owner"}, format="json")
    assert owner.delete(url).status_code == 204


def test_a_member_may_leave_but_not_remove_others(world: World) -> None:
    viewer = world.clients["viewer"]
    assert viewer.delete(_project_url(world, "members/editor/")).status_code == 403
    assert viewer.delete(_project_url(world, "members/viewer/")).status_code == 204
    assert viewer.get(_project_url(world)).status_code == 404


@pytest.mark.parametrize("username", ["ghost", "a%00b", "semi;colon", "x" * 151])
def test_an_unknown_member_is_not_found(world: World, username: str) -> None:
    response = world.clients["owner"].get(_project_url(world, f"members/{username}/"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- quotas and VLAN policy ---------------------------------------------------------------


def test_quota_shows_limits_and_the_usage_of_every_topology(world: World) -> None:
    quota = world.clients["viewer"].get(_project_url(world, "quota/")).json()
    assert quota["networks"] == 100
    # Campus at revision 2 holds 4 networks, Branch 3.
    assert quota["usage"]["networks"] == 7
    assert quota["usage"]["instances"] == 4


def test_an_admin_sets_quotas_and_validation_uses_them(world: World) -> None:
    admin = world.clients["admin"]
    response = admin.patch(_project_url(world, "quota/"), {"networks": 5}, format="json")
    assert response.status_code == 200
    assert response.json()["networks"] == 5
    assert response.json()["subnets"] == 100
    findings = (
        world.clients["viewer"]
        .get(f"{API}topologies/{world.topology.pk}/validate/")
        .json()["findings"]
    )
    assert "quota.exceeded" in [f["code"] for f in findings]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"networks": -2}, "networks"),
        ({"networks": "many"}, "networks"),
        ({"routers": 10**9}, "routers"),
    ],
)
def test_bad_quotas_name_the_field(world: World, body: dict[str, Any], path: str) -> None:
    before = stored_state()
    response = world.clients["admin"].patch(_project_url(world, "quota/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path
    assert stored_state() == before


def test_minus_one_lifts_a_kind_s_limit_as_in_neutron(world: World) -> None:
    admin = world.clients["admin"]
    response = admin.patch(_project_url(world, "quota/"), {"networks": 0}, format="json")
    assert response.json()["networks"] == 0
    findings = admin.get(f"{API}topologies/{world.topology.pk}/validate/").json()["findings"]
    assert "quota.exceeded" in [f["code"] for f in findings]
    response = admin.patch(_project_url(world, "quota/"), {"networks": -1}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["networks"] == -1
    findings = admin.get(f"{API}topologies/{world.topology.pk}/validate/").json()["findings"]
    assert "quota.exceeded" not in [f["code"] for f in findings]


def test_a_limit_below_minus_one_is_refused_by_the_database_too(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(project=world.project).update(routers=-2)


def test_a_full_quota_put_needs_every_kind(world: World) -> None:
    response = world.clients["admin"].put(
        _project_url(world, "quota/"), {"networks": 5}, format="json"
    )
    assert response.status_code == 400
    assert "subnets" in [e["path"] for e in response.json()["errors"]]


def test_an_admin_replaces_the_vlan_policy(world: World) -> None:
    policy = {"ranges": {"storage": [[30, 39]], "external": [[40, 49]]}, "forbidden_pairs": []}
    response = world.clients["admin"].put(
        _project_url(world, "vlan-policy/"), policy, format="json"
    )
    assert response.status_code == 200
    assert response.json() == policy
    assert world.clients["viewer"].get(_project_url(world, "vlan-policy/")).json() == policy


@pytest.mark.parametrize(
    ("policy", "path"),
    [
        ({"ranges": {"tenant": [[0, 10]]}, "forbidden_pairs": []}, "ranges.tenant[0]"),
        ({"ranges": {"tenant": [[200, 100]]}, "forbidden_pairs": []}, "ranges.tenant[0]"),
        ({"ranges": {"tenant": [[1, 5000]]}, "forbidden_pairs": []}, "ranges.tenant[0]"),
        ({"ranges": {"tenant": "100-200"}, "forbidden_pairs": []}, "ranges.tenant"),
        ({"ranges": {"Bad Role": [[1, 2]]}, "forbidden_pairs": []}, "ranges"),
        ({"ranges": [], "forbidden_pairs": []}, "ranges"),
        ({"ranges": {}, "forbidden_pairs": [["a", "a"]]}, "forbidden_pairs[0]"),
        ({"ranges": {}, "forbidden_pairs": "none"}, "forbidden_pairs"),
        ({"ranges": {}}, "forbidden_pairs"),
    ],
)
def test_a_bad_vlan_policy_names_the_field(world: World, policy: dict[str, Any], path: str) -> None:
    before = stored_state()
    response = world.clients["admin"].put(
        _project_url(world, "vlan-policy/"), policy, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["errors"][0]["path"] == path
    assert stored_state() == before


# --- share links --------------------------------------------------------------------------


def test_an_owner_shares_one_topology_and_the_link_sees_only_it(world: World) -> None:
    response = world.clients["owner"].post(
        _project_url(world, "share-links/"),
        {"topology": world.second_topology.pk, "label": "For the client"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["active"] is True
    assert body["topology"] == world.second_topology.pk
    assert body["created_by"] == "owner"
    link = ShareLink.objects.get(pk=body["id"])
    assert body["token"] == link.token
    visitor = client_for(link=link)
    listed = visitor.get(API + "topologies/").json()["results"]
    assert [t["id"] for t in listed] == [world.second_topology.pk]
    assert listed[0]["role"] == "viewer"
    assert visitor.get(f"{API}topologies/{world.topology.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"topology": 999999}, "topology"),
        ({"label": "<b>x</b>"}, "label"),
        ({"label": "line\nbreak"}, "label"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
    ],
)
def test_a_bad_share_link_names_the_field(world: World, body: dict[str, Any], path: str) -> None:
    before = stored_state()
    response = world.clients["owner"].post(_project_url(world, "share-links/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == path
    assert stored_state() == before


def test_a_topology_of_another_project_cannot_be_shared(world: World, make: Factory) -> None:
    foreign = make.topology(world.other_project)
    response = world.clients["admin"].post(
        _project_url(world, "share-links/"), {"topology": foreign.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "topology"


# --- hosts --------------------------------------------------------------------------------


def test_an_admin_registers_a_host(world: World) -> None:
    host = {"name": "net-1", "role": "network", "external": True, "physical_networks": {}}
    response = world.clients["admin"].post(API + "hosts/", host, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "net-1"
    names = [h["name"] for h in world.clients["viewer"].get(API + "hosts/").json()["results"]]
    assert names == ["compute-1", "net-1"]


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"name": "compute-1"}, "name"),
        ({"name": "h1", "role": "router"}, "role"),
        ({"name": "h1", "physical_networks": {"physnet1": "eth0; reboot"}}, "physical_networks"),
        ({"name": "h1", "physical_networks": {"1bad": "eth0"}}, "physical_networks"),
        ({"name": "h1", "physical_networks": ["eth0"]}, "physical_networks"),
        ({"name": "h1", "underlay_address": "300.1.1.1"}, "underlay_address"),
    ],
)
def test_a_bad_host_names_the_field(world: World, host: dict[str, Any], path: str) -> None:
    before = stored_state()
    response = world.clients["admin"].post(API + "hosts/", host, format="json")
    assert response.status_code == 400
    assert path in [e["path"] for e in response.json()["errors"]]
    assert stored_state() == before


def test_changing_a_host_keeps_its_mapping_checked(world: World) -> None:
    url = f"{API}hosts/{world.host.pk}/"
    admin = world.clients["admin"]
    bad = admin.patch(url, {"physical_networks": {"physnet1": "x" * 16}}, format="json")
    assert bad.status_code == 400
    good = admin.patch(url, {"external": True}, format="json")
    assert good.status_code == 200
    assert good.json()["physical_networks"] == {"physnet1": "eth1"}
