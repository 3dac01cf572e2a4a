"""Signing in with a token or a session, and what `me/` says about each kind of caller."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from designer.models import SignInFailures
from designer.services import signin
from tests.api.conftest import API, PASSWORD, Factory, World, client_for

pytestmark = pytest.mark.django_db


def test_a_token_from_username_and_password_authenticates_scripts(make: Factory) -> None:
    user = make.user("scripter")
    client = APIClient()
    response = client.post(
        API + "auth/token/", {"username": "scripter", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=user).key == key
    for scheme in ("Bearer", "Token"):
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
        me = client.get(API + "me/").json()
        assert me == {
            "kind": "user",
            "user": {"id": user.pk, "username": "scripter"},
            "is_admin": False,
            "share_link": None,
        }


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "scripter", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "inactive", "password": PASSWORD},
    ],
)
def test_wrong_credentials_get_no_token(make: Factory, credentials: dict[str, str]) -> None:
    make.user("scripter")
    inactive = make.user("inactive")
    inactive.is_active = False
    inactive.save()
    response = APIClient().post(API + "auth/token/", credentials, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert response.json()["errors"][0]["path"] == "(body)"
    assert not Token.objects.exists()


def test_missing_credentials_name_the_fields() -> None:
    response = APIClient().post(API + "auth/token/", {}, format="json")
    assert response.status_code == 400
    paths = {error["path"] for error in response.json()["errors"]}
    assert paths == {"username", "password"}


def test_an_unknown_token_is_refused_not_ignored(make: Factory) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    response = client.get(API + "me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_anonymous_gets_401_with_a_challenge() -> None:
    response = APIClient().get(API + "projects/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_session_sign_in_checks_csrf_and_sign_out_ends_it(make: Factory) -> None:
    admin = make.user("boss", staff=True)
    browser = APIClient(enforce_csrf_checks=True)
    credentials = {"username": "boss", "password": PASSWORD}

    refused = browser.post(API + "auth/session/", credentials, format="json")
    assert refused.status_code == 403  # no CSRF token yet

    assert browser.get(API + "auth/session/").status_code == 204
    csrf = browser.cookies["csrftoken"].value
    signed_in = browser.post(
        API + "auth/session/", credentials, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert signed_in.status_code == 200
    assert signed_in.json()["user"] == {"id": admin.pk, "username": "boss"}
    assert signed_in.json()["is_admin"] is True
    assert browser.get(API + "me/").status_code == 200

    csrf = browser.cookies["csrftoken"].value  # rotated at sign-in
    assert browser.delete(API + "auth/session/").status_code == 403  # a write: CSRF again
    assert browser.delete(API + "auth/session/", HTTP_X_CSRFTOKEN=csrf).status_code == 204
    assert browser.get(API + "me/").status_code == 401


def test_session_writes_need_the_csrf_token(make: Factory) -> None:
    make.user("designer")
    browser = APIClient(enforce_csrf_checks=True)
    browser.get(API + "auth/session/")
    csrf = browser.cookies["csrftoken"].value
    credentials = {"username": "designer", "password": PASSWORD}
    browser.post(API + "auth/session/", credentials, format="json", HTTP_X_CSRFTOKEN=csrf)
    body = {"name": "Forged"}
    assert browser.post(API + "projects/", body, format="json").status_code == 403
    csrf = browser.cookies["csrftoken"].value
    created = browser.post(API + "projects/", body, format="json", HTTP_X_CSRFTOKEN=csrf)
    assert created.status_code == 201


def test_me_for_share_links_tells_their_scope(world: World) -> None:
    project_wide = world.clients["project_link"].get(API + "me/").json()
    assert project_wide["kind"] == "share_link"
    assert project_wide["user"] is None
    assert project_wide["share_link"]["project"] == world.project.pk
    assert project_wide["share_link"]["topology"] is None
    scoped = world.clients["topology_link"].get(API + "me/").json()
    assert scoped["share_link"]["topology"] == world.topology.pk


@pytest.mark.parametrize(
    "header",
    ["Share", "Share a b", "Share bad/token", "Share " + "x" * 65, "Bearer", "Token a b"],
)
def test_a_malformed_authorization_header_is_refused(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(API + "me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_link_stops_working_at_once(world: World, api: Any) -> None:
    link_client = client_for(link=world.project_link)
    assert link_client.get(API + "projects/").status_code == 200
    owner = world.clients["owner"]
    url = f"{API}projects/{world.project.pk}/share-links/{world.project_link.pk}/"
    assert owner.delete(url).status_code == 204
    response = link_client.get(API + "projects/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    listed = owner.get(url).json()
    assert listed["active"] is False
    assert listed["revoked_at"] is not None


def _sign_in(username: str, password: str, address: str = "192.0.2.10") -> Any:
    return APIClient(REMOTE_ADDR=address).post(
        API + "auth/token/", {"username": username, "password": password}, format="json"
    )


def test_five_failures_refuse_a_username_even_its_right_password(make: Factory) -> None:
    make.user("target")
    make.user("bystander")
    for _ in range(signin.USERNAME_LIMIT):
        assert _sign_in("target", "guess").status_code == 400
    refused = _sign_in("Target", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_failures"
    assert refused.json()["errors"][0]["path"] == "username"
    assert "try again in 15 minutes" in refused.json()["detail"]
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    assert not Token.objects.exists()
    # The session sign-in is refused too; other usernames are not, from anywhere.
    session = APIClient(REMOTE_ADDR="192.0.2.11")
    session.get(API + "auth/session/")
    assert (
        session.post(
            API + "auth/session/", {"username": "target", "password": PASSWORD}, format="json"
        ).status_code
        == 429
    )
    assert _sign_in("bystander", PASSWORD).status_code == 200


def test_the_refusal_ends_with_its_window(make: Factory) -> None:
    make.user("target")
    for _ in range(signin.USERNAME_LIMIT):
        _sign_in("target", "guess")
    assert _sign_in("target", PASSWORD).status_code == 429
    SignInFailures.objects.update(window_started=timezone.now() - signin.WINDOW)
    assert _sign_in("target", PASSWORD).status_code == 200
    # The expired counts are gone at the next failure.
    _sign_in("target", "guess")
    assert SignInFailures.objects.filter(count__gt=1).count() == 0


def test_a_success_clears_the_username_s_failures(make: Factory) -> None:
    make.user("forgetful")
    for _ in range(signin.USERNAME_LIMIT - 1):
        _sign_in("forgetful", "guess")
    assert _sign_in("forgetful", PASSWORD).status_code == 200
    for _ in range(signin.USERNAME_LIMIT - 1):
        assert _sign_in("forgetful", "guess").status_code == 400
    assert _sign_in("forgetful", PASSWORD).status_code == 200


def test_an_address_guessing_across_usernames_is_refused(make: Factory) -> None:
    make.user("real")
    for attempt in range(signin.ADDRESS_LIMIT):
        assert _sign_in(f"nobody{attempt}", "guess").status_code == 400
    assert _sign_in("real", PASSWORD).status_code == 429
    assert _sign_in("real", PASSWORD, address="198.51.100.7").status_code == 200


def test_unknown_usernames_are_counted_like_known_ones() -> None:
    for _ in range(signin.USERNAME_LIMIT):
        _sign_in("ghost", "guess")
    assert _sign_in("ghost", "guess").status_code == 429
