"""Benchmark: the topology canvas in a real browser, for topologies of 200 and 1,000 elements.

It starts the real server (`manage.py serve`) on a loopback port with a database of its own,
stores generated topologies as revisions, and opens them in headless Chromium the way a person
does: the editor loads the head revision over the WebSocket. Elements are what the canvas draws
as boxes (networks, subnets, routers, instances, floating IPs); links are the lines (ports,
subnet and gateway lines, floating IP lines). Each topology is drawn with a stored grid layout
and, as a variant, with no stored positions (the canvas's fallback columns).

For each it prints:
- render: the time from the start of navigation until every element and link of the topology
  is in the DOM, measured and shown, the view fitted, and that frame painted. (Should the
  canvas draw only what is in view, or the lines otherwise than as its own lines, it is the
  time until the fitted view is painted; the report says which, and how many elements and
  lines were in the DOM.) Also the time until the first WebSocket message (the document)
  arrived;
- frames per second while idle, while panning (dragging the empty canvas) and while dragging
  an element, counted with requestAnimationFrame in the page, and the worst frame.
Baselines measured in the same run: the render of an empty topology, and the frame rate of
the idle empty editor. Targets: 1,000 elements render in at most 2 s and keep at least 30 fps
while panning and dragging.

    python bench/canvas.py [--sizes 200,1000] [--repeat 3] [--seconds 3]

With DATABASE_URL and REDIS_URL set it runs on PostgreSQL (its own database, created and
dropped) and the Redis channel layer; without, the embedded mode in a temporary folder. It
needs the built front end (`make frontend`) and Chromium at /usr/bin/chromium (`make browser`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, ViewportSize, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.builders import net, port, subnet

ROOT = Path(__file__).resolve().parent.parent

DATABASE = "netloom_bench_canvas"
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
RENDER_TARGET_S = 2.0
FPS_TARGET = 30.0
TARGET_ELEMENTS = 1000
# Canvas boxes of one tenant block (see `generate`).
INSTANCES_PER_TENANT = 8
NODES_PER_TENANT = 1 + 2 + 2 + INSTANCES_PER_TENANT + 2
BLOCK = {"columns": 5, "rows": 3}
CELL = {"width": 220, "height": 120}

# Runs in the page before the app: notes when the first WebSocket message arrives, watches
# frame by frame for the topology to be drawn, and counts frames on request. Drawn means every
# element and link in the DOM, measured, and the view fitted; or, if the canvas draws only what
# is in view, the fitted view with every element in it measured and nothing changing for ten
# frames (then the time is that of the last change).
INSTRUMENT = """
(expected) => {
  const bench = {
    message: null, drawn: null, painted: null, shown: null, lines: null, frames: null,
  };
  window.__netloomBench = bench;
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", () => { bench.message ??= performance.now(); });
    }
  };
  const look = () => {
    const title = document.querySelector(".editor-header strong");
    const viewport = document.querySelector(".react-flow__viewport");
    const nodes = document.querySelectorAll(".react-flow__node-element");
    let hidden = 0;
    for (const node of nodes) if (node.style.visibility === "hidden") hidden += 1;
    return {
      loaded: !!title && title.textContent !== "Loading…" && !!viewport,
      // A fit has moved the viewport from where it starts (any fit: the check is loose).
      fitted: expected.nodes === 0 ||
        (!!viewport && viewport.style.transform !== "translate(0px, 0px) scale(1)"),
      nodes: nodes.length,
      edges: document.querySelectorAll(".react-flow__edge").length,
      hidden,
    };
  };
  let last = "", stable = 0, changed = 0, after = 0;
  const finish = (drawn, painted, shown, lines) => {
    bench.drawn = drawn;
    bench.painted = painted;
    bench.shown = shown;
    bench.lines = lines;
  };
  const watch = () => {
    const now = performance.now();
    const state = look();
    const key = JSON.stringify(state);
    if (key !== last) [last, stable, changed] = [key, 0, now];
    else if (++stable === 1) after = now;
    const ready = state.loaded && state.fitted && state.hidden === 0;
    if (ready && state.nodes === expected.nodes && state.edges === expected.edges) {
      // The next frame starts after the one that showed everything was painted.
      requestAnimationFrame(() => finish(now, performance.now(), state.nodes, state.edges));
    } else if (ready && state.nodes > 0 && stable >= 10) {
      finish(changed, after, state.nodes, state.edges);
    } else {
      requestAnimationFrame(watch);
    }
  };
  requestAnimationFrame(watch);
  bench.countFrames = () => {
    const frames = (bench.frames = []);
    const count = (time) => {
      if (bench.frames !== frames) return;
      frames.push(time);
      requestAnimationFrame(count);
    };
    requestAnimationFrame(count);
  };
  bench.stopFrames = () => {
    const frames = bench.frames;
    bench.frames = null;
    return frames;
  };
}
"""

# Where the mouse finds the empty canvas and an element, as near the middle of the view as
# may be: candidates nearest first, each checked by a hit test (a costly one on a full canvas).
FIND_TARGETS = """
() => {
  const pane = document.querySelector(".react-flow__pane").getBoundingClientRect();
  const middle = { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 };
  const byDistance = (spots) =>
    spots.sort((a, b) => Math.hypot(a.x - middle.x, a.y - middle.y) -
      Math.hypot(b.x - middle.x, b.y - middle.y));
  const inside = (spot) => spot.x > pane.left + 150 && spot.x < pane.right - 150 &&
    spot.y > pane.top + 100 && spot.y < pane.bottom - 200;
  const spots = [];
  for (let y = pane.top; y < pane.bottom; y += 15)
    for (let x = pane.left; x < pane.right; x += 15) spots.push({ x, y });
  const empty = byDistance(spots.filter(inside)).find((spot) =>
    document.elementFromPoint(spot.x, spot.y)?.classList.contains("react-flow__pane"));
  const elements = [...document.querySelectorAll(".react-flow__node-element")].map((node) => {
    const box = node.getBoundingClientRect();
    return { node, x: box.left + box.width / 2, y: box.top + box.height / 2 };
  });
  const element = byDistance(elements.filter(inside)).find((spot) =>
    spot.node.contains(document.elementFromPoint(spot.x, spot.y)));
  return { empty: empty ?? null, element: element ? { x: element.x, y: element.y } : null };
}
"""


@dataclass(frozen=True)
class Topology:
    label: str
    pk: int
    nodes: int
    """Elements the canvas draws as boxes."""
    edges: int
    """Links the canvas draws as lines."""
    elements: int
    """Elements of the document (ports included)."""


@dataclass
class Row:
    """What was measured on one topology: seconds, and (fps, worst frame in ms) pairs."""

    topology: Topology
    render: float = math.nan
    message: float = math.nan
    shown: int = 0
    lines: int = 0
    idle: tuple[float, float] = (math.nan, math.nan)
    pan: tuple[float, float] = (math.nan, math.nan)
    drag: tuple[float, float] = (math.nan, math.nan)


# --- the topology ----------------------------------------------------------------------------


def generate(nodes: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tenant blocks until about `nodes` canvas boxes, around an external provider network:
    per tenant a router with a gateway on it (those are the admin's part, returned first), a
    front and a back self-service network with a subnet each, an interface of the router on
    both, eight VMs with a port on each network, and two floating IPs (the whole document,
    returned second). About 1.5 links per box."""
    external = {
        "networks": [
            net("ext", "provider", physical_network="external", external=True, role="external")
        ],
        "subnets": [subnet("ext-sub", "ext", "100.64.0.0/10", gateway_ip="100.64.0.1")],
    }
    lists: dict[str, list[dict[str, Any]]] = {
        "networks": list(external["networks"]),
        "subnets": list(external["subnets"]),
        "ports": [],
        "instances": [],
        "routers": [],
        "floating_ips": [],
    }
    for t in range((nodes - 2) // NODES_PER_TENANT):
        router = f"r{t}"
        lists["routers"].append(
            {"id": router, "name": f"router {t}", "external_gateway": {"network": "ext"}}
        )
        for side, tier in enumerate(("front", "back")):
            n = 2 * t + side
            prefix = f"10.{n // 256}.{n % 256}"
            network, sub = f"{tier}{t}", f"{tier}{t}-sub"
            lists["networks"].append(net(network, name=f"{tier} {t}", vni=1000 + n))
            lists["subnets"].append(
                subnet(
                    sub,
                    network,
                    f"{prefix}.0/24",
                    gateway_ip=f"{prefix}.1",
                    allocation_pools=[{"start": f"{prefix}.10", "end": f"{prefix}.250"}],
                )
            )
            lists["ports"].append(port(f"{router}-{tier}", network, router, (sub, f"{prefix}.1")))
            for i in range(INSTANCES_PER_TENANT):
                lists["ports"].append(
                    port(f"vm{t}x{i}-{tier}", network, f"vm{t}x{i}", (sub, f"{prefix}.{10 + i}"))
                )
        for i in range(INSTANCES_PER_TENANT):
            lists["instances"].append({"id": f"vm{t}x{i}", "name": f"vm {t}-{i}", "kind": "vm"})
        for i in range(2):
            n = 2 * t + i + 2
            lists["floating_ips"].append(
                {
                    "id": f"fip{t}x{i}",
                    "network": "ext",
                    "port": f"vm{t}x{i}-front",
                    "floating_ip_address": f"100.{64 + n // 65536}.{n // 256 % 256}.{n % 256}",
                }
            )
    return {**external, "routers": lists["routers"]}, lists


def grid_layout(lists: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """Each tenant in a block of 5 by 3 cells (router and networks, then its VMs and floating
    IPs), the blocks in a grid about as wide as high, the external network above them."""
    tenants = len(lists["routers"])
    across = max(1, round(math.sqrt(tenants)))
    block_width = (BLOCK["columns"] + 1) * CELL["width"]
    block_height = (BLOCK["rows"] + 1) * CELL["height"]
    positions = {
        "ext": {"x": across * block_width // 2, "y": -2 * CELL["height"]},
        "ext-sub": {"x": across * block_width // 2 + CELL["width"], "y": -2 * CELL["height"]},
    }
    for t in range(tenants):
        members = [f"r{t}", f"front{t}", f"front{t}-sub", f"back{t}", f"back{t}-sub"]
        members += [f"vm{t}x{i}" for i in range(INSTANCES_PER_TENANT)]
        members += [f"fip{t}x0", f"fip{t}x1"]
        left, top = (t % across) * block_width, (t // across) * block_height
        for k, id_ in enumerate(members):
            row, column = divmod(k, BLOCK["columns"])
            positions[id_] = {
                "x": left + column * CELL["width"],
                "y": top + row * CELL["height"],
            }
    return positions


def canvas_counts(lists: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    """Boxes and lines the canvas draws for these lists (frontend/src/canvas/adapter.ts)."""
    boxes = ("networks", "segments", "subnets", "routers", "instances", "floating_ips")
    drawn = {element["id"] for name in boxes for element in lists.get(name, [])}
    devices = {p["id"]: p.get("device") for p in lists.get("ports", [])}
    ends = [(p.get("device"), p["network"]) for p in lists.get("ports", [])]
    ends += [(s["id"], s["network"]) for s in lists.get("subnets", [])]
    ends += [(s["id"], s["network"]) for s in lists.get("segments", [])]
    ends += [(r["id"], (r.get("external_gateway") or {}).get("network")) for r in lists["routers"]]
    ends += [(f["id"], devices.get(f.get("port") or "")) for f in lists.get("floating_ips", [])]
    return len(drawn), sum(1 for a, b in ends if a in drawn and b in drawn)


# --- the server side -------------------------------------------------------------------------


def prepare(sizes: list[int]) -> tuple[list[Topology], str]:
    """Migrate, collect the static files, and store the topologies: an empty one, and for each
    size one with a grid layout and one without positions. The external network and the
    routers' gateways are the first revision, by an admin; the rest is the second, by a project
    member, judged as a member's change. Returns the topologies and the member's session."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from designer.models import Host, Quota
    from designer.models.hosts import HostRole
    from designer.services.projects import create_project
    from designer.services.topologies import create_topology, save_revision
    from designer.services.validation import validate_revision
    from designer.spec import parse_document

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    admin = User.objects.create_user("bench-admin", is_staff=True)
    member = User.objects.create_user("bench-member")
    project = create_project("Bench", member)
    Quota.objects.update_or_create(
        project=project, defaults=dict.fromkeys(Quota().as_limits(), 1_000_000)
    )
    Host.objects.create(
        name="network-1",
        role=HostRole.NETWORK,
        physical_networks={"external": "eth1"},
        external=True,
    )
    Host.objects.create(name="compute-1", role=HostRole.COMPUTE)
    topologies = [Topology("empty", create_topology(project, "empty", member).pk, 0, 0, 0)]
    for size in sizes:
        admin_part, lists = generate(size)
        nodes, edges = canvas_counts(lists)
        for label, layout in (
            (f"{nodes} grid", {"positions": grid_layout(lists)}),
            (f"{nodes} unplaced", {}),
        ):
            topology = create_topology(
                project, label, admin, document=parse_document(admin_part), message="gateways"
            )
            document = parse_document({**lists, "layout": layout})
            revision = save_revision(topology, 1, document, member, "tenants")
            errors = [f for f in validate_revision(revision) if f.severity == "error"]
            if errors:
                raise RuntimeError(f"the generated topology has errors, e.g. {errors[0]}")
            topologies.append(Topology(label, topology.pk, nodes, edges, document.element_count()))
    client = Client()
    client.force_login(member)
    session = str(client.cookies["sessionid"].value)
    connections.close_all()
    return topologies, session


def psql(base: str, statement: str, *, check: bool = True) -> None:
    subprocess.run(["psql", f"{base}/postgres", "-qc", statement], check=check)


@contextmanager
def own_database() -> Iterator[None]:
    """With DATABASE_URL set, a database of its own next to the configured one."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield
        return
    base, _, _ = url.rpartition("/")
    os.environ["DATABASE_URL"] = f"{base}/{DATABASE}"
    psql(base, f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(base, f"CREATE DATABASE {DATABASE}")
    try:
        yield
    finally:
        psql(base, f"DROP DATABASE IF EXISTS {DATABASE}", check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served() -> Iterator[str]:
    """`manage.py serve` on a free loopback port; its address."""
    listen = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(listen)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{listen}"
    finally:
        server.send_signal(signal.SIGINT)  # serve stops cleanly on Ctrl-C
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the browser -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    page: Page
    painted: float
    """Seconds from the start of navigation until the topology was drawn and painted."""
    message: float
    """Seconds from the start of navigation until the first WebSocket message arrived."""
    shown: int
    """Elements in the DOM then."""
    lines: int
    """Links in the DOM then (as the canvas's own lines)."""


def open_topology(context: BrowserContext, server: str, topology: Topology) -> Load:
    """A page showing the topology, drawn."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    expected = {"nodes": topology.nodes, "edges": topology.edges}
    page.add_init_script(f"({INSTRUMENT})({json.dumps(expected)})")
    page.goto(f"{server}/app/topologies/{topology.pk}/")
    try:
        page.wait_for_function("window.__netloomBench.painted !== null", timeout=60_000)
    except Exception as error:
        nodes, edges, header = page.evaluate(
            "[document.querySelectorAll('.react-flow__node-element').length,"
            " document.querySelectorAll('.react-flow__edge').length,"
            " document.querySelector('.editor-header')?.textContent ?? document.body.innerText]"
        )
        raise RuntimeError(
            f"{topology.label}: expected {topology.nodes} elements and {topology.edges} links "
            f"in the DOM, found {nodes} and {edges} under {header!r}; page errors: {errors}"
        ) from error
    if errors:
        raise RuntimeError(f"{topology.label}: JavaScript errors on the page: {errors}")
    painted, message, shown, lines = page.evaluate(
        "[window.__netloomBench.painted, window.__netloomBench.message,"
        " window.__netloomBench.shown, window.__netloomBench.lines]"
    )
    return Load(page, painted / 1000, message / 1000, shown, lines)


def frame_rate(
    page: Page, seconds: float, move: Callable[[float], None] | None = None
) -> tuple[float, float]:
    """Frames per second and the worst frame in ms over `seconds`, counted in the page while
    `move(elapsed)` drives the mouse (or nothing happens)."""
    page.evaluate("window.__netloomBench.countFrames()")
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        if move is None:
            page.wait_for_timeout(100)
        else:
            move(elapsed)
    frames: list[float] = page.evaluate("window.__netloomBench.stopFrames()")
    if len(frames) < 2:
        return 0.0, seconds * 1000
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    return (len(frames) - 1) / ((frames[-1] - frames[0]) / 1000), max(gaps)


def drag(page: Page, at: dict[str, float], seconds: float) -> tuple[float, float]:
    """Press the mouse at `at` and move it in loops around there for `seconds`."""
    page.mouse.move(at["x"], at["y"])
    page.mouse.down()

    def move(elapsed: float) -> None:
        angle = 2 * math.pi * elapsed
        page.mouse.move(at["x"] + 120 * math.sin(angle), at["y"] + 80 * (1 - math.cos(angle)))

    try:
        return frame_rate(page, seconds, move)
    finally:
        page.mouse.up()


def measure(
    server: str, session: str, topologies: list[Topology], args: argparse.Namespace
) -> list[Row]:
    """Every topology loaded `args.repeat` times, then once more for the frame counts."""
    # The browser tests' launch settings; importing them reads the settings, so only now.
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    rows = [Row(topology) for topology in topologies]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_cookies([{"name": "sessionid", "value": session, "url": server}])
        open_topology(context, server, topologies[0]).page.close()  # a warm cache
        for row in rows:
            loads = []
            for _ in range(args.repeat):
                loads.append(open_topology(context, server, row.topology))
                loads[-1].page.close()
            row.render = statistics.median(load.painted for load in loads)
            row.message = statistics.median(load.message for load in loads)
            row.shown = min(load.shown for load in loads)
            row.lines = min(load.lines for load in loads)
            page = open_topology(context, server, row.topology).page
            page.wait_for_timeout(500)  # findings and the rest of the first load
            row.idle = frame_rate(page, args.seconds)
            targets = page.evaluate(f"({FIND_TARGETS})()")
            if targets["empty"] is not None:
                row.pan = drag(page, targets["empty"], args.seconds)
            if targets["element"] is not None:
                row.drag = drag(page, targets["element"], args.seconds)
            page.close()
        version = browser.version
        browser.close()
    print(f"Chromium {version} headless, {VIEWPORT['width']}x{VIEWPORT['height']}")
    return rows


# --- the report ------------------------------------------------------------------------------


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def shown(value: float, width: int, decimals: int) -> str:
    """A figure for the table; '-' for what was not measured (nothing to drag, say)."""
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:>{width}.{decimals}f}"


def report(rows: list[Row]) -> None:
    """Print the table, and PASS or FAIL for each target (as the other benchmarks, a missed
    target is reported, not an error)."""
    baseline = rows[0]
    idle_fps = baseline.idle[0]
    print(
        f"baseline: empty topology rendered in {baseline.render:.3f} s; "
        f"idle editor {idle_fps:.1f} fps (worst frame {baseline.idle[1]:.0f} ms)"
    )
    print(
        f"{'topology':>14} {'elements':>8} {'links':>6} {'doc':>5} {'in DOM':>6} {'lines':>6} "
        f"{'socket s':>8} {'render s':>8} {'x empty':>7} {'idle fps':>8} {'pan fps':>7} "
        f"{'x idle':>6} {'worst ms':>8} {'drag fps':>8} {'x idle':>6} {'worst ms':>8}"
    )
    for row in rows:
        t = row.topology
        print(
            f"{t.label:>14} {t.nodes:>8} {t.edges:>6} {t.elements:>5} {row.shown:>6} "
            f"{row.lines:>6} {row.message:>8.3f} {row.render:>8.3f} "
            f"{row.render / baseline.render:>7.2f} "
            f"{row.idle[0]:>8.1f} {shown(row.pan[0], 7, 1)} {shown(row.pan[0] / idle_fps, 6, 2)} "
            f"{shown(row.pan[1], 8, 0)} {shown(row.drag[0], 8, 1)} "
            f"{shown(row.drag[0] / idle_fps, 6, 2)} {shown(row.drag[1], 8, 0)}"
        )
    print(
        "render: until every element and link was in the DOM, measured, fitted and painted"
        + (
            "; where 'in DOM' is below 'elements', the canvas draws only what is in view and "
            "render is until the fitted view was painted"
            if any(row.shown < row.topology.nodes for row in rows)
            else ""
        )
        + (
            "; where 'lines' (links in the DOM as the canvas's own lines) is below 'links', the "
            "canvas draws the lines otherwise (zoomed out, as one sketch) and render is until "
            "the fitted view was painted"
            if any(row.lines < row.topology.edges for row in rows)
            else ""
        )
    )
    for row in rows:
        if row.topology.nodes < TARGET_ELEMENTS * 0.95:
            continue
        for what, ok in (
            (f"render in at most {RENDER_TARGET_S:.0f} s", row.render <= RENDER_TARGET_S),
            (f"pan at {FPS_TARGET:.0f} fps or more", row.pan[0] >= FPS_TARGET),
            (f"drag at {FPS_TARGET:.0f} fps or more", row.drag[0] >= FPS_TARGET),
        ):
            print(f"  {'PASS' if ok else 'FAIL'} {row.topology.label}: {what}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000", help="canvas elements of each topology")
    parser.add_argument("--repeat", type=int, default=3, help="loads per topology (median)")
    parser.add_argument("--seconds", type=float, default=3, help="length of each frame count")
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        raise SystemExit("the front end is not built: make frontend")
    sizes = [int(s) for s in args.sizes.split(",")]
    mode = (
        "PostgreSQL + Redis"
        if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")
        else "embedded"
    )
    with tempfile.TemporaryDirectory(prefix="netloom-bench-") as var, own_database():
        os.environ["NETLOOM_VAR_DIR"] = var
        os.environ["DJANGO_SETTINGS_MODULE"] = "designer.settings"
        topologies, session = prepare(sizes)
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, {cpu_model()}; "
            f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}; "
            f"mode: {mode}"
        )
        with served() as server:
            rows = measure(server, session, topologies, args)
    report(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
