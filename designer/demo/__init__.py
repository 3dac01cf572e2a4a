"""The local demo: two users, four hosts, a project and three topologies.

The topologies are the YAML files beside this module, which double as topology-as-code
examples (`manage.py validate designer/demo/ha-router.yaml`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from designer.models import Host, Project, Topology
from designer.models.hosts import HostRole
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from designer.spec import Document, load_document_text

DEMO_DIR = Path(__file__).resolve().parent
PROJECT_NAME = "Demo"


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    password: str  # only ever set when the user is created
    staff: bool


@dataclass(frozen=True, slots=True)
class DemoTopology:
    name: str
    filename: str
    # Provider and external networks and router gateways are admin-only, so topologies holding
    # them are saved by the admin, as they would be in a real deployment.
    by_admin: bool

    def load(self) -> Document:
        path = DEMO_DIR / self.filename
        return load_document_text(path.read_text(encoding="utf-8"), filename=path.name)


ADMIN = DemoUser("admin", "netloom-admin", staff=True)
DEMO = DemoUser("demo", "netloom-demo", staff=False)

HOSTS: tuple[dict[str, Any], ...] = (
    {
        "name": "network-1",
        "role": HostRole.NETWORK,
        "physical_networks": {"physnet1": "eth1", "external": "eth2"},
        "external": True,
    },
    {
        "name": "network-2",
        "role": HostRole.NETWORK,
        "physical_networks": {"physnet1": "eth1", "external": "eth2"},
        "external": True,
    },
    {"name": "compute-1", "role": HostRole.COMPUTE, "physical_networks": {"physnet1": "eth1"}},
    {"name": "compute-2", "role": HostRole.COMPUTE, "physical_networks": {"physnet1": "eth1"}},
)

TOPOLOGIES = (
    DemoTopology("HA router with floating IPs", "ha-router.yaml", by_admin=True),
    DemoTopology("Docker user-defined bridge", "docker-bridge.yaml", by_admin=False),
    DemoTopology("Routed provider network", "routed-provider.yaml", by_admin=True),
)


@dataclass(frozen=True, slots=True)
class Step:
    what: str
    created: bool


def _user(spec: DemoUser) -> tuple[Any, Step]:
    users = get_user_model()
    user = users.objects.filter(username=spec.username).first()
    if user is not None:
        return user, Step(f"user {spec.username}", False)
    if spec.staff:
        user = users.objects.create_superuser(spec.username, "", spec.password)
    else:
        user = users.objects.create_user(spec.username, "", spec.password)
    return user, Step(f"user {spec.username}", True)


@transaction.atomic
def create_demo() -> list[Step]:
    """Create whatever of the demo is missing; what exists is left as it is."""
    admin, admin_step = _user(ADMIN)
    demo, demo_step = _user(DEMO)
    steps = [admin_step, demo_step]
    for host in HOSTS:
        fields = {key: value for key, value in host.items() if key != "name"}
        _, created = Host.objects.get_or_create(name=host["name"], defaults=fields)
        steps.append(Step(f"host {host['name']}", created))

    project = Project.objects.filter(name=PROJECT_NAME).first()
    steps.append(Step(f"project {PROJECT_NAME}", project is None))
    if project is None:
        project = create_project(
            PROJECT_NAME, demo, description="Examples to explore: open one and validate it."
        )
    for topology in TOPOLOGIES:
        exists = Topology.objects.filter(project=project, name=topology.name).exists()
        if not exists:
            document = topology.load()
            create_topology(
                project,
                topology.name,
                admin if topology.by_admin else demo,
                description=document.description,
                document=document,
                message=f"Demo topology from designer/demo/{topology.filename}",
            )
        steps.append(Step(f"topology {topology.name}", not exists))
    return steps
