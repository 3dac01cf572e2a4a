"""Observing a deployed topology for drift: what changed on its hosts outside Netloom (a veth
deleted, a namespace gone, an iptables rule dropped, dnsmasq killed).

No beat scheduler is needed, so the embedded mode observes as production does: when a deploy
finishes deployed, the first link of a chain of delayed tasks is enqueued; each link enqueues
the next one and has every host of the deployment observed by a task on that host's queue,
since only a host's own worker reaches its kernel. A host task observes what the deployment
has there against what its revision wants (the repair a deploy of the same revision would
make), and records the difference on the deployment's row. The chain ends once the deployment
is no longer what the topology has deployed (a newer deploy or a destroy finished); while
another attempt is under way it only waits, so it never reads a host half way through a
deploy, and it never takes part in a deploy's bookkeeping.
"""

from __future__ import annotations

import logging
import os
from typing import Literal

from pyroute2.netlink.exceptions import NetlinkError

from designer.models import Deployment, Host
from designer.services import drift
from designer.services.deployments import active_deployment
from designer.spec import parse_document
from tasks.app import app
from tasks.base import NetloomTask
from tasks.planner.drift import host_drift
from tasks.planner.facts import host_facts
from tasks.planner.names import deployment_prefix
from tasks.planner.planner import plan
from tasks.planner.state import HostState

logger = logging.getLogger(__name__)

# What a link of the chain did: observed the hosts, waited for an attempt under way, found
# another chain live (or this link run already), or ended the chain.
LinkOutcome = Literal["observing", "waiting", "superseded", "ended"]
HostOutcome = Literal["recorded", "skipped", "failed"]


def _observed(deployment_id: int) -> Deployment | None:
    """The deployment, if it is still what its topology has deployed."""
    deployment = (
        Deployment.objects.select_related("topology", "revision").filter(pk=deployment_id).first()
    )
    if deployment is None or not drift.is_observed(deployment):
        return None
    return deployment


def start_observing(deployment_id: int) -> None:
    """Begin observing a deployment that has just finished deployed: its first observation
    comes one interval later."""
    drift.start_chain(deployment_id, countdown=drift.interval())


@app.task(base=NetloomTask, name="netloom.drift.observe", soft_time_limit=30, time_limit=60)
def observe_deployment(
    deployment_id: int, token: str, link: int, announce: bool = False
) -> LinkOutcome:
    """One link of a deployment's chain: enqueue the next, and observe every host of the
    deployment unless another attempt of the topology is under way."""
    from tasks.embedded import consume

    deployment = _observed(deployment_id)
    if deployment is None:
        return "ended"
    if not drift.claim_link(deployment_id, token, link):
        return "superseded"
    observe_deployment.apply_async((deployment_id, token, link + 1), countdown=drift.interval())
    if active_deployment(deployment.topology) is not None:
        return "waiting"
    for host in Host.objects.filter(name__in=list(deployment.hosts)).order_by("name"):
        consume(host.queue)
        observe_host.apply_async((deployment_id, host.name, announce), queue=host.queue)
    return "observing"


@app.task(base=NetloomTask, name="netloom.drift.observe_host", soft_time_limit=120, time_limit=180)
def observe_host(deployment_id: int, host_name: str, announce: bool = False) -> HostOutcome:
    """Observe what the deployment has on one host against what its revision wants there, and
    record the difference."""
    from tasks.drivers import HostBinding
    from tasks.drivers.kernel import KernelError
    from tasks.drivers.linux import LinuxDriver

    deployment = _observed(deployment_id)
    host = Host.objects.filter(name=host_name).first()
    if deployment is None or host is None or active_deployment(deployment.topology) is not None:
        return "skipped"
    if os.geteuid() != 0:
        logger.warning("drift: reading host %s's kernel needs root", host_name)
        return "failed"
    assert deployment.revision is not None  # only deploys are observed
    facts = [host_facts(each) for each in Host.objects.order_by("name")]
    wanted = plan(parse_document(deployment.revision.document), deployment.topology_id, facts)
    desired = wanted.hosts.get(host_name, HostState(host=host_name))
    driver = LinuxDriver(
        HostBinding(host_name, host.namespace or None), deployment_prefix(deployment.topology_id)
    )
    try:
        observed = driver.observe(desired)
    except (KernelError, NetlinkError, OSError, ValueError) as error:
        logger.warning("drift: could not observe host %s: %s", host_name, error)
        return "failed"
    items = host_drift(observed, desired)
    # An attempt that started while the kernel was read may have changed it half way, and
    # one that finished made this deployment history: what was read is not drift then.
    if _observed(deployment_id) is None or active_deployment(deployment.topology) is not None:
        return "skipped"
    drift.record_host(deployment_id, host_name, items, wanted.hosts.values(), announce)
    return "recorded"
