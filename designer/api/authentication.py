"""Token authentication for API clients and scripts: `Authorization: Bearer <key>` (or DRF's
`Token <key>`)."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request):  # type: ignore[no-untyped-def]
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            request.META["HTTP_AUTHORIZATION"] = "Bearer " + header[len("Token ") :]
        return super().authenticate(request)
