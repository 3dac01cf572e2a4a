"""A topology's document and its history: read the head, save on a base revision (or be told
it is stale, with the head to rebase on), list and read revisions, restore one, diff two."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.errors import input_error
from designer.api.permissions import Need
from designer.api.serializers import (
    DiffSerializer,
    DocumentReadSerializer,
    DocumentWriteSerializer,
    RestoreSerializer,
    RevisionDetailSerializer,
    RevisionSerializer,
    SavedRevisionSerializer,
    validation_result,
)
from designer.api.views.base import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiGenericView,
    TopologyScoped,
    errors,
)
from designer.api.views.topologies import parse_request_document
from designer.diff import diff_documents
from designer.models import Revision, Topology
from designer.realtime.broadcast import publish_findings
from designer.services.topologies import restore_revision, save_revision
from designer.services.validation import validate_revision
from designer.spec import DocumentFormat, FieldError, dump_document_text

MAX_REVISION = 2**31 - 1


def head_of(topology: Topology) -> Revision:
    head = topology.head
    if head is None:  # only while a topology is being created
        raise NotFound("The topology has no revision yet.")
    return head


def revision_of(topology: Topology, number: int) -> Revision | None:
    if not 1 <= number <= MAX_REVISION:
        return None
    return (
        Revision.objects.select_related("topology__project", "parent", "author")
        .filter(topology=topology, number=number)
        .first()
    )


def revision_param(request: Request, name: str) -> int | None:
    """An optional revision number from the query string, or a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= MAX_REVISION):
        raise input_error([FieldError(name, "must be a revision number")])
    return int(raw)


def saved(revision: Revision) -> dict[str, Any]:
    """A new revision with its findings, as answered by every write that makes one."""
    findings = validate_revision(revision)
    publish_findings(revision, findings)
    result = validation_result(findings, revision.number)
    del result["revision"]
    return {"revision": RevisionSerializer(revision).data, **result}


class DocumentView(TopologyScoped, ApiGenericView):
    serializer_class = DocumentReadSerializer
    needs = {"GET": Need.VIEWER, "PUT": Need.EDITOR}

    @extend_schema(
        summary="The head document and its revision number",
        responses={200: DocumentReadSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        head = head_of(self.get_topology())
        return Response({"revision": head.number, "document": head.document})

    @extend_schema(
        summary="Save a new revision made on `base_revision` (editor)",
        description="Answers 409 `stale_revision` with the head's number and document when "
        "`base_revision` is not the head any more; nothing is stored then.",
        request=DocumentWriteSerializer,
        responses={
            200: SavedRevisionSerializer,
            **errors(*WRITE_ERRORS, conflicts=("stale_revision",)),
        },
    )
    def put(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        serializer = DocumentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = parse_request_document(data["document"])
        revision = save_revision(
            topology, data["base_revision"], document, request.user, data["message"]
        )
        return Response(saved(revision))


EXPORT_TYPES = {"yaml": "application/yaml", "json": "application/json"}


class DocumentExportView(TopologyScoped, ApiGenericView):
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="The document as a YAML or JSON file (topology as code)",
        description="The head revision, or `revision`, written as a file `python manage.py "
        "validate` and `POST topologies/` (`document_text`) read back: fields left at their "
        "defaults are left out. `as` is `yaml` (the default) or `json`.",
        parameters=[
            OpenApiParameter("as", OpenApiTypes.STR, enum=list(EXPORT_TYPES)),
            OpenApiParameter("revision", OpenApiTypes.INT),
        ],
        responses={
            (200, "application/yaml"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
            **errors(*READ_ERRORS),
        },
    )
    def get(self, request: Request, topology_id: int) -> HttpResponse:
        topology = self.get_topology()
        kind = request.query_params.get("as", "yaml")
        if kind not in EXPORT_TYPES:
            raise input_error([FieldError("as", "must be yaml or json")])
        number = revision_param(request, "revision")
        revision = head_of(topology) if number is None else revision_of(topology, number)
        if revision is None:
            raise NotFound("The topology has no revision with this number.")
        heading = f"{topology.name}, revision {revision.number}, exported from Netloom"
        text = dump_document_text(revision.parsed(), cast(DocumentFormat, kind), heading)
        response = HttpResponse(text, content_type=f"{EXPORT_TYPES[kind]}; charset=utf-8")
        name = f"{slugify(topology.name) or 'topology'}-r{revision.number}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RevisionListView(TopologyScoped, ApiGenericView):
    serializer_class = RevisionSerializer
    needs = {"GET": Need.VIEWER}

    def get_queryset(self) -> Any:
        return (
            Revision.objects.filter(topology=self.get_topology())
            .select_related("parent", "author")
            .defer("document")
            .order_by("-number")
        )

    @extend_schema(
        summary="A topology's revisions, newest first, without their documents",
        responses={200: RevisionSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RevisionDetailView(TopologyScoped, ApiGenericView):
    serializer_class = RevisionDetailSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="One revision with its document",
        responses={200: RevisionDetailSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int, number: int) -> Response:
        revision = revision_of(self.get_topology(), number)
        if revision is None:
            raise NotFound("The topology has no revision with this number.")
        return Response(self.get_serializer(revision).data)


class RestoreView(TopologyScoped, ApiGenericView):
    serializer_class = RestoreSerializer
    needs = {"POST": Need.EDITOR}

    @extend_schema(
        summary="Make a new revision holding an old revision's document (editor)",
        description="History is never rewritten: the restored document becomes the next "
        "revision. 409 `stale_revision` when `base_revision` is not the head.",
        request=RestoreSerializer,
        responses={
            201: SavedRevisionSerializer,
            **errors(*WRITE_ERRORS, conflicts=("stale_revision",)),
        },
    )
    def post(self, request: Request, topology_id: int, number: int) -> Response:
        topology = self.get_topology()
        if revision_of(topology, number) is None:
            raise NotFound("The topology has no revision with this number.")
        serializer = RestoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = restore_revision(
            topology, number, serializer.validated_data["base_revision"], request.user
        )
        return Response(saved(revision), status=status.HTTP_201_CREATED)


class DiffView(TopologyScoped, ApiGenericView):
    serializer_class = DiffSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="What changed between two revisions",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.INT, description="Default: the parent of `to`."),
            OpenApiParameter("to", OpenApiTypes.INT, description="Default: the head."),
        ],
        responses={200: DiffSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        to_number = revision_param(request, "to") or head_of(topology).number
        target = revision_of(topology, to_number)
        if target is None:
            raise input_error([FieldError("to", "the topology has no such revision")])
        from_number = revision_param(request, "from")
        if from_number is None:
            source = target.parent or target
        else:
            found = revision_of(topology, from_number)
            if found is None:
                raise input_error([FieldError("from", "the topology has no such revision")])
            source = found
        body = diff_documents(source.document, target.document)
        return Response({"source": source.number, "target": target.number, **body})
