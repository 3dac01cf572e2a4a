"""Teaching labs over the API: classes' invites, enrolment, labs, students' copies, checks,
the class's progress and its grades.

Who is what comes from `designer.access.lab_access`: an instructor (an owner of the class
project) manages its labs, invites and copies; class staff (its other members) read them; an
enrolled student reads the published labs, starts one, and checks and resets their own copy.
Share links never reach labs. The copy itself is an ordinary topology, edited through the
topology endpoints with the roles its project gives (the student an editor there).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from designer.access import (
    CLASS_STAFF,
    INSTRUCTOR,
    STUDENT,
    lab_access,
    project_role,
    visible_labs,
    visible_projects,
)
from designer.api.errors import input_error
from designer.api.lab_serializers import (
    EnrolmentSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    JoinSerializer,
    LabCopySerializer,
    LabCreateSerializer,
    LabSerializer,
    LabUpdateSerializer,
)
from designer.api.permissions import Need
from designer.api.views.base import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiGenericView,
    ProjectScoped,
    errors,
)
from designer.models import ClassInvite, Lab, LabCopy, Role
from designer.services import labs as service

MAX_ID = 2**63 - 1
EVERYONE = {"GET": Need.USER, "POST": Need.USER, "PATCH": Need.USER, "DELETE": Need.USER}


class LabScoped(ApiGenericView):
    """A view under labs/{lab_id}/: the lab, and what the caller is to it."""

    needs = EVERYONE
    _lab: Lab | None = None
    access: str | None = None

    def get_lab(self, *allowed: str) -> Lab:
        if self._lab is None:
            lab_id = self.kwargs["lab_id"]
            lab = Lab.objects.select_related("project").filter(pk=lab_id).first()
            access = lab_access(self.caller, lab) if lab is not None else None
            if lab is None or access is None:
                raise NotFound("No lab you may see has this id.")
            self._lab, self.access = lab, access
        if allowed and self.access not in allowed:
            raise PermissionDenied(
                "Only the class's instructors may do this."
                if allowed == (INSTRUCTOR,)
                else "You may not do this in this lab."
            )
        return self._lab

    def get_copy(self, lab: Lab, mine_or_instructor: bool = True) -> LabCopy:
        copy_id = self.kwargs["copy_id"]
        found = (
            LabCopy.objects.select_related("lab", "student", "topology__head")
            .filter(lab=lab, pk=copy_id)
            .first()
            if 1 <= copy_id <= MAX_ID
            else None
        )
        user_id = getattr(self.caller.user, "pk", None)
        own = found is not None and found.student_id == user_id
        if found is None or (self.access == STUDENT and not own):
            raise NotFound("The lab has no copy with this id that you may see.")
        if mine_or_instructor and self.access == CLASS_STAFF and not own:
            raise PermissionDenied("Only the student or an instructor may do this.")
        return found


class LabListView(ApiGenericView):
    serializer_class = LabSerializer
    needs = EVERYONE

    def get_queryset(self) -> Any:
        return visible_labs(self.caller).select_related("project", "created_by")

    @extend_schema(
        summary="The labs you teach, help with or are enrolled in (published ones only then)",
        responses={200: LabSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Turn a topology into a lab of its project's class (owner of the project)",
        description="The lab starts from `source`'s head revision. `goals` is one goal per line "
        "in the written form the README documents; a line that does not parse is a 400 naming "
        "`goals` and the line.",
        request=LabCreateSerializer,
        responses={201: LabSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        serializer = LabCreateSerializer(
            data=request.data, context={"projects": visible_projects(self.caller)}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = data.pop("project")
        published = data.pop("published")
        if project_role(self.caller, project) != Role.OWNER:
            raise PermissionDenied("Only an owner of the project may make a lab of it.")
        try:
            lab = service.create_lab(project, request.user, **data)
        except service.LabError as error:
            raise input_error(error.errors) from None
        if published:
            lab = service.update_lab(lab, published=True)
        return Response(self.get_serializer(lab).data, status=status.HTTP_201_CREATED)


class LabDetailView(LabScoped):
    serializer_class = LabSerializer

    @extend_schema(summary="One lab", responses={200: LabSerializer, **errors(*READ_ERRORS)})
    def get(self, request: Request, lab_id: int) -> Response:
        return Response(self.get_serializer(self.get_lab()).data)

    @extend_schema(
        summary="Change a lab: title, instructions, goals, sharing, publication (instructor)",
        request=LabUpdateSerializer,
        responses={200: LabSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, lab_id: int) -> Response:
        lab = self.get_lab(INSTRUCTOR)
        serializer = LabUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            lab = service.update_lab(lab, **serializer.validated_data)
        except service.LabError as error:
            raise input_error(error.errors) from None
        return Response(self.get_serializer(lab).data)

    @extend_schema(
        summary="Delete a lab; the students' copies stay, as their topologies (instructor)",
        responses={204: None, **errors(*READ_ERRORS)},
    )
    def delete(self, request: Request, lab_id: int) -> Response:
        self.get_lab(INSTRUCTOR).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabStartView(LabScoped):
    serializer_class = LabCopySerializer

    @extend_schema(
        summary="Start the lab: your copy of its starting topology (made once)",
        request=None,
        responses={201: LabCopySerializer, 200: LabCopySerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, lab_id: int) -> Response:
        lab = self.get_lab(INSTRUCTOR, STUDENT)
        copy, made = service.start_lab(lab, request.user)
        return Response(
            service.progress_json(copy),
            status=status.HTTP_201_CREATED if made else status.HTTP_200_OK,
        )


class LabCopyListView(LabScoped):
    serializer_class = LabCopySerializer

    @extend_schema(
        summary="The lab's copies with each student's progress (a student sees their own)",
        responses={200: LabCopySerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, lab_id: int) -> Response:
        lab = self.get_lab()
        copies = service.copies_of(lab)
        if self.access == STUDENT:
            copies = copies.filter(student=request.user)
        page = self.paginate_queryset(copies) or []
        return self.get_paginated_response([service.progress_json(copy) for copy in page])


class LabCopyDetailView(LabScoped):
    serializer_class = LabCopySerializer

    @extend_schema(
        summary="One copy and its last check",
        responses={200: LabCopySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, lab_id: int, copy_id: int) -> Response:
        copy = self.get_copy(self.get_lab(), mine_or_instructor=False)
        return Response(service.progress_json(copy))


class LabCopyCheckView(LabScoped):
    serializer_class = LabCopySerializer

    @extend_schema(
        summary="Check the copy's goals now (its student or an instructor)",
        description="Every goal is checked against the copy's head revision; the result is "
        "kept and sent to the lab's dashboards.",
        request=None,
        responses={200: LabCopySerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, lab_id: int, copy_id: int) -> Response:
        copy = self.get_copy(self.get_lab())
        service.check_copy(copy, request.user)
        return Response(service.progress_json(copy))


class LabCopyResetView(LabScoped):
    serializer_class = LabCopySerializer

    @extend_schema(
        summary="Reset a copy to the lab's start, as a new revision (its student or an instructor)",
        request=None,
        responses={200: LabCopySerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, lab_id: int, copy_id: int) -> Response:
        copy = self.get_copy(self.get_lab())
        service.reset_copy(copy, request.user)
        copy.refresh_from_db()
        return Response(service.progress_json(copy))


class LabGradesView(LabScoped):
    @extend_schema(
        summary="The class's grades as CSV: one row per student, one column per goal",
        responses={
            (200, "text/csv"): OpenApiResponse(str, "CSV, UTF-8, a header row first"),
            **errors(*READ_ERRORS),
        },
    )
    def get(self, request: Request, lab_id: int) -> HttpResponse:
        lab = self.get_lab(INSTRUCTOR, CLASS_STAFF)
        response = HttpResponse(service.grades_csv(lab), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lab-{lab.pk}-grades.csv"'
        return response


# --- enrolment -----------------------------------------------------------------------------


class InviteListView(ProjectScoped, ApiGenericView):
    serializer_class = InviteSerializer
    needs = {"GET": Need.OWNER, "POST": Need.OWNER}

    @extend_schema(
        summary="The class's invite codes, revoked ones included (owner)",
        responses={200: InviteSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, project_id: int) -> Response:
        page = self.paginate_queryset(self.get_project().invites.select_related("created_by"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="A new invite code for students to join the class (owner)",
        request=InviteCreateSerializer,
        responses={201: InviteSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, project_id: int) -> Response:
        project = self.get_project()
        serializer = InviteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite = service.create_invite(project, request.user, **serializer.validated_data)
        return Response(self.get_serializer(invite).data, status=status.HTTP_201_CREATED)


class InviteDetailView(ProjectScoped, ApiGenericView):
    serializer_class = InviteSerializer
    needs = {"DELETE": Need.OWNER}

    @extend_schema(
        summary="Revoke an invite code; those who joined stay enrolled (owner)",
        responses={204: None, **errors(*READ_ERRORS)},
    )
    def delete(self, request: Request, project_id: int, invite_id: int) -> Response:
        invite = ClassInvite.objects.filter(project=self.get_project(), pk=invite_id).first()
        if invite is None:
            raise NotFound("The class has no invite with this id.")
        service.revoke_invite(invite)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JoinView(ApiGenericView):
    serializer_class = EnrolmentSerializer
    needs = {"POST": Need.USER}

    @extend_schema(
        summary="Join a class with its invite code",
        request=JoinSerializer,
        responses={200: EnrolmentSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            enrolment = service.join_class(request.user, serializer.validated_data["code"])
        except service.LabError as error:
            raise input_error(error.errors) from None
        return Response(self.get_serializer(enrolment).data)
