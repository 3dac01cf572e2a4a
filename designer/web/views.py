"""The single-page app's shell: `/` and every `/app/...` path answer with the index.html that
`npm run build` wrote to frontend/dist, so the app's own router picks the page. The page sets
the CSRF cookie, which the app sends back when it signs in through the API."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

DIST = Path(settings.BASE_DIR) / "frontend" / "dist"

MISSING_BUILD = (
    "<!doctype html><title>Netloom</title>"
    "<p>The front end is not built: run <code>make setup</code> (or <code>npm ci && npm run "
    "build</code> in frontend/).</p>"
)


@require_safe
@ensure_csrf_cookie
def shell(request: HttpRequest, path: str = "") -> HttpResponse:
    index = DIST / "index.html"
    if not index.is_file():
        return HttpResponse(MISSING_BUILD, status=503)
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    # The shell names the current asset files; it must not outlive a new build in a cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def asset(request: HttpRequest, name: str) -> FileResponse:
    """A built asset, for when frontend/dist is not among the collected static files (WhiteNoise
    serves collected ones before a request reaches this view)."""
    assets = (DIST / "assets").resolve()
    target = (assets / name).resolve()
    if target.parent != assets or not target.is_file():
        raise Http404("no such asset")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target.open("rb"), content_type=content_type)
