"""Connectivity checks over the API: send real traffic between the deployed instances of a
topology (a ping, a TCP connect, or the whole reachability matrix), and read what it did
against what the design predicts.

Requests are checked against the deployed revision, recorded and enqueued by
`designer.services.checks`; the probes run in Celery, on the worker of each source instance's
host. An instance on Docker's host network shares its host's own stack and has no namespace or
address of its own: a check refuses it (400, naming the field) rather than probe from the host.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.checks_serializers import CheckRequestSerializer, CheckSerializer
from designer.api.errors import ERROR_CODES, ApiError, input_error
from designer.api.permissions import Need
from designer.api.serializers import ErrorSerializer
from designer.api.views.base import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiGenericView,
    TopologyScoped,
    errors,
)
from designer.models import ConnectivityCheck, Topology
from designer.services.checks import CheckRequestError, NotDeployed, check_json, request_check

# Check ids are big integers; a larger number in a URL names no check.
MAX_ID = 2**63 - 1


def checks_of(topology: Topology) -> Any:
    return ConnectivityCheck.objects.filter(topology=topology).select_related(
        "deployment__revision", "requested_by"
    )


class CheckListView(TopologyScoped, ApiGenericView):
    serializer_class = CheckSerializer
    needs = {"GET": Need.VIEWER, "POST": Need.EDITOR}

    def get_queryset(self) -> Any:
        return checks_of(self.get_topology())

    @extend_schema(
        summary="A topology's connectivity checks, newest first",
        responses={200: CheckSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([check_json(check) for check in page])

    @extend_schema(
        summary="Send traffic between deployed instances and compare it with the design (editor)",
        description="`ping` and `tcp` go from `source` to `target` (`tcp` to `port`); `matrix` "
        "tries every ordered pair of instances (ping, or TCP to `port` when given). The probes "
        "run in the instances' namespaces; each result says what the design predicted, and "
        "every disagreement is a finding. Answers the check queued; follow it here or on the "
        "topology's WebSocket (`connectivity` events). An instance on Docker's host network "
        "has no namespace of its own and is refused. 409 `not_deployed` when nothing is "
        "deployed.",
        request=CheckRequestSerializer,
        responses={
            202: CheckSerializer,
            **errors(*WRITE_ERRORS),
            409: OpenApiResponse(
                ErrorSerializer, f"`not_deployed`: {ERROR_CODES['not_deployed'][1]}"
            ),
        },
    )
    def post(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        serializer = CheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            check = request_check(
                topology,
                request.user,
                data["kind"],
                source=data["source"],
                target=data["target"],
                port=data["port"],
            )
        except NotDeployed:
            raise ApiError(
                "not_deployed",
                "The topology has nothing deployed: deploy it, then check its connectivity.",
            ) from None
        except CheckRequestError as exc:
            raise input_error(exc.errors) from None
        return Response(check_json(check), status=status.HTTP_202_ACCEPTED)


class CheckDetailView(TopologyScoped, ApiGenericView):
    serializer_class = CheckSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="One connectivity check, with each probe's result and the findings",
        responses={200: CheckSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int, check_id: int) -> Response:
        topology = self.get_topology()
        found = checks_of(topology).filter(pk=check_id).first() if 1 <= check_id <= MAX_ID else None
        if found is None:
            raise NotFound("The topology has no connectivity check with this id.")
        return Response(check_json(found))
