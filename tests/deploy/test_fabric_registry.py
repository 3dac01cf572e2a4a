"""The lab fabric's rows in the host registry: registered, updated, and removed again, never
touching a row that is not the fabric's."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from designer.models import Host
from designer.models.hosts import HostRole
from designer.services.fabric import (
    RegistryChange,
    register_fabric,
    registered_hosts,
    unregister_fabric,
)
from tasks.fabric.spec import FabricSpec

pytestmark = pytest.mark.django_db


def rows() -> list[Mapping[str, object]]:
    return list(Host.objects.order_by("name").values())


def test_register_creates_a_row_per_host() -> None:
    spec = FabricSpec(network_nodes=1, compute_nodes=1, both_nodes=1)

    changes = register_fabric(spec)

    assert changes == [
        RegistryChange("network-1", "created"),
        RegistryChange("compute-1", "created"),
        RegistryChange("node-1", "created"),
    ]
    fields = Host.objects.order_by("name").values_list(
        "name", "role", "underlay_address", "physical_networks", "external"
    )
    assert list(fields) == [
        ("compute-1", HostRole.COMPUTE, "198.18.0.101", {"physnet1": "phy1"}, False),
        (
            "network-1",
            HostRole.NETWORK,
            "198.18.0.11",
            {"external": "ext0", "physnet1": "phy1"},
            True,
        ),
        ("node-1", HostRole.BOTH, "198.18.0.201", {"external": "ext0", "physnet1": "phy1"}, True),
    ]
    # Deploys find each emulated host by its namespace.
    namespaces = dict(Host.objects.values_list("name", "namespace"))
    assert namespaces == {name: spec.host_named(name).namespace for name in namespaces}
    assert all(namespace.startswith(spec.prefix) for namespace in namespaces.values())
    assert Host.objects.get(name="compute-1").queue == "host.compute-1"
    assert set(registered_hosts(spec)) == {"network-1", "compute-1", "node-1"}


def test_register_twice_changes_nothing() -> None:
    spec = FabricSpec()
    register_fabric(spec)
    before = rows()

    assert register_fabric(spec) == []
    assert rows() == before


def test_register_takes_over_a_row_of_the_same_name() -> None:
    Host.objects.create(
        name="network-1",
        role=HostRole.NETWORK,
        physical_networks={"physnet1": "eth1", "external": "eth2"},
        external=True,
    )

    changes = register_fabric(FabricSpec(network_nodes=1, compute_nodes=0))

    assert changes == [RegistryChange("network-1", "updated")]
    host = Host.objects.get(name="network-1")
    assert (host.underlay_address, host.physical_networks) == (
        "198.18.0.11",
        {"external": "ext0", "physnet1": "phy1"},
    )


def test_a_smaller_layout_removes_the_fabrics_other_rows() -> None:
    register_fabric(FabricSpec(network_nodes=2, compute_nodes=3))

    changes = register_fabric(FabricSpec(network_nodes=2, compute_nodes=1))

    assert changes == [
        RegistryChange("compute-2", "removed"),
        RegistryChange("compute-3", "removed"),
    ]
    assert list(Host.objects.values_list("name", flat=True)) == [
        "compute-1",
        "network-1",
        "network-2",
    ]


def test_unregister_removes_only_the_fabrics_rows() -> None:
    Host.objects.create(name="local", role=HostRole.BOTH)
    register_fabric(FabricSpec())
    # An admin points compute-2 at a real interface: the row is the admin's now.
    Host.objects.filter(name="compute-2").update(physical_networks={"physnet1": "eth1"})
    # Another fabric's range: not this fabric's row.
    Host.objects.filter(name="network-2").update(underlay_address="198.19.0.12")
    untouched = [row for row in rows() if row["name"] in {"local", "compute-2", "network-2"}]

    changes = unregister_fabric(FabricSpec(network_nodes=0, compute_nodes=0))

    assert changes == [
        RegistryChange("compute-1", "removed"),
        RegistryChange("network-1", "removed"),
    ]
    assert rows() == untouched
    assert unregister_fabric(FabricSpec()) == []
