"""The lab fabric of the machine the server runs on, for admins: its status, bringing it up
(and its hosts into the registry), and removing it. The same service functions as
`manage.py fabric`; the kernel work needs the server to run as root."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.errors import ERROR_CODES
from designer.api.fabric_serializers import (
    FabricChangeSerializer,
    FabricInUseSerializer,
    FabricLayoutSerializer,
    FabricStatusSerializer,
    status_json,
)
from designer.api.permissions import AdminPermission
from designer.api.views.base import ApiView, errors
from designer.services.fabric import bring_up, fabric_spec, fabric_status, take_down

UNAVAILABLE = 503


def _conflicts(*codes: str) -> dict[int, OpenApiResponse]:
    described = " ".join(f"`{code}`: {ERROR_CODES[code][1]}" for code in codes)
    return {409: OpenApiResponse(FabricInUseSerializer, described)}


class FabricView(ApiView):
    permission_classes = [AdminPermission]

    @extend_schema(
        summary="The lab fabric: its hosts and whether they are up (admin)",
        description="The hosts of the registered layout, each present in the kernel or "
        "missing and registered or not, any other host of the fabric found in the kernel, "
        "and the outside host on the external network.",
        responses={200: FabricStatusSerializer, **errors(401, 403, UNAVAILABLE)},
    )
    def get(self, request: Request) -> Response:
        return Response(status_json(fabric_status(fabric_spec())))

    @extend_schema(
        summary="Bring the lab fabric up and register its hosts (admin)",
        description="Idempotent: what is there already is left as it is. A host of the "
        "fabric that the layout no longer has is removed, unless a topology is deployed on "
        "it (409 `fabric_in_use`).",
        request=FabricLayoutSerializer,
        responses={
            200: FabricChangeSerializer,
            **errors(400, 401, 403, 413, 415, UNAVAILABLE),
            **_conflicts("fabric_in_use", "fabric_busy"),
        },
    )
    def post(self, request: Request) -> Response:
        layout = FabricLayoutSerializer(data=request.data)
        layout.is_valid(raise_exception=True)
        spec = fabric_spec(**layout.validated_data)
        changes = bring_up(spec)
        return Response(status_json(fabric_status(spec), changes))

    @extend_schema(
        summary="Remove the lab fabric and its hosts' registry rows (admin)",
        description="Refused (409 `fabric_in_use`, naming them) while a topology is deployed "
        "on any of its hosts: removing the hosts would leave the deployment's namespaces "
        "behind.",
        responses={
            200: FabricChangeSerializer,
            **errors(401, 403, UNAVAILABLE),
            **_conflicts("fabric_in_use", "fabric_busy"),
        },
    )
    def delete(self, request: Request) -> Response:
        spec = fabric_spec()
        changes = take_down(spec)
        return Response(status_json(fabric_status(spec), changes))
