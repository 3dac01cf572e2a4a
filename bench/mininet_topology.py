"""Mininet's side of `bench/deploy.py`: N hosts on one Linux bridge (no OpenFlow switch, no
controller), built, checked with one ping and stopped. Prints the times as JSON.

Run with the interpreter Debian's `mininet` package is installed for (/usr/bin/python3), as
root:

    /usr/bin/python3 bench/mininet_topology.py 200
"""

from __future__ import annotations

import json
import sys
import time

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import SingleSwitchTopo


def main() -> None:
    hosts = int(sys.argv[1])
    setLogLevel("error")
    started = time.perf_counter()
    net = Mininet(topo=SingleSwitchTopo(k=hosts), switch=LinuxBridge, controller=None, build=False)
    net.build()
    net.start()
    built = time.perf_counter() - started
    first, last = net.hosts[0], net.hosts[-1]
    reached = " 0% packet loss" in first.cmd(f"ping -c1 -W2 {last.IP()}")
    started = time.perf_counter()
    net.stop()
    stopped = time.perf_counter() - started
    print(json.dumps({"hosts": hosts, "build": built, "stop": stopped, "reached": reached}))


if __name__ == "__main__":
    main()
