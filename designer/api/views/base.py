"""What every API view shares: how callers authenticate, the JSON-only body, the role check,
and the documented error responses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from designer.access import Caller, visible_projects, visible_topologies
from designer.api.authentication import API_AUTHENTICATION
from designer.api.errors import ERROR_CODES
from designer.api.parsers import JSONBodyParser
from designer.api.permissions import Need, RolePermission, caller_of
from designer.api.serializers import ErrorSerializer, StaleRevisionSerializer
from designer.models import Project, Topology


class ApiPolicy(APIView):
    """Authentication, the JSON parser and the role permission, for every view that is not
    public. A view says what each action needs in `needs`."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [RolePermission]
    parser_classes = [JSONBodyParser]
    needs: ClassVar[dict[str, Need]] = {}
    # POSTs that write nothing, which a share link may make (validating a draft).
    share_links_may: ClassVar[tuple[str, ...]] = ()

    @property
    def caller(self) -> Caller:
        return caller_of(self.request)

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, "view": self, "caller": self.caller}


class ProjectScoped(ApiPolicy):
    """A view under projects/{project_id}/: the project, checked against `needs`."""

    _project: Project | None = None

    def get_project(self) -> Project:
        if self._project is None:
            project = get_object_or_404(visible_projects(self.caller), pk=self.kwargs["project_id"])
            self.check_object_permissions(self.request, project)
            self._project = project
        return self._project


class TopologyScoped(ApiPolicy):
    """A view under topologies/{topology_id}/: the topology, checked against `needs`."""

    _topology: Topology | None = None

    def get_topology(self) -> Topology:
        if self._topology is None:
            topologies = visible_topologies(self.caller).select_related("project", "head")
            topology = get_object_or_404(topologies, pk=self.kwargs["topology_id"])
            self.check_object_permissions(self.request, topology)
            self._topology = topology
        return self._topology


class ApiView(ApiPolicy):
    pass


class ApiGenericView(ApiPolicy, GenericAPIView):
    pass


class ApiViewSet(ApiPolicy, GenericViewSet):
    pass


# --- the documented error responses ------------------------------------------------------

READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 413, 415)


def _describe(codes: Iterable[str]) -> str:
    return " ".join(f"`{code}`: {ERROR_CODES[code][1]}" for code in codes)


def errors(*statuses: int, conflicts: tuple[str, ...] = ()) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for error statuses, each listing its codes. `conflicts` names the 409
    codes the endpoint can answer; `stale_revision` among them documents its own body."""
    responses: dict[int, OpenApiResponse] = {}
    for status in statuses:
        codes = [code for code, (code_status, _) in ERROR_CODES.items() if code_status == status]
        responses[status] = OpenApiResponse(ErrorSerializer, _describe(codes))
    if conflicts == ("stale_revision",):
        responses[409] = OpenApiResponse(StaleRevisionSerializer, _describe(conflicts))
    elif conflicts:
        responses[409] = OpenApiResponse(ErrorSerializer, _describe(conflicts))
    return responses
