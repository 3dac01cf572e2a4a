"""Hostile text deploys safely because nothing a person typed reaches the kernel or a shell.

Every free-text field (the project's and the topology's descriptions, the document's and each
element's description, the revision's message) carries 200 characters of quotes, `;`,
`$()`, backquotes, pipes and newlines, and every element's name uses each punctuation mark
the name pattern allows, at its greatest length. The topology, with a router doing SNAT and a
floating IP, DHCP, and a Docker bridge answering names and publishing a port, deploys on the
lab fabric. Then no namespace or link name, no file under the run directory (dnsmasq's
configuration and hosts files among them), no iptables rule and no process's command line
holds any of those strings, the command they carry never ran, and a destroy leaves nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User

from designer.models import Topology
from designer.services.projects import create_project
from designer.services.topologies import create_topology, save_revision
from designer.spec.fields import NAME_PATTERN
from tasks.drivers import RUN_DIR
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.builders import document, net, port, subnet
from tests.deploy import probe
from tests.deploy.conftest import (
    FIRST_TOPOLOGY_ID,
    LANE,
    deploy,
    destroy_leaving_nothing,
)

# A file the hostile text would create if any of it ever ran in a shell.
CANARY = Path(f"/tmp/netloom-hostile-lane{LANE}")
# Every punctuation mark a name may hold (see designer/spec/fields.py), and a space.
NAME_PUNCTUATION = "_.-:+@/(),# "


def hostile(tag: str) -> str:
    """200 characters that would do harm in a shell, in a config file or in HTML."""
    text = (
        f'{tag} \'; $(touch {CANARY}) `touch {CANARY}` "x" && echo > {CANARY} | cat;\n'
        f"${{IFS}}rm -rf / #\r\n<script>alert(1)</script> \\ %s %n\tdhcp-host=evil\n"
    )
    return (text * 3)[:200]


def full_name(tag: str) -> str:
    """A name of 64 characters holding every punctuation mark the pattern allows."""
    name = (f"{tag}{NAME_PUNCTUATION}" * 8)[:63].rstrip() + "Z"
    name = name.ljust(64, "z") if len(name) < 64 else name
    assert len(name) == 64
    assert re.fullmatch(NAME_PATTERN, name), name
    return name


GATEWAY = "203.0.113.10"
FLOATING = "203.0.113.20"


def hostile_document() -> tuple[dict[str, Any], list[str]]:
    """The topology as JSON, and every string typed into it."""
    texts: list[str] = []

    def text(tag: str) -> str:
        texts.append(hostile(tag))
        return texts[-1]

    def name(tag: str) -> str:
        texts.append(full_name(tag))
        return texts[-1]

    def element(fields: dict[str, Any]) -> dict[str, Any]:
        tag = fields["id"]
        return {**fields, "name": name(tag), "description": text(tag)}

    doc = {
        "description": text("document"),
        "networks": [
            element(net("ext", kind="provider", physical_network="external", external=True)),
            element(net("lan")),
            element(net("web", kind="docker_user_bridge")),
        ],
        "subnets": [
            element(
                subnet(
                    "ext-v4", "ext", "203.0.113.0/24", gateway_ip="203.0.113.1", enable_dhcp=False
                )
            ),
            element(subnet("lan-v4", "lan", "10.61.0.0/24", gateway_ip="10.61.0.1")),
            element(subnet("web-v4", "web", "172.29.0.0/24", gateway_ip="172.29.0.1")),
        ],
        "routers": [
            element(
                {
                    "id": "r1",
                    "external_gateway": {
                        "network": "ext",
                        "fixed_ips": [{"subnet": "ext-v4", "ip_address": GATEWAY}],
                    },
                }
            )
        ],
        "instances": [
            element({"id": "vm1", "host": "compute-1"}),
            element({"id": "vm2", "host": "compute-2"}),
            element(
                {
                    "id": "api",
                    "kind": "container",
                    "host": "compute-1",
                    "published_ports": [{"host_port": 8081, "container_port": 80}],
                }
            ),
            element({"id": "db", "kind": "container", "host": "compute-1"}),
        ],
        "ports": [
            element(port("r1-lan", "lan", "r1", ("lan-v4", None))),
            element(port("p1", "lan", "vm1", ("lan-v4", "10.61.0.11"))),
            element(port("p2", "lan", "vm2", ("lan-v4", "10.61.0.12"))),
            element(port("p3", "web", "api", ("web-v4", "172.29.0.11"))),
            element(port("p4", "web", "db", ("web-v4", "172.29.0.12"))),
        ],
        "floating_ips": [
            {
                "id": "fip1",
                "network": "ext",
                "floating_ip_address": FLOATING,
                "port": "p2",
                "description": text("fip1"),
            }
        ],
    }
    return doc, texts


def hostile_topology() -> tuple[Any, Topology, list[str]]:
    """The topology stored as a person would store it: in a project and under names and
    descriptions full of hostile text, its revision saved with a hostile message."""
    doc, texts = hostile_document()
    # An admin: only admins may put provider networks in a design.
    owner = User.objects.create_user("mallory", is_staff=True)
    project_text, topology_text, message = (hostile(t) for t in ("project", "topology", "msg"))
    project_name, topology_name = full_name("Project"), full_name("Topology")
    texts += [project_text, topology_text, message, project_name, topology_name]
    project = create_project(project_name, owner, description=project_text)
    topology = create_topology(
        project, topology_name, owner, description=topology_text, message=message
    )
    assert topology.pk >= FIRST_TOPOLOGY_ID, "the lab numbers topologies far from 1"
    assert topology.head is not None
    save_revision(topology, topology.head.number, document(**doc), owner, message=message)
    topology.refresh_from_db()
    return owner, topology, texts


def fragments(texts: list[str]) -> set[str]:
    """What to look for: every string whole, and the parts of the hostile text that would
    show it reached a file or a command even cut short or escaped."""
    return {*texts, str(CANARY), "$(touch", "dhcp-host=evil", "<script>", "rm -rf"}


def what_the_machine_shows(prefix: str, spec: FabricSpec) -> dict[str, str]:
    """Every namespace and link name, every file of the deployment's run directory, every
    iptables rule and every process command line on the machine that the lab touches."""
    shown: dict[str, str] = {}
    namespaces = sorted(probe.namespaces())
    shown["namespaces"] = "\n".join(namespaces)
    places = [host.namespace for host in spec.hosts] + [n for n in namespaces if prefix in n]
    for namespace in places:
        shown[f"links in {namespace}"] = "\n".join(probe.links(namespace))
        rules = probe.run("ip", "netns", "exec", namespace, "iptables-save", check=False)
        shown[f"iptables in {namespace}"] = rules.stdout
    for path in Path(RUN_DIR).rglob("*"):
        if path.is_file() and prefix in str(path):
            shown[str(path)] = path.read_text(errors="replace")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                shown[f"process {entry.name}"] = (
                    (entry / "cmdline").read_bytes().decode(errors="replace")
                )
            except OSError:
                continue
    return shown


def test_hostile_text_and_names_never_reach_the_kernel_or_a_shell(lab: FabricSpec) -> None:
    CANARY.unlink(missing_ok=True)
    owner, topology, texts = hostile_topology()
    prefix = deployment_prefix(topology.pk)
    deployed = deploy(topology, owner)
    assert deployed.state == "deployed"

    shown = what_the_machine_shows(prefix, lab)
    # The deployment is there to look at: its namespaces, its dnsmasq files, its rules.
    assert prefix in shown["namespaces"]
    assert any("dnsmasq" in place for place in shown), sorted(shown)
    assert any(prefix in rules for place, rules in shown.items() if place.startswith("iptables"))
    # Other processes on the machine may well run `rm -rf`: theirs are searched for the
    # strings whole only.
    found = [
        (place, fragment)
        for place, content in shown.items()
        for fragment in (set(texts) if place.startswith("process") else fragments(texts))
        if fragment in content or fragment.lower() in content
    ]
    assert found == []
    assert not CANARY.exists()

    destroy_leaving_nothing(topology, owner, lab)
    assert not CANARY.exists()
