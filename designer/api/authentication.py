"""How an API caller proves who it is.

- Scripts: `Authorization: Bearer <key>` (or DRF's `Token <key>`), a key from `auth/token/`.
- The browser: the session cookie from `auth/session/` (CSRF enforced on writes).
- A share link: `Authorization: Share <token>`. The request then has no user; `request.auth` is
  the ShareLink, and `designer.access` makes it a viewer of its project or topology. An unknown,
  revoked or expired token is refused with 401, never treated as anonymous.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from designer.models import ShareLink

_SHARE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class BearerTokenAuthentication(TokenAuthentication):
    """DRF's token, sent as `Bearer <key>` or, as DRF clients do, `Token <key>`."""

    keyword = "Bearer"
    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        try:
            key = parts[1].decode("ascii") if len(parts) == 2 else ""
        except UnicodeDecodeError:
            key = ""
        if not key:
            raise AuthenticationFailed("The token header is `Bearer <key>`.")
        return self.authenticate_credentials(key)


class ShareLinkAuthentication(BaseAuthentication):
    keyword = "Share"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ShareLink] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            token = parts[1].decode("ascii") if len(parts) == 2 else ""
        except UnicodeDecodeError:
            token = ""
        if not _SHARE_TOKEN.match(token):
            raise AuthenticationFailed("The share link header is `Share <token>`.")
        link = ShareLink.objects.select_related("project", "topology").filter(token=token).first()
        if link is None or not link.is_active:
            raise AuthenticationFailed("This share link is unknown, revoked or expired.")
        return AnonymousUser(), link

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ShareLinkScheme(OpenApiAuthenticationExtension):
    target_class = ShareLinkAuthentication
    name = "shareLink"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Share <token>`: read-only access through a share link.",
        }


# Bearer first: its challenge is the WWW-Authenticate header of a 401.
API_AUTHENTICATION = [
    BearerTokenAuthentication,
    ShareLinkAuthentication,
    SessionAuthentication,
]
