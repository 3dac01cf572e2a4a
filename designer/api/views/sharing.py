"""A project's share links: read-only access without an account. Owners make and revoke them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.permissions import Need
from designer.api.serializers import ShareLinkCreateSerializer, ShareLinkSerializer
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiGenericView, ProjectScoped, errors
from designer.models import ShareLink
from designer.services.sharing import create_share_link, revoke_share_link


class ShareLinkListView(ProjectScoped, ApiGenericView):
    serializer_class = ShareLinkSerializer
    needs = {"GET": Need.OWNER, "POST": Need.OWNER}

    def get_queryset(self) -> Any:
        return self.get_project().share_links.select_related("created_by").order_by("-created_at")

    @extend_schema(
        summary="A project's share links, revoked ones included (owner)",
        responses={200: ShareLinkSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Share the project, or one of its topologies, read-only (owner)",
        request=ShareLinkCreateSerializer,
        responses={201: ShareLinkSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = self.get_project()
        serializer = ShareLinkCreateSerializer(data=request.data, context={"project": project})
        serializer.is_valid(raise_exception=True)
        link = create_share_link(project, request.user, **serializer.validated_data)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


class ShareLinkDetailView(ProjectScoped, ApiGenericView):
    serializer_class = ShareLinkSerializer
    needs = {"GET": Need.OWNER, "DELETE": Need.OWNER}

    def get_link(self) -> ShareLink:
        link = self.get_project().share_links.filter(pk=self.kwargs["link_id"]).first()
        if link is None:
            raise NotFound("The project has no share link with this id.")
        return link

    @extend_schema(
        summary="One share link (owner)",
        responses={200: ShareLinkSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int, link_id: int) -> Response:
        return Response(self.get_serializer(self.get_link()).data)

    @extend_schema(
        summary="Revoke a share link at once (owner)",
        responses={204: None, **errors(*READ_ERRORS)},
    )
    def delete(self, request: Request, project_id: int, link_id: int) -> Response:
        revoke_share_link(self.get_link())
        return Response(status=status.HTTP_204_NO_CONTENT)
