"""The element kinds of a topology: networks, segments, subnets, ports, instances, routers,
floating IPs and load balancers, as DESIGN.md section 1 names them (Neutron and Docker words).

These models hold the network semantics only; where things sit on the canvas is in `layout`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from designer.spec.fields import (
    MAX_LIST,
    Address,
    Description,
    ElementId,
    HostName,
    Image,
    MacAddress,
    Name,
    PhysicalNetwork,
    RoleName,
    TcpPort,
    WideInt,
)


class Strict(BaseModel):
    """Unknown fields are errors: a typo must not silently become a default."""

    # Strict: "1500" is not an MTU and "yes" is not true, as the published JSON Schema says.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Element(Strict):
    id: ElementId
    name: Name = ""
    description: Description = ""


# --- networks -----------------------------------------------------------------------------


class NetworkBase(Element):
    role: RoleName | None = Field(
        default=None,
        description="Traffic role under the project's VLAN segmentation policy "
        "(management, internal, storage, external, tenant, ...).",
    )
    mtu: Annotated[int, Field(ge=68, le=9216)] | None = None


class ProviderNetwork(NetworkBase):
    """Part of the datacenter's network: layer 2 only, flat or on a VLAN. Admin only."""

    kind: Literal["provider"]
    physical_network: PhysicalNetwork
    network_type: Literal["flat", "vlan"] = "flat"
    segmentation_id: WideInt | None = Field(default=None, description="VLAN id, for vlan.")
    external: bool = Field(default=False, description="Routers may use it as gateway.")


class RoutedProviderNetwork(NetworkBase):
    """A provider network split into segments, each with its own VLAN, subnet and hosts."""

    kind: Literal["routed_provider"]
    external: bool = False


class SelfServiceNetwork(NetworkBase):
    """A project's overlay network: one VNI, tunnels between the hosts that need it."""

    kind: Literal["self_service"]
    tunnel_type: Literal["vxlan", "gre"] = "vxlan"
    vni: WideInt | None = Field(default=None, description="VNI or GRE key; None: allocated.")
    tunnels: Literal["static", "dynamic"] = "dynamic"


class DockerBridgeNetwork(NetworkBase):
    """Docker's default bridge (docker0): no DNS by name, every container joins it by default."""

    kind: Literal["docker_bridge"]


class DockerNoneNetwork(NetworkBase):
    kind: Literal["docker_none"]


class DockerHostNetwork(NetworkBase):
    kind: Literal["docker_host"]


class DockerUserBridgeNetwork(NetworkBase):
    """A user-defined bridge: IP allocation, DNS by container name, isolated from others."""

    kind: Literal["docker_user_bridge"]
    internal: bool = Field(default=False, description="No route to the outside.")
    dns: bool = True


class DockerOverlayNetwork(NetworkBase):
    kind: Literal["docker_overlay"]
    vni: WideInt | None = None
    attachable: bool = True


class DockerMacvlanNetwork(NetworkBase):
    kind: Literal["docker_macvlan"]
    parent: PhysicalNetwork | None = Field(
        default=None,
        description="Physical network whose host interface is the macvlan parent.",
    )
    mode: Literal["bridge", "private", "vepa", "passthru"] = "bridge"


Network = Annotated[
    (
        ProviderNetwork
        | RoutedProviderNetwork
        | SelfServiceNetwork
        | DockerBridgeNetwork
        | DockerNoneNetwork
        | DockerHostNetwork
        | DockerUserBridgeNetwork
        | DockerOverlayNetwork
        | DockerMacvlanNetwork
    ),
    Field(discriminator="kind"),
]

PROVIDER_KINDS = frozenset({"provider", "routed_provider"})
OVERLAY_KINDS = frozenset({"self_service", "docker_overlay"})
DOCKER_KINDS = frozenset(
    {
        "docker_bridge",
        "docker_none",
        "docker_host",
        "docker_user_bridge",
        "docker_overlay",
        "docker_macvlan",
    }
)


# --- segments, subnets, ports -------------------------------------------------------------


class Segment(Element):
    """One segment of a routed provider network: its own VLAN, subnet and group of hosts."""

    network: ElementId
    physical_network: PhysicalNetwork
    network_type: Literal["flat", "vlan"] = "vlan"
    segmentation_id: WideInt | None = None
    hosts: Annotated[list[HostName], Field(max_length=MAX_LIST)] = []


class AllocationPool(Strict):
    start: Address
    end: Address


class Subnet(Element):
    network: ElementId
    segment: ElementId | None = None
    cidr: Address
    gateway_ip: Address | None = Field(default=None, description="None: no gateway.")
    allocation_pools: Annotated[list[AllocationPool], Field(max_length=MAX_LIST)] = []
    enable_dhcp: bool = True
    dns_nameservers: Annotated[list[Address], Field(max_length=8)] = []
    ipv6_address_mode: Literal["slaac", "dhcpv6-stateful", "dhcpv6-stateless"] | None = None


class FixedIP(Strict):
    subnet: ElementId
    ip_address: Address | None = Field(default=None, description="None: allocated.")


class Port(Element):
    """Joins an instance or a router to a network, with fixed IPs on its subnets."""

    network: ElementId
    device: ElementId | None = Field(default=None, description="Instance or router id.")
    fixed_ips: Annotated[list[FixedIP], Field(max_length=MAX_LIST)] = []
    mac_address: MacAddress | None = None


# --- instances, routers, floating IPs -----------------------------------------------------


class PublishedPort(Strict):
    """Docker's -p: DNAT from a host port to the instance."""

    host_port: TcpPort
    container_port: TcpPort
    protocol: Literal["tcp", "udp"] = "tcp"
    host_ip: Address | None = None


class Instance(Element):
    """A workload, container or VM, on zero or more networks through its ports."""

    kind: Literal["container", "vm"] = "container"
    image: Image = ""
    host: HostName | None = Field(default=None, description="Pinned compute host.")
    published_ports: Annotated[list[PublishedPort], Field(max_length=MAX_LIST)] = []
    l2_bridge: bool = Field(
        default=False, description="The instance bridges its ports at layer 2 (a switch VM)."
    )


class ExternalGateway(Strict):
    network: ElementId
    fixed_ips: Annotated[list[FixedIP], Field(max_length=8)] = []


class StaticRoute(Strict):
    destination: Address
    nexthop: Address


class Vrrp(Strict):
    """VRRP settings of an HA router (keepalived)."""

    vrrp_id: WideInt | None = Field(default=None, description="Virtual router id; None: allocated.")
    advert_interval: Annotated[float, Field(ge=0.01, le=255, allow_inf_nan=False)] = 1.0
    nopreempt: bool = False
    priorities: Annotated[
        dict[HostName, Annotated[int, Field(ge=1, le=254)]], Field(max_length=MAX_LIST)
    ] = {}


class Router(Element):
    mode: Literal["legacy", "ha", "distributed"] = "legacy"
    external_gateway: ExternalGateway | None = None
    snat: bool | None = Field(
        default=None, description="SNAT for the subnets behind it; None: on when a gateway is set."
    )
    routes: Annotated[list[StaticRoute], Field(max_length=MAX_LIST)] = []
    hosts: Annotated[list[HostName], Field(max_length=MAX_LIST)] = Field(
        default=[], description="Networking nodes it runs on (HA: two or more)."
    )
    vrrp: Vrrp = Vrrp()

    @property
    def snat_enabled(self) -> bool:
        return self.external_gateway is not None if self.snat is None else self.snat


class FloatingIP(Element):
    """An address on an external network mapped 1:1 to an instance's port (DNAT and SNAT)."""

    network: ElementId
    floating_ip_address: Address | None = None
    port: ElementId | None = None


# --- load balancers -----------------------------------------------------------------------

# An HTTP health check's path: what a URL path may hold, less what a configuration file or a
# request line would read otherwise (whitespace, quotes, '#', '!', ';', '$', '\').
HTTP_PATH_PATTERN = r"^/[A-Za-z0-9._~%/?=&+,:@-]{0,255}$"
HttpPath = Annotated[str, StringConstraints(pattern=HTTP_PATH_PATTERN)]


class LoadBalancerMember(Strict):
    """An instance behind a load balancer, on one of its ports."""

    instance: ElementId
    port: TcpPort
    weight: Annotated[int, Field(ge=1, le=256)] = 1


class HealthCheck(Strict):
    """How a load balancer tells a member is up: a TCP connect or an HTTP GET, every
    `interval` seconds; `fall` failures in a row take it out, `rise` successes bring it back."""

    type: Literal["tcp", "http"] = "tcp"
    interval: Annotated[float, Field(ge=0.5, le=60, allow_inf_nan=False)] = 2.0
    timeout: Annotated[float, Field(ge=0.1, le=60, allow_inf_nan=False)] = 1.0
    rise: Annotated[int, Field(ge=1, le=10)] = 2
    fall: Annotated[int, Field(ge=1, le=10)] = 3
    http_path: HttpPath = Field(default="/", description="The path GET asks for, for http.")


class LoadBalancer(Element):
    """A virtual address (VIP) on a subnet spreading TCP connections to a port over members."""

    subnet: ElementId
    vip_address: Address | None = Field(default=None, description="None: allocated.")
    port: TcpPort
    protocol: Literal["tcp"] = "tcp"
    algorithm: Literal["round_robin", "weighted"] = "round_robin"
    members: Annotated[list[LoadBalancerMember], Field(max_length=MAX_LIST)] = []
    health_check: HealthCheck = HealthCheck()
    hosts: Annotated[list[HostName], Field(max_length=1)] = Field(
        default=[], description="The networking node it runs on; none: one is chosen."
    )
