"""The local demo: three users, four hosts, a project and three topologies, and a class with a
ready lab ("Build an HA router for a two-tier app") and an invite code for students.

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
STUDENT = DemoUser("student", "netloom-student", staff=False)

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


CLASS_NAME = "Networking 101"
LAB_START = DemoTopology("Two-tier app (lab start)", "two-tier-lab.yaml", by_admin=True)
LAB_TITLE = "Build an HA router for a two-tier app"
INVITE_CODE = "ha-lab-demo"
LAB_INSTRUCTIONS = """\
# Build an HA router for a two-tier app

The app works: **web-1** talks to **db-1** through the router **edge**, and reaches the
outside through its gateway. But *edge* runs on one networking node: if that node fails,
the app is cut off.

1. Select *edge* and make it an **HA router** on `network-1` and `network-2`.
2. Choose the *fast failover* advert interval (0.1 s).
3. Press **Check**: the design goals should pass.
4. Deploy your copy, then press **Check** again: web-1 pings db-1 for real, and the drill
   goal crashes the master while it does, measuring how long the replies stop.
"""
LAB_GOALS = """\
no errors
web-1 reaches db-1
web-1 reaches outside
edge is ha on 2 networking nodes
no single point of failure between web-1 and outside
after crash master of edge, web-1 reaches db-1 within 2 s
"""


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
    _, student_step = _user(STUDENT)
    steps = [admin_step, demo_step, student_step]
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
    steps += _demo_class(admin, demo)
    return steps


def _demo_class(admin: Any, instructor: Any) -> list[Step]:
    """The class project (the demo user teaches it), its lab and an invite code."""
    from designer.models import ClassInvite, Lab
    from designer.services.labs import create_lab, update_lab

    project = Project.objects.filter(name=CLASS_NAME).first()
    steps = [Step(f"class {CLASS_NAME}", project is None)]
    if project is None:
        project = create_project(
            CLASS_NAME, instructor, description="A class with a ready lab, to try as both sides."
        )
    start = Topology.objects.filter(project=project, name=LAB_START.name).first()
    if start is None:
        document = LAB_START.load()
        start = create_topology(
            project,
            LAB_START.name,
            admin,
            description=document.description,
            document=document,
            message=f"Demo lab start from designer/demo/{LAB_START.filename}",
        )
    lab = Lab.objects.filter(project=project, title=LAB_TITLE).first()
    steps.append(Step(f"lab {LAB_TITLE}", lab is None))
    if lab is None:
        lab = create_lab(
            project,
            instructor,
            title=LAB_TITLE,
            source=start,
            instructions=LAB_INSTRUCTIONS,
            goals=LAB_GOALS,
        )
        update_lab(lab, published=True)
    invite, created = ClassInvite.objects.get_or_create(
        code=INVITE_CODE, defaults={"project": project, "created_by": instructor}
    )
    steps.append(Step(f"invite code {invite.code}", created))
    return steps
