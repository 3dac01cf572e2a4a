"""Projects: list what the caller may see, create (the creator owns it), read, change, delete."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from designer.access import visible_projects
from designer.api.permissions import Need
from designer.api.serializers import ProjectSerializer
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiViewSet, errors
from designer.services.projects import create_project, delete_project, update_project


@extend_schema_view(
    list=extend_schema(
        summary="Projects the caller may see",
        responses={200: ProjectSerializer(many=True), **errors(401)},
    ),
    create=extend_schema(
        summary="Create a project (the caller becomes its owner)",
        responses={201: ProjectSerializer, **errors(400, 401, 403, 413, 415)},
    ),
    retrieve=extend_schema(
        summary="A project", responses={200: ProjectSerializer, **errors(*READ_ERRORS)}
    ),
    update=extend_schema(
        summary="Rename or redescribe a project (owner)",
        responses={200: ProjectSerializer, **errors(*WRITE_ERRORS)},
    ),
    partial_update=extend_schema(
        summary="Change some of a project's fields (owner)",
        responses={200: ProjectSerializer, **errors(*WRITE_ERRORS)},
    ),
    destroy=extend_schema(
        summary="Delete a project with everything in it (owner)",
        responses={204: None, **errors(*READ_ERRORS)},
    ),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ProjectSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    needs = {
        "list": Need.VIEWER,
        "create": Need.USER,
        "retrieve": Need.VIEWER,
        "update": Need.OWNER,
        "partial_update": Need.OWNER,
        "destroy": Need.OWNER,
    }

    def get_queryset(self) -> Any:
        return visible_projects(self.caller).order_by("name")

    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = create_project(owner=request.user, **serializer.validated_data)
        return Response(self.get_serializer(project).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        project = self.get_object()
        serializer = self.get_serializer(project, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        project = update_project(project, **serializer.validated_data)
        return Response(self.get_serializer(project).data)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        delete_project(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
