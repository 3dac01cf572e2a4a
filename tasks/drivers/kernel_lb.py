"""Load balancers for the linux driver: in each load balancer's namespace, its nft table and
one supervised process: the checker (tasks/drivers/lb_check.py) that keeps the table's DNAT to
the healthy members with `nftables`, or keepalived's virtual server with `ipvs`.

Records sit in the driver's run directory under `balancers/`, apart from the other processes':
each holds the load balancer as asked for, and it counts as present while its process runs and
its table is in the namespace. Like keepalived, it is started again whenever what it should
realise changes; stopping it removes the table and its files.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tasks.drivers import HostBinding, render
from tasks.drivers import kernel_process as processes
from tasks.drivers.kernel import KernelError, run, write_sysctls
from tasks.drivers.lb_check import balancer_from
from tasks.drivers.netns import NETNS_DIR
from tasks.planner.state import LoadBalancer


def balancer_data(obj: LoadBalancer) -> dict[str, Any]:
    return {"kind": "LoadBalancer", "object": json.loads(json.dumps(asdict(obj)))}


class BalancerSupervisor:
    """Starts and stops the load balancers of one deployment on one host. `records` is the
    directory of their records; `cwd` where the checker's module is found."""

    def __init__(self, binding: HostBinding, records: Path, cwd: Path) -> None:
        self.binding = binding
        self.records = records
        self.cwd = cwd

    def record_path(self, namespace: str) -> Path:
        return self.records / f"{namespace}.json"

    def files(self, obj: LoadBalancer) -> render.BalancerFiles:
        return render.balancer_files(self.binding.run_dir, obj.namespace)

    def ensure(self, obj: LoadBalancer) -> None:
        """Write the table and start the process for `obj`, unless those running realise it."""
        path = self.record_path(obj.namespace)
        record = processes.load(path)
        data = balancer_data(obj)
        if record is not None and record.data == data and self._present(record):
            return
        self.stop(obj)
        files = self.files(obj)
        Path(self.binding.run_dir).mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        ruleset = render.nft_ruleset(obj)
        Path(files.ruleset).write_text(ruleset)
        run(obj.namespace, "nft", "-f", files.ruleset)
        if obj.realisation == "ipvs":
            if not Path("/proc/net/ip_vs").exists():
                run(None, "modprobe", "ip_vs")
            write_sysctls(obj.namespace, render.IPVS_SYSCTLS)
            Path(files.config).write_text(render.balancer_keepalived_config(obj))
            run(obj.namespace, "keepalived", "--config-test", f"--use-file={files.config}")
            command = render.balancer_keepalived_arguments(files)
        else:
            spec = {
                "balancer": data["object"],
                "states": files.states,
                "pid": files.pid,
                # Where each change of a member's health is reported: the worker serving the
                # host, which relays it to the topology's sockets (tasks/vrrp_relay.py).
                "report": {
                    "socket": render.vrrp_socket(
                        self.binding.run_dir, self.binding.host, self.binding.namespace
                    ),
                    "host": self.binding.host,
                },
            }
            Path(files.spec).write_text(json.dumps(spec))
            command = render.check_arguments(files)
        processes.start(path, obj.namespace, command, data, path.with_suffix(".log"), cwd=self.cwd)

    def stop(self, obj: LoadBalancer) -> None:
        """Stop its process, remove its table (if its namespace is still there) and files."""
        path = self.record_path(obj.namespace)
        record = processes.load(path)
        if record is not None:
            processes.stop(record)
        if (NETNS_DIR / obj.namespace).exists() and self._has_table(obj):
            run(obj.namespace, "nft", "-f", "-", stdin=render.nft_delete_input(obj))
        files = self.files(obj)
        for file in (
            path,
            path.with_suffix(".log"),
            files.ruleset,
            files.spec,
            files.pid,
            files.states,
            files.config,
            files.checkers_pid,
        ):
            Path(file).unlink(missing_ok=True)
        Path(files.states).with_suffix(".partial").unlink(missing_ok=True)

    def observed(self) -> list[LoadBalancer]:
        """The load balancers whose process runs and whose table is there."""
        found: list[LoadBalancer] = []
        if not self.records.is_dir():
            return found
        for path in sorted(self.records.glob("*.json")):
            record = processes.load(path)
            if record is not None and self._present(record):
                found.append(balancer_from(record.data["object"]))
        return found

    def recorded(self) -> list[LoadBalancer]:
        """Every load balancer with a record, running or not."""
        found: list[LoadBalancer] = []
        if self.records.is_dir():
            for path in sorted(self.records.glob("*.json")):
                record = processes.load(path)
                if record is not None:
                    found.append(balancer_from(record.data["object"]))
        return found

    def states(self, obj: LoadBalancer) -> dict[str, Any] | None:
        """The members' states as the checker last wrote them (nftables)."""
        try:
            data: dict[str, Any] = json.loads(Path(self.files(obj).states).read_text())
        except (OSError, ValueError):
            return None
        return data

    def _present(self, record: processes.Record) -> bool:
        if not processes.running(record):
            return False
        return self._has_table(balancer_from(record.data["object"]))

    def _has_table(self, obj: LoadBalancer) -> bool:
        try:
            run(obj.namespace, "nft", "list", "table", "ip", render.safe(obj.table))
        except KernelError:
            return False
        return True
