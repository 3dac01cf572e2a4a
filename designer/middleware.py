"""Refuse oversized request bodies with 413 before anything reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.NETLOOM_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(
                {"code": "bad_request", "detail": "Content-Length is not a number."}, status=400
            )
        if length > limit:
            return JsonResponse(
                {
                    "code": "request_too_large",
                    "detail": f"The request body is {length} bytes; the limit is {limit}.",
                    "limit": limit,
                },
                status=413,
            )
        return self.get_response(request)
