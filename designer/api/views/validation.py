"""Validation over the API: a topology's head or one of its revisions, a posted draft, or a
document on its own (topology as code). Nothing here writes. Also the public catalogs: the
finding codes and the document's JSON Schema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from designer.access import project_role, visible_projects
from designer.api.errors import input_error
from designer.api.permissions import Need
from designer.api.serializers import (
    CodeSerializer,
    DraftSerializer,
    StandaloneDraftSerializer,
    ValidationResultSerializer,
    validation_result,
)
from designer.api.views.base import READ_ERRORS, ApiGenericView, ApiView, TopologyScoped, errors
from designer.api.views.documents import head_of, revision_of, revision_param
from designer.api.views.topologies import parse_request_document
from designer.services.validation import validate_draft, validate_revision
from designer.spec import FieldError, document_json_schema
from designer.validation import RULES, validate
from designer.validation import rules as _registers_the_rules  # noqa: F401

DRAFT_ERRORS = (400, 401, 403, 404, 413, 415)


class TopologyValidateView(TopologyScoped, ApiGenericView):
    serializer_class = ValidationResultSerializer
    needs = {"GET": Need.VIEWER, "POST": Need.VIEWER}
    share_links_may = ("POST",)

    @extend_schema(
        summary="Findings for the head, or for one revision",
        parameters=[OpenApiParameter("revision", OpenApiTypes.INT, description="Default: head.")],
        responses={200: ValidationResultSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        number = revision_param(request, "revision")
        revision = head_of(topology) if number is None else revision_of(topology, number)
        if revision is None:
            raise input_error([FieldError("revision", "the topology has no such revision")])
        return Response(validation_result(validate_revision(revision), revision.number))

    @extend_schema(
        summary="Findings for a draft, judged as saved on this topology's head (stores nothing)",
        request=DraftSerializer,
        responses={200: ValidationResultSerializer, **errors(*DRAFT_ERRORS)},
    )
    def post(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        serializer = DraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = parse_request_document(serializer.validated_data["document"])
        author = request.user if request.user.is_authenticated else None
        findings = validate_draft(topology.project, document, topology=topology, author=author)
        return Response(validation_result(findings, None))


class ValidateView(ApiView):
    needs = {"POST": Need.VIEWER}
    share_links_may = ("POST",)

    @extend_schema(
        summary="Findings for a document without a topology (topology as code)",
        description="With `project`, the document is judged with that project's hosts, "
        "policy, quotas and usage, as a new topology of it; without, on its own. Stores "
        "nothing.",
        request=StandaloneDraftSerializer,
        responses={200: ValidationResultSerializer, **errors(400, 401, 403, 413, 415)},
    )
    def post(self, request: Request) -> Response:
        serializer = StandaloneDraftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = None
        if data["project"] is not None:
            project = visible_projects(self.caller).filter(pk=data["project"]).first()
            if project is None or project_role(self.caller, project) is None:
                raise input_error([FieldError("project", "no project with this id")])
        document = parse_request_document(data["document"])
        if project is None:
            findings = validate(document)
        else:
            author = request.user if request.user.is_authenticated else None
            findings = validate_draft(project, document, topology=None, author=author)
        return Response(validation_result(findings, None))


class PublicView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


class CodesView(PublicView):
    @extend_schema(
        summary="Every finding code validation can report",
        responses={200: CodeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        codes = [
            {
                "code": code.code,
                "severity": code.severity.value,
                "summary": code.summary,
                "area": registered.area,
            }
            for registered in RULES
            for code in registered.codes
        ]
        return Response(sorted(codes, key=lambda c: c["code"]))


class DocumentSchemaView(PublicView):
    @extend_schema(
        summary="The JSON Schema of a topology document", responses={200: OpenApiTypes.OBJECT}
    )
    def get(self, request: Request) -> Response:
        return Response(document_json_schema())
