"""Topologies: list what the caller may see, create (editor), read, rename (editor), delete
(owner). The document itself changes only through revisions (see documents.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from designer.access import visible_projects, visible_topologies
from designer.api.errors import ApiError, document_error, input_error
from designer.api.permissions import Need
from designer.api.serializers import (
    TopologyCreateSerializer,
    TopologySerializer,
    TopologyUpdateSerializer,
)
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiViewSet, errors
from designer.models import Project, Topology
from designer.services.topologies import (
    TopologyDeployed,
    create_topology,
    delete_topology,
    update_topology,
)
from designer.spec import (
    Document,
    DocumentError,
    FieldError,
    load_document_text,
    parse_document,
)


def parse_request_document(data: Any, field: str = "document", *, text: bool = False) -> Document:
    """The document posted in `field` (written as a YAML or JSON file when `text`), or a 400
    naming every bad path inside it."""
    try:
        return load_document_text(data) if text else parse_document(data)
    except DocumentError as exc:
        raise document_error(exc, field) from None


def _check_name_free(project: Project, name: str, topology: Topology | None = None) -> None:
    taken = Topology.objects.filter(project=project, name=name)
    if topology is not None:
        taken = taken.exclude(pk=topology.pk)
    if taken.exists():
        raise input_error([FieldError("name", "the project already has a topology of this name")])


@extend_schema_view(
    list=extend_schema(
        summary="Topologies the caller may see",
        parameters=[
            OpenApiParameter("project", OpenApiTypes.INT, description="Only this project's.")
        ],
        responses={200: TopologySerializer(many=True), **errors(400, 401)},
    ),
    create=extend_schema(
        summary="Create a topology, empty or from a document (editor)",
        request=TopologyCreateSerializer,
        responses={201: TopologySerializer, **errors(*WRITE_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="A topology and its head revision number",
        responses={200: TopologySerializer, **errors(*READ_ERRORS)},
    ),
    update=extend_schema(
        summary="Rename or redescribe a topology (editor)",
        request=TopologyUpdateSerializer,
        responses={200: TopologySerializer, **errors(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary="Change some of a topology's fields (editor)",
        request=TopologyUpdateSerializer,
        responses={200: TopologySerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Delete a topology with its history (owner), once nothing of it is deployed",
        responses={204: None, **errors(*READ_ERRORS, conflicts=("topology_deployed",))},
    ),
)
class TopologyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = TopologySerializer
    lookup_value_regex = r"[0-9]{1,18}"
    needs = {
        "list": Need.VIEWER,
        "create": Need.EDITOR,
        "retrieve": Need.VIEWER,
        "update": Need.EDITOR,
        "partial_update": Need.EDITOR,
        "destroy": Need.OWNER,
    }

    def get_queryset(self) -> Any:
        topologies = visible_topologies(self.caller).select_related("project", "head", "created_by")
        if self.action == "list" and "project" in self.request.query_params:
            raw = self.request.query_params["project"]
            if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
                raise input_error([FieldError("project", "must be a project id")])
            topologies = topologies.filter(project_id=int(raw))
        return topologies.order_by("project__name", "name")

    def create(self, request: Request) -> Response:
        serializer = TopologyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = visible_projects(self.caller).filter(pk=data["project"]).first()
        if project is None:
            raise input_error([FieldError("project", "no project with this id")])
        self.check_object_permissions(request, project)
        _check_name_free(project, data["name"])
        document = None
        if data["document"] is not None and data["document_text"] is not None:
            raise input_error(
                [FieldError("document_text", "give the document or its text, not both")]
            )
        if data["document"] is not None:
            document = parse_request_document(data["document"])
        elif data["document_text"] is not None:
            document = parse_request_document(data["document_text"], "document_text", text=True)
        topology = create_topology(
            project,
            data["name"],
            request.user,
            description=data["description"],
            document=document,
            message=data["message"],
        )
        topology = self.get_queryset().get(pk=topology.pk)
        return Response(self.get_serializer(topology).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        topology = self.get_object()
        serializer = TopologyUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            _check_name_free(topology.project, serializer.validated_data["name"], topology)
        topology = update_topology(topology, **serializer.validated_data)
        return Response(self.get_serializer(topology).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        try:
            delete_topology(self.get_object())
        except TopologyDeployed:
            raise ApiError(
                "topology_deployed",
                "Something of the topology is deployed: destroy it first, then delete it.",
            ) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
