"""A project's members and their roles. Owners manage them; any member may leave."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.permissions import Need, check_role
from designer.api.serializers import (
    MemberAddSerializer,
    MemberRoleSerializer,
    MembershipSerializer,
)
from designer.api.views.base import READ_ERRORS, WRITE_ERRORS, ApiGenericView, ProjectScoped, errors
from designer.models import Membership, Role
from designer.services.projects import add_member, change_role, remove_member

# Django's username alphabet; anything else cannot name a member.
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


class MemberListView(ProjectScoped, ApiGenericView):
    serializer_class = MembershipSerializer
    needs = {"GET": Need.VIEWER, "POST": Need.OWNER}

    def get_queryset(self) -> Any:
        return self.get_project().memberships.select_related("user").order_by("user__username")

    @extend_schema(
        summary="Members of a project and their roles",
        responses={200: MembershipSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a member by username (owner)",
        request=MemberAddSerializer,
        responses={
            201: MembershipSerializer,
            **errors(*WRITE_ERRORS, conflicts=("already_member",)),
        },
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = self.get_project()
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = add_member(project, data["username"], Role(data["role"]))
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailView(ProjectScoped, ApiGenericView):
    serializer_class = MembershipSerializer
    # Leaving is open to every member; removing someone else needs the owner (checked below).
    needs = {"GET": Need.VIEWER, "PUT": Need.OWNER, "PATCH": Need.OWNER, "DELETE": Need.VIEWER}

    def get_membership(self) -> Membership:
        project = self.get_project()
        username = self.kwargs["username"]
        membership = None
        if _USERNAME.match(username):
            membership = (
                project.memberships.select_related("user", "project")
                .filter(user__username=username)
                .first()
            )
        if membership is None:
            raise NotFound("The project has no member with this username.")
        return membership

    @extend_schema(
        summary="One member's role", responses={200: MembershipSerializer, **errors(*READ_ERRORS)}
    )
    def get(self, request: Request, project_id: int, username: str) -> Response:
        return Response(self.get_serializer(self.get_membership()).data)

    @extend_schema(
        summary="Change a member's role (owner)",
        request=MemberRoleSerializer,
        responses={200: MembershipSerializer, **errors(*WRITE_ERRORS, conflicts=("last_owner",))},
    )
    def put(self, request: Request, project_id: int, username: str) -> Response:
        membership = self.get_membership()
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = change_role(membership, Role(serializer.validated_data["role"]))
        return Response(self.get_serializer(membership).data)

    @extend_schema(
        summary="Change a member's role (owner)",
        request=MemberRoleSerializer,
        responses={200: MembershipSerializer, **errors(*WRITE_ERRORS, conflicts=("last_owner",))},
    )
    def patch(self, request: Request, project_id: int, username: str) -> Response:
        return self.put(request, project_id, username)

    @extend_schema(
        summary="Remove a member (owner), or leave the project (the member)",
        responses={204: None, **errors(*READ_ERRORS, conflicts=("last_owner",))},
    )
    def delete(self, request: Request, project_id: int, username: str) -> Response:
        membership = self.get_membership()
        if membership.user_id != request.user.pk:
            check_role(request, membership, Need.OWNER)
        remove_member(membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
