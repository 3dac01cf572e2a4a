"""The shapes of the lab fabric's endpoint: the layout asked for, the fabric's status (with the
changes a request made), and the refusal while topologies are deployed on its hosts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from designer.services.fabric import FabricChanges, FabricStatus
from tasks.fabric.spec import MAX_HOSTS_PER_ROLE, Role


def _count(default: int, what: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=MAX_HOSTS_PER_ROLE, default=default, help_text=what
    )


class FabricLayoutSerializer(serializers.Serializer[Any]):
    """As `manage.py fabric up` takes it: 0 to 50 hosts of each role."""

    network_nodes = _count(2, "Networking nodes: network-1, network-2, ...")
    compute_nodes = _count(2, "Compute nodes: compute-1, compute-2, ...")
    both_nodes = _count(0, "Hosts that are networking and compute nodes: node-1, ...")


class FabricHostSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="Its name in the host registry.")
    role = serializers.ChoiceField(choices=[role.value for role in Role])
    namespace = serializers.CharField(help_text="The network namespace standing for the host.")
    underlay_address = serializers.CharField(help_text="Its address on the fabric's underlay.")
    present = serializers.BooleanField(help_text="Everything of it is in the kernel.")
    registered = serializers.BooleanField(help_text="The host registry holds it as the fabric's.")


class OutsideHostSerializer(serializers.Serializer[Any]):
    namespace = serializers.CharField()
    address = serializers.CharField(help_text="Its address on the external network.")
    present = serializers.BooleanField()


class FabricStatusSerializer(serializers.Serializer[Any]):
    prefix = serializers.CharField(help_text="Every kernel object of the fabric is named from it.")
    # Not an enum: the schema's enums are named by field, and `state` is the deployment's.
    state = serializers.CharField(
        help_text="`up`, `down` or `partial` (some of it is missing or not registered; starting "
        "it again finishes it)."
    )
    up = serializers.BooleanField()
    hosts = FabricHostSerializer(
        many=True, help_text="The registered layout's hosts, and any other found in the kernel."
    )
    outside = OutsideHostSerializer(help_text="The stand-in machine on the external network.")
    underlay = serializers.CharField()
    external = serializers.CharField(help_text="The external network's range.")


class FabricChangeSerializer(FabricStatusSerializer):
    changes = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the request changed, in words (nothing when it was already so).",
    )


class DeployedTopologySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    project = serializers.CharField(help_text="The project's name.")


class FabricInUseSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="`fabric_in_use` or `fabric_busy`.")
    detail = serializers.CharField()
    topologies = DeployedTopologySerializer(
        many=True, required=False, help_text="The topologies deployed on the hosts."
    )
    hosts = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The hosts it would remove."
    )


def status_json(status: FabricStatus, changes: FabricChanges | None = None) -> dict[str, Any]:
    spec = status.spec
    outside = spec.outside_host
    body: dict[str, Any] = {
        "prefix": spec.prefix,
        "state": status.condition,
        "up": status.condition == "up",
        "hosts": [
            {
                "name": entry.host.name,
                "role": entry.host.role.value,
                "namespace": entry.host.namespace,
                "underlay_address": str(entry.host.underlay_address.ip),
                "present": entry.present,
                "registered": entry.registered,
            }
            for entry in status.hosts
        ],
        "outside": {
            "namespace": outside.namespace,
            "address": str(outside.address.ip),
            "present": status.outside_present,
        },
        "underlay": str(spec.underlay),
        "external": str(spec.outside),
    }
    if changes is not None:
        body["changes"] = changes.lines()
    return body
