"""Serializers of the VRRP timeline's answer (documentation only: the view builds the answer
itself, each transition in the shape of the `vrrp` event)."""

from __future__ import annotations

from typing import Any, get_args

from rest_framework import serializers

from designer.realtime.events import VrrpState

# Not an enum in the schema: enums are named by field, and other `state`s exist.
STATES = "One of " + ", ".join(get_args(VrrpState))


class VrrpTransitionSerializer(serializers.Serializer[Any]):
    deployment = serializers.IntegerField(help_text="The attempt it was recorded on.")
    router = serializers.CharField(help_text="The HA router's element id.")
    host = serializers.CharField(help_text="The networking node of the instance.")
    old_state = serializers.CharField(
        allow_null=True, help_text=f"{STATES}; None for the first state an instance reports."
    )
    new_state = serializers.CharField(help_text=STATES)
    at = serializers.DateTimeField(help_text="When the instance's host saw it.")


class VrrpTimelineSerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField(
        allow_null=True,
        help_text="The destroy the transitions come after (what it removed is left out); "
        "None when the topology was never destroyed.",
    )
    transitions = VrrpTransitionSerializer(many=True, help_text="Oldest first.")
    earlier = serializers.IntegerField(
        min_value=0, help_text="How many older transitions are left out of the list."
    )
    states = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=f"Router id -> host -> the state its instance there is in now. {STATES}.",
    )


class MemberHealthSerializer(serializers.Serializer[Any]):
    load_balancer = serializers.CharField(help_text="The load balancer's element id.")
    member = serializers.CharField(help_text="The member's instance and port: `instance:port`.")
    host = serializers.CharField(help_text="The networking node whose checker saw it.")
    state = serializers.CharField(
        help_text="`up` or `down`. `down`: failed `fall` checks in a row, so it gets no new "
        "connections; `up`: passed `rise` checks since."
    )
    at = serializers.DateTimeField(help_text="When the checker saw the change.")
    deployment = serializers.IntegerField(help_text="The attempt it was recorded on.")


class MemberHealthListSerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField(
        allow_null=True,
        help_text="The destroy the health comes after (it stopped every checker); None when "
        "the topology was never destroyed.",
    )
    members = MemberHealthSerializer(
        many=True,
        help_text="Each member whose health changed since, in its newest state; a member not "
        "listed has been up since its load balancer was deployed.",
    )
