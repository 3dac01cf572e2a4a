"""Benchmark: deploying N instances on one network with Netloom's linux driver, against
Mininet building N hosts on one Linux bridge (Debian's `mininet` package, no OpenFlow switch,
no controller), in the same run and on the same kernel.

For each size it prints both times to build and to tear down, and Mininet's time over
Netloom's. Netloom's deploy is what a host's worker does: observe, compute the steps, apply
them (namespaces, veths on the network's bridge, addresses, the responder serving every
instance). Both sides are checked with one ping from the first instance to the last, outside
the timing, and Netloom's teardown must leave no namespace or link behind. Then it deploys and
destroys 1,000 instances, and times a second deploy of them (which reads every namespace back
and must find nothing to do). Targets: at least 5 times faster than Mininet at N = 200; 1,000
instances deployed in at most 10 s and destroyed in at most 3 s.

    sudo .venv/bin/python bench/deploy.py [--sizes 50,200] [--large 1000] [--repeat 3]

Needs root, and Mininet and bridge-utils (`make bench-tools`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")

from designer.spec import Document, parse_document  # noqa: E402
from tasks.drivers import HostBinding  # noqa: E402
from tasks.drivers.kernel import namespaces  # noqa: E402
from tasks.drivers.linux import LinuxDriver  # noqa: E402
from tasks.planner.hosts import HostFacts  # noqa: E402
from tasks.planner.names import namespace_name  # noqa: E402
from tasks.planner.planner import plan  # noqa: E402
from tasks.planner.steps import plan_steps  # noqa: E402

# Far from the ids a test database or a person's topologies use: the deployment's kernel
# names come from it.
TOPOLOGY_ID = 36**4 - 40_000
HOST = "bench"
MININET_PYTHON = "/usr/bin/python3"


def document(instances: int) -> Document:
    """N instances with one port each on one network and subnet: no DHCP, no gateway, as
    Mininet's hosts on one switch."""
    return parse_document(
        {
            "networks": [{"id": "net", "name": "net", "kind": "self_service"}],
            "subnets": [
                {
                    "id": "v4",
                    "network": "net",
                    "cidr": "10.250.0.0/16",
                    "gateway_ip": None,
                    "enable_dhcp": False,
                }
            ],
            "instances": [{"id": f"h{n}", "name": f"h{n}"} for n in range(instances)],
            "ports": [
                {
                    "id": f"p{n}",
                    "network": "net",
                    "device": f"h{n}",
                    "fixed_ips": [{"subnet": "v4"}],
                }
                for n in range(instances)
            ],
        }
    )


def _ping(namespace: str, address: str) -> bool:
    command = ["ip", "netns", "exec", namespace, "ping", "-c1", "-W2", address]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _links_named(prefix: str) -> list[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return [line.split(":")[1].strip() for line in out.splitlines() if f" {prefix}" in line]


def netloom(instances: int) -> dict[str, Any]:
    """Deploy and destroy N instances on this machine's own namespace, as host `bench`."""
    planned = plan(document(instances), TOPOLOGY_ID, [HostFacts(HOST, "both", "")])
    desired = planned.hosts[HOST]
    driver = LinuxDriver(HostBinding(HOST, None, prefix=planned.prefix), planned.prefix)
    driver.destroy()
    try:
        started = time.perf_counter()
        steps = plan_steps(driver.observe(desired), desired)
        driver.apply(steps)
        deployed = time.perf_counter() - started
        # A second deploy of the same revision: it reads every namespace back and finds
        # nothing to do.
        started = time.perf_counter()
        again = plan_steps(driver.observe(desired), desired)
        redeployed = time.perf_counter() - started
        first = namespace_name(planned.prefix, "instance", HOST, "h0")
        last = f"10.250.{(instances) // 256}.{instances % 256}"
        reached = _ping(first, last)
    finally:
        started = time.perf_counter()
        driver.destroy()
        destroyed = time.perf_counter() - started
    left = [name for name in namespaces() if name.startswith(planned.prefix)]
    left += _links_named(planned.prefix)
    return {
        "deploy": deployed,
        "again": redeployed,
        "left_to_do": len(again),
        "destroy": destroyed,
        "steps": len(steps),
        "reached": reached,
        "left": left,
    }


def mininet(instances: int) -> dict[str, Any]:
    script = ROOT / "bench" / "mininet_topology.py"
    result = subprocess.run(
        [MININET_PYTHON, str(script), str(instances)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    if result.returncode != 0:
        subprocess.run(["mn", "-c"], capture_output=True, check=False)
        raise SystemExit(f"Mininet failed: {result.stderr.strip()[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _check(runs: list[dict[str, Any]], who: str) -> None:
    for run in runs:
        if not run["reached"]:
            raise SystemExit(f"{who}: the first instance did not reach the last")
        if run.get("left"):
            raise SystemExit(f"{who}: teardown left {run['left'][:5]}")
        if run.get("left_to_do"):
            raise SystemExit(f"{who}: deploying again would take {run['left_to_do']} steps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="50,200")
    parser.add_argument("--large", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/deploy.py changes the kernel: run it as root")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}, "
        f"Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'N':>6} {'Netloom up':>11} {'Mininet up':>11} {'ratio':>6} "
        f"{'Netloom down':>13} {'Mininet down':>13} {'ratio':>6}"
    )
    for size in (int(part) for part in options.sizes.split(",")):
        ours = [netloom(size) for _ in range(options.repeat)]
        theirs = [mininet(size) for _ in range(options.repeat)]
        _check(ours, "Netloom")
        _check(theirs, "Mininet")
        up, their_up = median(ours, "deploy"), median(theirs, "build")
        down, their_down = median(ours, "destroy"), median(theirs, "stop")
        print(
            f"{size:>6} {up:>10.2f}s {their_up:>10.2f}s {their_up / up:>5.1f}x "
            f"{down:>12.2f}s {their_down:>12.2f}s {their_down / down:>5.1f}x"
        )
    if options.large:
        large = [netloom(options.large) for _ in range(options.repeat)]
        _check(large, "Netloom")
        up, down = median(large, "deploy"), median(large, "destroy")
        print(
            f"{options.large} instances: deployed in {up:.2f} s (target 10 s), "
            f"destroyed in {down:.2f} s (target 3 s); {large[0]['steps']} steps, "
            f"{1000 * up / options.large:.1f} ms an instance; deploying again (nothing to "
            f"do) {median(large, 'again'):.2f} s"
        )
    print("targets: at least 5x Mininet at N = 200; 1,000 up in 10 s, down in 3 s")


if __name__ == "__main__":
    main()
