"""The host registry: every account reads it, only an admin changes it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from designer.api.permissions import HostRegistryPermission
from designer.api.serializers import HostSerializer
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiPolicy, errors
from designer.models import Host


@extend_schema_view(
    list=extend_schema(
        summary="Registered hosts", responses={200: HostSerializer(many=True), **errors(401, 403)}
    ),
    retrieve=extend_schema(
        summary="A host", responses={200: HostSerializer, **errors(*READ_ERRORS)}
    ),
    create=extend_schema(
        summary="Register a host (admin)", responses={201: HostSerializer, **errors(*WRITE_ERRORS)}
    ),
    update=extend_schema(
        summary="Change a host (admin)", responses={200: HostSerializer, **errors(*WRITE_ERRORS)}
    ),
    partial_update=extend_schema(
        summary="Change some of a host's fields (admin)",
        responses={200: HostSerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Remove a host from the registry (admin)",
        responses={204: None, **errors(*READ_ERRORS)},
    ),
)
class HostViewSet(ApiPolicy, viewsets.ModelViewSet):
    queryset = Host.objects.order_by("name")
    serializer_class = HostSerializer
    permission_classes = [HostRegistryPermission]
    lookup_value_regex = r"[0-9]{1,18}"
