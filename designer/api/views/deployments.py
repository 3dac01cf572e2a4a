"""Deploying a topology over the API: ask for a deploy or a destroy, follow and cancel the
attempts, have the deployed one checked for drift now, and preview what a deploy of a revision
would change on each host before asking.

Requests are recorded and enqueued by `designer.services.deployments`; the work runs in
Celery. The preview is pure: it plans the revision and what is deployed now with the
registered hosts, and renders the difference as the dry run's commands, without touching a
kernel."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.errors import ERROR_CODES, input_error
from designer.api.permissions import Need
from designer.api.serializers import (
    DeploymentConflictSerializer,
    DeploymentDetailSerializer,
    DeploymentSerializer,
    DeployRequestSerializer,
    PlanPreviewSerializer,
)
from designer.api.views.base import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiGenericView,
    TopologyScoped,
    errors,
)
from designer.api.views.documents import head_of, revision_of, revision_param
from designer.models import Deployment, DeploymentAction, Host, Revision, Topology
from designer.realtime.broadcast import deployment_out
from designer.services.deployments import (
    current_deployment,
    request_cancel,
    request_deploy,
    request_destroy,
)
from designer.services.drift import report as drift_report
from designer.services.drift import request_observation
from designer.spec import FieldError, parse_document
from tasks.drivers import HostBinding
from tasks.drivers.dryrun import commands, preview, render_text
from tasks.planner.facts import host_facts
from tasks.planner.hosts import HostFacts
from tasks.planner.planner import plan
from tasks.planner.state import HostState, Note, Plan
from tasks.planner.steps import plan_steps

# Deployment ids are big integers; a larger number in a URL names no deployment.
MAX_ID = 2**63 - 1


def conflicts(*codes: str) -> dict[int, OpenApiResponse]:
    """The 409 of a deployment request, listing `codes`."""
    described = " ".join(f"`{code}`: {ERROR_CODES[code][1]}" for code in codes)
    return {409: OpenApiResponse(DeploymentConflictSerializer, described)}


def summary(deployment: Deployment) -> dict[str, Any]:
    """A deployment as the `deployment` event shows it."""
    return deployment_out(deployment).model_dump(mode="json")


def detail(deployment: Deployment) -> dict[str, Any]:
    """A deployment with every element's state, its whole log and its drift."""
    return {
        **summary(deployment),
        "elements": deployment.elements,
        "log": deployment.log,
        "drift": drift_report(deployment),
    }


def deployments_of(topology: Topology) -> Any:
    return Deployment.objects.filter(topology=topology).select_related("revision", "requested_by")


class DeploymentListView(TopologyScoped, ApiGenericView):
    serializer_class = DeploymentSerializer
    needs = {"GET": Need.VIEWER, "POST": Need.EDITOR}

    def get_queryset(self) -> Any:
        return deployments_of(self.get_topology()).defer("elements", "log")

    @extend_schema(
        summary="A topology's deploys and destroys, newest first",
        responses={200: DeploymentSerializer(many=True), **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([summary(deployment) for deployment in page])

    @extend_schema(
        summary="Deploy a revision (the head by default) or destroy what is deployed (editor)",
        description="Records the attempt and enqueues it; follow it here or on the topology's "
        "WebSocket. 409 `deployment_blocked` when the revision has validation errors (each in "
        "`errors`), `deployment_in_progress` while another attempt is under way.",
        request=DeployRequestSerializer,
        responses={
            202: DeploymentDetailSerializer,
            **errors(*WRITE_ERRORS),
            **conflicts("deployment_blocked", "deployment_in_progress"),
        },
    )
    def post(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        serializer = DeployRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["action"] == DeploymentAction.DESTROY:
            deployment = request_destroy(topology, request.user)
        else:
            revision = target_revision(topology, data["revision"])
            deployment = request_deploy(topology, revision, request.user)
        return Response(detail(deployment), status=status.HTTP_202_ACCEPTED)


def target_revision(topology: Topology, number: int | None) -> Revision:
    """The revision a request names, the head when it names none, or a 400 naming it."""
    if number is None:
        return head_of(topology)
    revision = revision_of(topology, number)
    if revision is None:
        raise input_error([FieldError("revision", "the topology has no such revision")])
    return revision


class DeploymentScoped(TopologyScoped):
    """A view under topologies/{topology_id}/deployments/{deployment_id}/."""

    def get_deployment(self) -> Deployment:
        number = self.kwargs["deployment_id"]
        found = None
        if 1 <= number <= MAX_ID:
            found = deployments_of(self.get_topology()).filter(pk=number).first()
        if found is None:
            raise NotFound("The topology has no deployment with this id.")
        return found


class DeploymentDetailView(DeploymentScoped, ApiGenericView):
    serializer_class = DeploymentDetailSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="One deploy or destroy, with each element's state and the log",
        responses={200: DeploymentDetailSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int, deployment_id: int) -> Response:
        return Response(detail(self.get_deployment()))


class DeploymentCancelView(DeploymentScoped, ApiGenericView):
    serializer_class = DeploymentDetailSerializer
    needs = {"POST": Need.EDITOR}

    @extend_schema(
        summary="Stop an attempt under way (editor)",
        description="The hosts finish the step under way, then undo what the attempt made; "
        "the answer shows the attempt as it is now. 409 `deployment_finished` when it is no "
        "longer under way.",
        request=None,
        responses={
            200: DeploymentDetailSerializer,
            **errors(*WRITE_ERRORS),
            **conflicts("deployment_finished"),
        },
    )
    def post(self, request: Request, topology_id: int, deployment_id: int) -> Response:
        return Response(detail(request_cancel(self.get_deployment())))


class DeploymentObserveView(DeploymentScoped, ApiGenericView):
    serializer_class = DeploymentDetailSerializer
    needs = {"POST": Need.EDITOR}

    @extend_schema(
        summary="Look for drift on the deployed attempt's hosts now (editor)",
        description="Observes every host of the attempt against its revision, as the periodic "
        "observation does, and carries on observing from now. The result comes as a `drift` "
        "event on the topology's WebSocket and in the attempt's `drift`. 409 "
        "`deployment_in_progress` while another attempt is under way, "
        "`deployment_not_deployed` when the attempt is not what the topology has deployed.",
        request=None,
        responses={
            202: DeploymentDetailSerializer,
            **errors(*WRITE_ERRORS),
            **conflicts("deployment_in_progress", "deployment_not_deployed"),
        },
    )
    def post(self, request: Request, topology_id: int, deployment_id: int) -> Response:
        deployment = request_observation(self.get_deployment())
        return Response(detail(deployment), status=status.HTTP_202_ACCEPTED)


# --- the plan preview ---------------------------------------------------------------------


def deployed_revision(topology: Topology) -> Revision | None:
    """The revision the hosts hold now: that of the last deploy, unless a destroy followed."""
    current = current_deployment(topology)
    if current is None or current.action == DeploymentAction.DESTROY:
        return None
    return current.revision


def planned(topology: Topology, revision: Revision, facts: list[HostFacts]) -> Plan:
    return plan(parse_document(revision.document), topology.pk, facts)


def host_preview(
    host: Host, prefix: str, observed: HostState | None, desired: HostState | None
) -> dict[str, Any]:
    """What a deploy would do on one host: counts and the dry run's commands."""
    empty = HostState(host=host.name)
    steps = plan_steps(observed or empty, desired or empty)
    binding = HostBinding(host.name, host.namespace or None, prefix=prefix)
    return {
        "summary": preview(steps),
        "commands": render_text(commands(steps, binding)).splitlines(),
    }


def note_out(note: Note) -> dict[str, Any]:
    return {
        "code": note.code,
        "message": note.message,
        "elements": list(note.elements),
        "host": note.host,
    }


class PlanPreviewView(TopologyScoped, ApiGenericView):
    serializer_class = PlanPreviewSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="What deploying a revision would create, change and remove on each host",
        description="Plans the revision (default: the head) and what is deployed now on the "
        "registered hosts and shows the difference per host, as counts and as the commands "
        "the linux driver would run. Touches no host.",
        parameters=[OpenApiParameter("revision", OpenApiTypes.INT, description="Default: head.")],
        responses={200: PlanPreviewSerializer, **errors(400, *READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        topology = self.get_topology()
        target = target_revision(topology, revision_param(request, "revision"))
        deployed = deployed_revision(topology)
        hosts = list(Host.objects.order_by("name"))
        facts = [host_facts(host) for host in hosts]
        wanted = planned(topology, target, facts)
        now = planned(topology, deployed, facts).hosts if deployed is not None else {}
        return Response(
            {
                "revision": target.number,
                "deployed_revision": deployed.number if deployed is not None else None,
                "hosts": {
                    host.name: host_preview(
                        host, wanted.prefix, now.get(host.name), wanted.hosts.get(host.name)
                    )
                    for host in hosts
                },
                "notes": [note_out(note) for note in wanted.notes],
            }
        )
