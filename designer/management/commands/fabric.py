"""`manage.py fabric up|down|status`: the lab fabric, several emulated hosts on this machine
(network namespaces on shared bridges) with an outside host on the external network, and
their rows in the host registry; the same service functions as the API's
(designer/services/fabric.py), so neither removes hosts a topology is deployed on. Needs root."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from designer.models import Host
from designer.services.fabric import (
    FabricBusy,
    FabricChanges,
    FabricInUse,
    bring_up,
    registered_hosts,
    take_down,
)
from tasks.fabric import kernel
from tasks.fabric.kernel import FabricState, HostState
from tasks.fabric.spec import (
    DEFAULT_OUTSIDE,
    DEFAULT_UNDERLAY,
    FabricError,
    FabricSpec,
    parse_network,
)


def _present(there: bool) -> str:
    return "present" if there else "MISSING"


class Command(BaseCommand):
    help = (
        "Create (up), show (status) or remove (down) the lab fabric: emulated hosts as network "
        "namespaces on this machine, registered in the host registry. Needs root."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["up", "down", "status"])
        parser.add_argument("--network-nodes", type=int, default=2, help="networking nodes")
        parser.add_argument("--compute-nodes", type=int, default=2, help="compute nodes")
        parser.add_argument(
            "--both-nodes", type=int, default=0, help="hosts that are networking and compute nodes"
        )
        parser.add_argument(
            "--prefix",
            default=settings.NETLOOM_FABRIC_PREFIX,
            help="2 to 5 lower-case letters that start the name of every kernel object made "
            "(default: NETLOOM_FABRIC_PREFIX, else nlfab)",
        )
        parser.add_argument(
            "--underlay", default=str(DEFAULT_UNDERLAY), help="the hosts' underlay range"
        )
        parser.add_argument(
            "--outside", default=str(DEFAULT_OUTSIDE), help="the external network's range"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = FabricSpec(
                prefix=options["prefix"],
                network_nodes=options["network_nodes"],
                compute_nodes=options["compute_nodes"],
                both_nodes=options["both_nodes"],
                underlay=parse_network(options["underlay"], "--underlay"),
                outside=parse_network(options["outside"], "--outside"),
            )
            kernel.require_root()
            {"up": self._up, "down": self._down, "status": self._status}[options["action"]](spec)
        except (FabricError, FabricBusy) as exc:
            raise CommandError(str(exc)) from None
        except FabricInUse as exc:
            raise CommandError(f"{exc}. Destroy those deployments first.") from None

    def _up(self, spec: FabricSpec) -> None:
        changes = bring_up(spec)
        self._changes(changes)
        outside = spec.outside_host
        self.stdout.write(
            f"Lab fabric {spec.prefix} is up ({len(changes.kernel)} kernel changes): "
            f"{', '.join(host.name for host in spec.hosts)}; outside host {outside.address.ip} "
            f"on the external network."
        )

    def _down(self, spec: FabricSpec) -> None:
        changes = take_down(spec)
        self._changes(changes)
        self.stdout.write(
            f"Lab fabric {spec.prefix} is down ({len(changes.kernel)} kernel changes)."
        )

    def _changes(self, changes: FabricChanges) -> None:
        for line in changes.lines():
            self.stdout.write(f"  {line}")

    def _status(self, spec: FabricSpec) -> None:
        state = kernel.observe(spec)
        registered = registered_hosts(spec)
        self.stdout.write(
            f"Lab fabric {spec.prefix}: underlay {spec.underlay}, external {spec.outside}, "
            f"VLANs carried as {spec.vlan_transport.value}s."
        )
        bridges = ", ".join(
            f"{name} ({what}) {_present(state.bridges[name])}"
            for what, name in spec.bridges.items()
        )
        self.stdout.write(f"Bridges: {bridges}")
        self.stdout.write("Hosts:")
        for host_state in state.hosts:
            self._host(host_state, registered.get(host_state.host.name))
        outside = state.outside
        self.stdout.write(
            f"Outside host: namespace {outside.outside.namespace} {_present(outside.namespace)}, "
            f"{outside.outside.interface} {outside.outside.address} {_present(outside.address)}"
        )
        segments = ", ".join(
            f"{s.bridge} ({s.physical_network.name} VLAN {s.vlan})" for s in state.segments
        )
        self.stdout.write(f"VLAN segments: {segments or 'none'}")
        self.stdout.write(f"State: {self._summary(state)}")

    def _host(self, state: HostState, row: Host | None) -> None:
        host = state.host
        extra = "" if state.in_layout else " (not in this layout)"
        forwarding = "on" if state.forwarding else "off"
        registry = "not registered" if row is None else f"registered, queue {row.queue}"
        self.stdout.write(
            f"  {host.name} ({host.role.value}){extra}: namespace {host.namespace} "
            f"{_present(state.namespace)}; underlay {host.underlay_address} "
            f"{_present(state.underlay_address)}; forwarding {forwarding}; {registry}"
        )
        interfaces = ", ".join(
            f"{name} {'up' if up else 'MISSING'}" for name, up in state.interfaces.items()
        )
        self.stdout.write(f"    interfaces: {interfaces}")

    @staticmethod
    def _summary(state: FabricState) -> str:
        if state.complete:
            return "up"
        return "down" if state.empty else "partly up (run `manage.py fabric up` to finish it)"
