"""The lab fabric through the API, in a real kernel: an admin brings it up (its namespaces
appear and its hosts are registered), it refuses to go while a topology is deployed on it, and
removing it leaves nothing. A server that is not root says so and does nothing.

The fabric has a prefix of its own in each test lane (NETLOOM_TEST_LANE), removed before and
after each test, so no other fabric on the machine is touched."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from designer.models import Deployment, DeploymentAction, DeploymentState, Host
from designer.services.projects import create_project
from designer.services.topologies import create_topology
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tests.builders import document, net
from tests.deploy import probe
from tests.deploy.conftest import LANE
from tests.e2e.conftest import database_url

REPO = Path(__file__).resolve().parents[2]
URL = "/api/v1/fabric/"
PREFIX = "nlfu" + "abcdefghijklmnopqrstuvwxyz"[LANE]
LAYOUT = {"network_nodes": 2, "compute_nodes": 2, "both_nodes": 0}


def leftovers(spec: FabricSpec) -> list[str]:
    """Every namespace and root-namespace link of the fabric still in the kernel."""
    found = sorted(name for name in probe.namespaces() if spec.owns_namespace(name))
    return found + sorted(name for name in probe.links() if spec.owns_link(name))


@pytest.fixture
def spec(root: None, settings: Any) -> Iterator[FabricSpec]:
    settings.NETLOOM_FABRIC_PREFIX = PREFIX
    fabric = FabricSpec(prefix=PREFIX, network_nodes=2, compute_nodes=2)
    kernel.down(fabric)
    try:
        yield fabric
    finally:
        kernel.down(fabric)


def admin_client() -> APIClient:
    admin = User.objects.create_user("root-admin", is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.create(user=admin).key}")
    return client


@pytest.mark.django_db
def test_an_admin_brings_the_fabric_up_and_removes_it(spec: FabricSpec) -> None:
    client = admin_client()
    assert client.get(URL).json()["state"] == "down"

    response = client.post(URL, LAYOUT, format="json")

    body = response.json()
    assert response.status_code == 200, body
    assert body["state"] == "up"
    assert body["up"] is True
    assert body["prefix"] == PREFIX
    hosts = [(h["name"], h["role"], h["namespace"], h["underlay_address"]) for h in body["hosts"]]
    assert hosts == [
        ("network-1", "network", f"{PREFIX}-n1", "198.18.0.11"),
        ("network-2", "network", f"{PREFIX}-n2", "198.18.0.12"),
        ("compute-1", "compute", f"{PREFIX}-c1", "198.18.0.101"),
        ("compute-2", "compute", f"{PREFIX}-c2", "198.18.0.102"),
    ]
    assert all(h["present"] and h["registered"] for h in body["hosts"])
    assert body["outside"] == {
        "namespace": f"{PREFIX}-out",
        "address": "203.0.113.1",
        "present": True,
    }
    assert f"created namespace {PREFIX}-n1" in body["changes"]
    assert "host registry: compute-2 created" in body["changes"]
    namespaces = {host.namespace for host in spec.hosts} | {spec.outside_host.namespace}
    assert namespaces <= probe.namespaces()
    assert probe.addresses(f"{PREFIX}-c2", "ul0") == {"198.18.0.102/24"}
    rows = dict(Host.objects.values_list("name", "namespace"))
    assert rows == {host.name: host.namespace for host in spec.hosts}

    again = client.post(URL, LAYOUT, format="json").json()
    assert again["changes"] == []
    assert again["state"] == "up"
    status = client.get(URL).json()
    assert "changes" not in status
    assert status["hosts"] == body["hosts"]

    # A namespace gone behind the API's back shows as missing.
    probe.run("ip", "netns", "delete", f"{PREFIX}-c2")
    status = client.get(URL).json()
    assert status["state"] == "partial"
    assert [h["name"] for h in status["hosts"] if not h["present"]] == ["compute-2"]
    assert client.post(URL, LAYOUT, format="json").json()["state"] == "up"

    # Not while a topology is deployed on its hosts.
    owner = User.objects.get(username="root-admin")
    topology = create_topology(
        create_project("Lab", owner), "Campus", owner, document=document(networks=[net("lan")])
    )
    deployed = Deployment.objects.create(
        topology=topology,
        revision=topology.head,
        action=DeploymentAction.DEPLOY,
        state=DeploymentState.DEPLOYED,
        hosts={"compute-1": {"done": 3, "total": 3, "state": "done"}},
        finished_at=timezone.now(),
    )
    refused = client.delete(URL)
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "fabric_in_use"
    assert refused.json()["topologies"][0]["name"] == "Campus"
    assert namespaces <= probe.namespaces()
    assert Host.objects.count() == 4
    deployed.delete()

    response = client.delete(URL)

    body = response.json()
    assert response.status_code == 200, body
    assert body["state"] == "down"
    assert body["hosts"] == []
    assert f"removed namespace {PREFIX}-n1" in body["changes"]
    assert "host registry: network-1 removed" in body["changes"]
    assert leftovers(spec) == []
    assert not Host.objects.exists()
    assert client.delete(URL).json()["changes"] == []


@pytest.mark.django_db
def test_one_change_of_the_fabric_at_a_time(spec: FabricSpec, settings: Any) -> None:
    client = admin_client()
    lock = Path(settings.VAR_DIR) / f"fabric-{PREFIX}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    # Held as a change under way holds it (`manage.py fabric` in another process, say).
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        for response in (client.post(URL, LAYOUT, format="json"), client.delete(URL)):
            assert response.status_code == 409, response.json()
            assert response.json()["code"] == "fabric_busy"
    assert leftovers(spec) == []
    assert client.post(URL, LAYOUT, format="json").json()["state"] == "up"


# What the server answers when it runs as another user than root: each request, as
# [status, body], one per line.
AS_ANOTHER_USER = """
import json, sys
import django
django.setup()
from rest_framework.test import APIClient
client = APIClient()
client.credentials(HTTP_AUTHORIZATION="Bearer " + sys.argv[1])
for method in ("GET", "POST", "DELETE"):
    response = client.generic(method, "/api/v1/fabric/", "{}", content_type="application/json")
    print(json.dumps([response.status_code, response.json()]))
"""


@pytest.mark.django_db(transaction=True)
def test_without_root_the_api_says_so_and_does_nothing(spec: FabricSpec) -> None:
    admin = User.objects.create_user("root-admin", is_staff=True)
    token = Token.objects.create(user=admin).key
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    result = subprocess.run(
        [*nobody, sys.executable, "-c", AS_ANOTHER_USER, token],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "designer.settings",
            "DATABASE_URL": database_url(),
            "NETLOOM_FABRIC_PREFIX": PREFIX,
            "NETLOOM_SECRET_KEY": "only-for-requests-that-stop-at-once",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [status for status, _ in answers] == [503, 503, 503]
    for _, body in answers:
        assert body["code"] == "needs_root"
        assert "needs root" in body["detail"]
    assert leftovers(spec) == []
    assert not Host.objects.exists()
