"""The VRRP timeline of a topology's HA routers over the API: every state change their
instances reported since they were last started from nothing, and the state each is in now.

Transitions arrive live as `vrrp` events on the topology's WebSocket; this is what a client
reads when it opens the topology or comes back after losing the socket."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from designer.api.permissions import Need
from designer.api.views.base import READ_ERRORS, ApiGenericView, TopologyScoped, errors
from designer.api.vrrp_serializers import MemberHealthListSerializer, VrrpTimelineSerializer
from designer.models import VrrpTransition
from designer.realtime.broadcast import vrrp_event
from designer.services.vrrp import member_health
from designer.services.vrrp_timeline import vrrp_timeline


class VrrpTimelineView(TopologyScoped, ApiGenericView):
    serializer_class = VrrpTimelineSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="The VRRP transitions of the topology's HA routers, and who is master now",
        description="Each state change an HA router instance reported (`master`, `backup`, "
        "`fault`, `stop`), oldest first, since the topology's last finished destroy: the "
        "newest 1000, with `earlier` counting the rest. `states` gives each router's "
        "instances by host and the state each last reported. New transitions arrive as "
        "`vrrp` events on the topology's WebSocket.",
        responses={200: VrrpTimelineSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        timeline = vrrp_timeline(self.get_topology())
        return Response(
            {
                "after": timeline.after,
                "transitions": [transition_json(t) for t in timeline.transitions],
                "earlier": timeline.earlier,
                "states": timeline.states,
            }
        )


def transition_json(transition: VrrpTransition) -> dict[str, Any]:
    """A transition as the `vrrp` event carries it, less the event's type."""
    return vrrp_event(transition).model_dump(mode="json", exclude={"type"})


class MemberHealthView(TopologyScoped, ApiGenericView):
    """Load balancer members' health, as the deployed checkers last found it."""

    serializer_class = MemberHealthListSerializer
    needs = {"GET": Need.VIEWER}

    @extend_schema(
        summary="The health of the topology's load balancer members",
        description="Each member whose health changed since the topology's last finished "
        "destroy, in the state its host's checker last found (`up` or `down`). Changes "
        "arrive as `lb_member` events on the topology's WebSocket.",
        responses={200: MemberHealthListSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, topology_id: int) -> Response:
        after, members = member_health(self.get_topology())
        return Response(
            {
                "after": after,
                "members": [
                    {
                        "load_balancer": health.load_balancer,
                        "member": health.member,
                        "host": health.host,
                        "state": health.state,
                        "at": health.at.isoformat(),
                        "deployment": health.deployment_id,
                    }
                    for health in members
                ],
            }
        )
