"""HA drills over the API: break or restore a deployed HA router on purpose (crash its master,
move the master role to another instance, cut the master off the HA network for a while, fail
a host, fail back to the design's layout), and read the drills run on it and the HA events its
VRRP transitions added up to.

Requests are checked against the deployed revision, recorded and enqueued by
`designer.services.drills`; the drill runs in Celery, on the worker of the host whose instance
it acts on, and what follows reaches the topology's WebSocket as `failover`, `switchover`,
`failback`, `split_brain` and `no_master` events. Meanwhile an instance behind the router pings
one on its far side; the outage it measured reaches the socket as a `drill` event.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

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
from designer.models import DrillKind, HaDrill, HaEvent
from designer.services.checks import NotDeployed
from designer.services.drills import (
    DrillRequestError,
    DrillUnderWay,
    NoMaster,
    NotHa,
    UnknownRouter,
    drill_json,
    ha_event_message,
    live_deployments,
    request_drill,
)


class DrillRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=DrillKind.choices)
    target_host = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=32,
        help_text="switchover: the host to move the master role to; host_failure: the host to "
        "fail (the master's when left out)",
    )
    hold_seconds = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=120,
        help_text="cut_link: how long the master's HA link stays cut (seconds, default 5)",
    )
    probe_source = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=48,
        help_text="The instance the probe pings from during the drill: one on a subnet of the "
        "router. Chosen when left out.",
    )
    probe_target = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=48,
        help_text="The instance the probe pings, on the router's far side (another of its "
        "subnets, or its external network). Chosen when left out.",
    )


class DrillProbeSerializer(serializers.Serializer[Any]):
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    address = serializers.CharField()
    state = serializers.CharField(help_text="queued, running, done or failed.")
    sent = serializers.IntegerField(allow_null=True)
    received = serializers.IntegerField(allow_null=True)
    longest_gap_seconds = serializers.FloatField(
        allow_null=True, help_text="The longest time without a reply."
    )
    gap_started_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class DrillSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    deployment = serializers.IntegerField()
    router = serializers.CharField()
    kind = serializers.ChoiceField(choices=DrillKind.choices)
    target_host = serializers.CharField(allow_null=True)
    hold_seconds = serializers.IntegerField(
        allow_null=True, help_text="cut_link: how long the link stays cut."
    )
    host = serializers.CharField(help_text="The host whose instance it acts on.")
    state = serializers.CharField()
    hosts = serializers.DictField(
        child=serializers.CharField(), help_text="Each host's part: queued, done or failed."
    )
    requested_at = serializers.DateTimeField()
    at = serializers.DateTimeField(allow_null=True, help_text="When it acted on the instance.")
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()
    outage_seconds = serializers.FloatField(
        allow_null=True, help_text="The probe's longest gap in replies: the outage measured."
    )
    probe = DrillProbeSerializer(allow_null=True)


class DrillHistorySerializer(serializers.Serializer[Any]):
    drills = DrillSerializer(many=True)
    events = serializers.ListField(
        child=serializers.DictField(), help_text="HA events, oldest first."
    )


class DrillListView(TopologyScoped, ApiGenericView):
    serializer_class = DrillSerializer
    needs = {"GET": Need.VIEWER, "POST": Need.EDITOR}

    @extend_schema(
        summary="An HA router's drills and HA events since its instances last started",
        responses={200: DrillHistorySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int, router_id: str) -> Response:
        topology = self.get_topology()
        attempts = live_deployments(topology.pk)
        drills = HaDrill.objects.filter(deployment__in=attempts, router=router_id)
        events = HaEvent.objects.filter(deployment__in=attempts, router=router_id)
        return Response(
            {
                "drills": [drill_json(drill) for drill in drills],
                "events": [ha_event_message(event).model_dump(mode="json") for event in events],
            }
        )

    @extend_schema(
        summary="Run a drill on a deployed HA router (editor)",
        description="`crash_master` kills the master instance's keepalived; `switchover` moves "
        "the master role to `target_host`; `cut_link` takes the master's HA port off the HA "
        "network for `hold_seconds` (1-120, default 5), so both instances become master (a "
        "`split_brain`, sent again with `ended_at` once the link is mended and one steps back); "
        "`host_failure` fails `target_host` (the master's when left out): every keepalived of "
        "the deployment there killed and its router namespaces' interfaces set down; `failback` "
        "returns every instance to the design's configuration (a cut link mended, interfaces "
        "set up, keepalived started again) and the role to the initial master. "
        "Answers the drill queued; what follows reaches the topology's WebSocket as `failover`, "
        "`switchover`, `failback`, `split_brain` and `no_master` events. While it runs, "
        "`probe_source` (an instance on a subnet of the router) pings `probe_target` (one on "
        "its far side) every 20 ms, both chosen when left out; the longest gap in replies is "
        "the drill's `outage_seconds`, sent as a `drill` event. Drills on one router run one at "
        "a time: 409 `drill_under_way` (naming it in `drill`) while another's task or probe "
        "has not finished, save that a failback waits only for another failback. 409 "
        "`not_deployed` when nothing is deployed, `not_ha` for a router that is not HA, "
        "`no_master` when no instance is master to act on.",
        request=DrillRequestSerializer,
        responses={
            202: DrillSerializer,
            **errors(*WRITE_ERRORS),
            409: OpenApiResponse(
                ErrorSerializer,
                "; ".join(
                    f"`{code}`: {ERROR_CODES[code][1]}"
                    for code in ("not_deployed", "not_ha", "no_master", "drill_under_way")
                ),
            ),
        },
    )
    def post(self, request: Request, topology_id: int, router_id: str) -> Response:
        topology = self.get_topology()
        serializer = DrillRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            drill = request_drill(
                topology,
                request.user,
                router_id,
                data["kind"],
                data.get("target_host"),
                probe_source=data.get("probe_source"),
                probe_target=data.get("probe_target"),
                hold_seconds=data.get("hold_seconds"),
            )
        except NotDeployed:
            raise ApiError(
                "not_deployed",
                "The topology has nothing deployed: deploy it, then drill its HA routers.",
            ) from None
        except UnknownRouter:
            raise NotFound("The deployed revision has no router with this id.") from None
        except NotHa:
            raise ApiError(
                "not_ha", f"Router {router_id} is not an HA router in the deployed revision."
            ) from None
        except DrillUnderWay as exc:
            running = exc.drill
            raise ApiError(
                "drill_under_way",
                f"Drill #{running.pk} ({DrillKind(running.kind).label.lower()}) on router "
                f"{router_id} is still under way: wait for it to finish"
                f"{'' if running.kind == DrillKind.FAILBACK else ', or fail back to end it'}.",
                drill=running.pk,
            ) from None
        except NoMaster:
            raise ApiError(
                "no_master", f"No instance of router {router_id} reports MASTER now."
            ) from None
        except DrillRequestError as exc:
            raise input_error(exc.errors) from None
        return Response(drill_json(drill), status=status.HTTP_202_ACCEPTED)
