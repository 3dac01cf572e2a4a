"""Every API error as `{"code": ..., "detail": ..., "errors": [{"path", "message"}]}`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        return Response({"code": "request_too_large", "detail": str(exc)}, status=413)
    return drf_exception_handler(exc, context)
