"""Serializers of the connectivity checks' API: the request, read and checked here field by
field, and the check as answered (documentation only: the answer is the `connectivity` event's
`CheckOut`, dumped as it is)."""

from __future__ import annotations

from typing import Any, get_args

from rest_framework import serializers

from designer.api.serializers import FindingSerializer, HostProgressSerializer, PersonSerializer
from designer.models import CheckKind
from designer.realtime.events import CheckOut, CheckResult
from designer.spec.fields import ID_PATTERN

MAX_PORT = 65535


def _one_of(model: Any, field: str) -> str:
    # Not an enum in the schema: enums are named by field, and other `state`s exist.
    return "One of " + ", ".join(get_args(model.model_fields[field].annotation))


class CheckRequestSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=CheckKind.choices)
    source = serializers.RegexField(  # type: ignore[assignment]
        ID_PATTERN,
        required=False,
        allow_null=True,
        default=None,
        help_text="The instance the traffic starts from (not for a matrix).",
    )
    target = serializers.RegexField(
        ID_PATTERN,
        required=False,
        allow_null=True,
        default=None,
        help_text="The instance the traffic goes to (not for a matrix).",
    )
    port = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PORT,
        required=False,
        allow_null=True,
        default=None,
        help_text="The TCP port: required for tcp; for a matrix, makes every probe a TCP "
        "connect to it instead of a ping. The instances' responder listens on 7 (echo) and 80.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["kind"]
        errors: dict[str, str] = {}
        if kind == CheckKind.MATRIX:
            for field in ("source", "target"):
                if attrs[field] is not None:
                    errors[field] = "a matrix covers every pair of instances: give none"
        else:
            for field in ("source", "target"):
                if attrs[field] is None:
                    errors[field] = f"a {kind} check needs its {field} instance"
        if kind == CheckKind.TCP and attrs["port"] is None:
            errors["port"] = "a tcp check needs the port to connect to (1 to 65535)"
        if kind == CheckKind.PING and attrs["port"] is not None:
            errors["port"] = "a ping has no port: ask for a tcp check to test a port"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class CheckResultSerializer(serializers.Serializer[Any]):
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    address = serializers.CharField(
        allow_blank=True,
        help_text="The target's address the source used: one on a subnet they share, else "
        "one the source's routers reach, else its first (IPv4 first); empty when it has none.",
    )
    protocol = serializers.CharField(help_text=_one_of(CheckResult, "protocol"))
    port = serializers.IntegerField(allow_null=True)
    reachable = serializers.BooleanField(help_text="Whether the traffic got through.")
    expected = serializers.BooleanField(
        allow_null=True,
        help_text="Whether the design says it gets through (for TCP, also that the target's "
        "responder listens on the port).",
    )
    agrees = serializers.BooleanField(
        allow_null=True, help_text="`reachable == expected`; None when nothing could be sent."
    )
    rtt_ms = serializers.FloatField(allow_null=True)
    detail = serializers.CharField()
    path = serializers.ListField(
        child=serializers.CharField(),
        help_text="The predicted route: the source, the networks, subnets and routers "
        "between, the target. Empty when the design joins them by nothing.",
    )


class CheckSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_one_of(CheckOut, "kind"))
    state = serializers.CharField(help_text=_one_of(CheckOut, "state"))
    source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    target = serializers.CharField(allow_null=True)
    port = serializers.IntegerField(allow_null=True)
    deployment = serializers.IntegerField(
        allow_null=True, help_text="The deployed attempt the probes ran against."
    )
    revision = serializers.IntegerField(allow_null=True, help_text="That attempt's revision.")
    hosts = serializers.DictField(
        child=HostProgressSerializer(), help_text="Each host's probes, done of total."
    )
    results = CheckResultSerializer(many=True)
    findings = FindingSerializer(
        many=True,
        help_text="`connectivity.unexpected_reach` (error): traffic got through where the "
        "design keeps the instances apart. `connectivity.unexpected_block` (warning): the "
        "design says it gets through and it did not.",
    )
    error = serializers.CharField(allow_blank=True)
    requested_by = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
