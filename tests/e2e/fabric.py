"""A lab fabric for browser tests that deploy: its hosts registered in the test database, a
worker where the server runs none, and, afterwards, every topology destroyed on every host and
the fabric taken down. Kernel work runs outside Playwright's event loop, as pyroute2 runs one
of its own."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from designer.models import Host, Topology
from designer.services.fabric import register_fabric
from tasks.app import app
from tasks.drivers import HostBinding
from tasks.drivers.linux import LinuxDriver
from tasks.embedded import WorkerThread
from tasks.fabric import kernel
from tasks.fabric.spec import FabricSpec
from tasks.planner.names import deployment_prefix
from tests.deploy.conftest import number_topologies_from
from tests.e2e.test_canvas import outside_the_event_loop


@contextmanager
def deploying_lab(spec: FabricSpec, first_topology_id: int) -> Iterator[None]:
    """`spec`'s fabric, up and registered, with topologies numbered from `first_topology_id`
    (far from the ids other tests of the lane use, so no two share a deployment's prefix).
    With Redis the server runs no worker of its own (workers run apart in production): one
    runs here, in a thread, and relays the hosts' VRRP transitions."""
    outside_the_event_loop(lambda: number_topologies_from(first_topology_id))
    outside_the_event_loop(lambda: kernel.down(spec))
    outside_the_event_loop(lambda: kernel.up(spec))
    outside_the_event_loop(lambda: register_fabric(spec))
    worker = None
    if not settings.EMBEDDED:
        hosts = outside_the_event_loop(lambda: [host.queue for host in Host.objects.all()])
        worker = WorkerThread(queues=[app.conf.task_default_queue, *hosts], hostname="e2e@netloom")
        worker.start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()

        def destroy_everything() -> None:
            for topology in Topology.objects.all():
                for host in Host.objects.all():
                    binding = HostBinding(host.name, host.namespace or None)
                    LinuxDriver(binding, deployment_prefix(topology.pk)).destroy()
            kernel.down(spec)

        outside_the_event_loop(destroy_everything)


def preview_from_the_page(page: Page) -> Locator:
    """Preview a deploy as a person does on the editor page; the Deploy preview region. A
    refusal fails at once with what it says. A click that came to nothing (the side panel moved
    under it as the page filled in) is made again, as a person would."""
    actions = page.get_by_role("region", name="Deployment").locator(".deploy-actions")
    preview = actions.get_by_role("region", name="Deploy preview")
    refusal = actions.locator(".deploy-refusal")
    for attempt in range(3):
        actions.get_by_role("button", name="Preview deploy").click()
        try:
            expect(preview.or_(refusal).or_(actions.get_by_role("status")).first).to_be_visible(
                timeout=5_000
            )
            break
        except AssertionError:
            if attempt == 2:
                raise
            # Shown in the run's warnings: a click the page ignores may yet be the page's fault.
            warnings.warn(
                f"Preview deploy came to nothing on {page.url}; clicked again", stacklevel=2
            )
    expect(preview.or_(refusal).first).to_be_visible(timeout=30_000)
    assert refusal.count() == 0, f"the preview was refused: {refusal.inner_text()}"
    return preview


def deploy_from_the_page(page: Page, revision: int = 1, timeout_ms: float = 120_000) -> Locator:
    """Deploy `revision` as a person does on the editor page: Preview deploy, then Deploy in
    the preview; wait until the Deployment region says Deployed. The region, for what follows."""
    preview = preview_from_the_page(page)
    preview.get_by_role("button", name=f"Deploy revision {revision}").click()
    deployment = page.get_by_role("region", name="Deployment")
    expect(deployment).to_contain_text("Deployed", timeout=timeout_ms)
    return deployment
