"""Signing in and out, and who the caller is."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.access import Caller
from designer.api.errors import WHOLE_BODY, ApiError
from designer.api.parsers import JSONBodyParser
from designer.api.permissions import Need
from designer.api.serializers import CredentialsSerializer, MeSerializer, TokenSerializer
from designer.api.views.base import ApiView, errors
from designer.services import signin
from designer.spec import FieldError


def _signed_in_user(request: Request) -> Any:
    credentials = CredentialsSerializer(data=request.data)
    credentials.is_valid(raise_exception=True)
    username = credentials.validated_data["username"]
    address = request.META.get("REMOTE_ADDR") or "unknown"
    try:
        signin.check(username, address)
    except signin.TooManyFailures as refused:
        minutes = math.ceil(refused.retry_after / 60)
        detail = (
            f"Too many failed sign-ins for this username or from this address: try again in "
            f"{minutes} minute{'s' if minutes != 1 else ''}."
        )
        raise ApiError(
            "too_many_failures",
            detail,
            errors=[FieldError("username", detail)],
            retry_after=refused.retry_after,
        ) from None
    user = authenticate(request._request, **credentials.validated_data)
    if user is None or not user.is_active:
        signin.failed(username, address)
        detail = "The username or password is wrong."
        raise ApiError("invalid_credentials", detail, errors=[FieldError(WHOLE_BODY, detail)])
    signin.succeeded(username)
    return user


def me_body(caller: Caller) -> dict[str, Any]:
    link = caller.share_link
    if link is not None:
        body: dict[str, Any] = {
            "kind": "share_link",
            "user": None,
            "is_admin": False,
            "share_link": {
                "project": link.project_id,
                "topology": link.topology_id,
                "expires_at": link.expires_at,
            },
        }
    else:
        user: Any = caller.user
        body = {
            "kind": "user",
            "user": {"id": user.pk, "username": user.get_username()},
            "is_admin": caller.is_admin,
            "share_link": None,
        }
    return MeSerializer(body).data


class TokenView(APIView):
    """An API token for scripts, from a username and password."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONBodyParser]

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: TokenSerializer, **errors(400, 413, 415, 429)},
        auth=[],
        summary="Get an API token",
    )
    def post(self, request: Request) -> Response:
        user = _signed_in_user(request)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class SessionView(APIView):
    """The browser's session: sign in (CSRF-protected, like every session write) and out."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]
    parser_classes = [JSONBodyParser]

    @extend_schema(
        responses={204: None},
        summary="Prepare to sign in: sets the CSRF cookie the sign-in must echo",
    )
    def get(self, request: Request) -> Response:
        get_token(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=CredentialsSerializer,
        responses={200: MeSerializer, **errors(400, 403, 413, 415, 429)},
        summary="Sign in (session cookie)",
    )
    def post(self, request: Request) -> Response:
        # A login form is a CSRF target too (signing a victim into the attacker's account).
        SessionAuthentication().enforce_csrf(request)
        user = _signed_in_user(request)
        login(request._request, user)
        get_token(request._request)
        return Response(me_body(Caller(user=user)))

    @extend_schema(responses={204: None, **errors(403)}, summary="Sign out")
    def delete(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(ApiView):
    """The caller: a user (and whether an admin), or a share link and what it covers."""

    needs = {"GET": Need.VIEWER}

    @extend_schema(responses={200: MeSerializer, **errors(401)}, summary="Who am I")
    def get(self, request: Request) -> Response:
        if isinstance(request.successful_authenticator, SessionAuthentication):
            get_token(request._request)  # the browser's CSRF cookie for its writes
        return Response(me_body(self.caller))
