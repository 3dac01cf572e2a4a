"""The single-page app's shell: `/` and every `/app/...` path answer with the index.html that
`npm run build` wrote to frontend/dist, so the app's own router picks the page. The page sets
the CSRF cookie, which the app sends back when it signs in through the API.

Pages may not be framed (X-Frame-Options DENY), except a topology opened through an active
share link (`/app/topologies/<id>/?share=<token>`): that page only reads, without the
visitor's session, and is what the share links section's embed snippet frames."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from designer.models import ShareLink, Topology

DIST = Path(settings.BASE_DIR) / "frontend" / "dist"

MISSING_BUILD = (
    "<!doctype html><title>Netloom</title>"
    "<p>The front end is not built: run <code>make setup</code> (or <code>npm ci && npm run "
    "build</code> in frontend/).</p>"
)


# The share-link view of one topology, and a token as share links have them.
_EMBEDDABLE_PATH = re.compile(r"^topologies/(?P<topology>[1-9]\d{0,9})/?$")
_SHARE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def embeddable(path: str, token: str | None) -> bool:
    """Whether the page at `/app/<path>` may be framed by another site: a topology's view
    opened with the token of an active share link that covers that topology."""
    found = _EMBEDDABLE_PATH.match(path)
    if found is None or token is None or not _SHARE_TOKEN.match(token):
        return False
    link = ShareLink.objects.filter(token=token).first()
    if link is None or not link.is_active:
        return False
    topology = Topology.objects.filter(pk=int(found["topology"])).first()
    return topology is not None and link.covers(topology)


@require_safe
@ensure_csrf_cookie
def shell(request: HttpRequest, path: str = "") -> HttpResponse:
    index = DIST / "index.html"
    if not index.is_file():
        return HttpResponse(MISSING_BUILD, status=503)
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    # The shell names the current asset files; it must not outlive a new build in a cache.
    response["Cache-Control"] = "no-cache"
    if embeddable(path, request.GET.get("share")):
        # Any page may frame it: XFrameOptionsMiddleware leaves an exempt response without the
        # header. (No CSP `frame-ancestors *` either: it would refuse pages not served over a
        # network scheme, such as a local file holding the snippet.)
        response.xframe_options_exempt = True
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


@require_safe
def favicon(request: HttpRequest) -> FileResponse:
    """The app's icon, for the shell's link to it when the build is not collected, and at
    /favicon.ico for the pages Django renders itself (the admin, the API docs)."""
    icon = DIST / "favicon.svg"
    if not icon.is_file():
        raise Http404("the front end is not built")
    return FileResponse(icon.open("rb"), content_type="image/svg+xml")
