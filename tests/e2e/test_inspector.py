"""The inspector's structured fields in a real browser: an HA router's VRRP settings (its
priorities, no preemption, its advert interval) and static routes, a container's published
ports, a subnet's allocation pools and a port's fixed IPs, each typed as people write them and
saved as one edit, and a value the server refuses shown under its field."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.builders import document, net, port, subnet
from tests.e2e.test_editor import node, open_own_topology, stored_document


def open_topology(browser: Browser, app_server: str) -> tuple[Page, int]:
    edge = document(
        networks=[net("lan")],
        subnets=[subnet("lan-v4", "lan", "10.0.5.0/24")],
        instances=[{"id": "web", "name": "web", "kind": "container"}],
        ports=[port("web-p", "lan", "web", ("lan-v4", "10.0.5.20"))],
        routers=[{"id": "r1", "name": "edge", "mode": "ha"}],
        # The line from web to lan, with its label, clear of every other element.
        layout={
            "positions": {
                "web": {"x": 0, "y": 0},
                "lan": {"x": 0, "y": 320},
                "lan-v4": {"x": 420, "y": 160},
                "r1": {"x": 420, "y": 0},
            }
        },
    )
    return open_own_topology(browser, app_server, "ines", "Edge", edge)


def type_into(page: Page, label: str, text: str) -> None:
    field = page.get_by_role("region", name="Inspector").get_by_label(label, exact=True)
    field.fill(text)
    field.press("Enter")


def test_vrrp_routes_published_ports_and_pools_from_the_inspector(
    app_server: str, browser: Browser
) -> None:
    page, topology_id = open_topology(browser, app_server)
    inspector = page.get_by_role("region", name="Inspector")

    # An HA router's keepalived settings, each one edit inside the router's `vrrp`.
    node(page, "edge").click()
    type_into(page, "VRRP priorities (host=priority)", "network-1=200, network-2=100")
    expect(page.get_by_text("revision 2")).to_be_visible()
    inspector.get_by_label("No preemption").check()
    expect(page.get_by_text("revision 3")).to_be_visible()
    type_into(page, "VRRP advert interval (s)", "0.2")
    expect(page.get_by_text("revision 4")).to_be_visible()
    vrrp = stored_document(topology_id)["routers"][0]["vrrp"]
    assert vrrp["priorities"] == {"network-1": 200, "network-2": 100}
    assert vrrp["nopreempt"] is True
    assert vrrp["advert_interval"] == 0.2

    # A priority keepalived cannot take: the server's words under the field, nothing saved.
    type_into(page, "VRRP priorities (host=priority)", "network-1=300")
    expect(inspector.locator("#field-vrrp-priorities-error")).to_contain_text("254")
    assert stored_document(topology_id)["routers"][0]["vrrp"]["priorities"]["network-1"] == 200

    # Text that is no port mapping is refused on the spot.
    node(page, "web").click()
    type_into(page, "Published ports (host:container/protocol)", "eighty")
    expect(inspector.locator("#field-published_ports-error")).to_contain_text("8080:80")
    type_into(page, "Published ports (host:container/protocol)", "8080:80, 5353:53/udp")
    expect(page.get_by_text("revision 5")).to_be_visible()
    # The same text again is no change: no revision is made for it.
    type_into(page, "Published ports (host:container/protocol)", "8080:80,  5353:53/udp")
    published = stored_document(topology_id)["instances"][0]["published_ports"]
    assert [(p["host_port"], p["container_port"], p["protocol"]) for p in published] == [
        (8080, 80, "tcp"),
        (5353, 53, "udp"),
    ]

    node(page, "lan-v4").click()
    type_into(page, "Allocation pools (first-last)", "10.0.5.100-10.0.5.199")
    expect(page.get_by_text("revision 6")).to_be_visible()
    pools = stored_document(topology_id)["subnets"][0]["allocation_pools"]
    assert pools == [{"start": "10.0.5.100", "end": "10.0.5.199"}]
    # Shown back as typed.
    expect(inspector.get_by_label("Allocation pools (first-last)")).to_have_value(
        "10.0.5.100-10.0.5.199"
    )

    # A static route, written as `ip route` writes it.
    node(page, "edge").click()
    type_into(page, "Static routes (destination via nexthop)", "192.168.0.0/16 via 10.0.5.254")
    expect(page.get_by_text("revision 7")).to_be_visible()
    routes = stored_document(topology_id)["routers"][0]["routes"]
    assert routes == [{"destination": "192.168.0.0/16", "nexthop": "10.0.5.254"}]

    # A port's fixed IP, chosen on its subnet (the port is the line from web to lan).
    page.locator('.react-flow__edge[data-id="web-p"] .react-flow__edge-textbg').click()
    expect(inspector.get_by_role("heading")).to_contain_text("web-p")
    type_into(page, "Fixed IPs (subnet=address)", "lan-v4=10.0.5.42")
    expect(page.get_by_text("revision 8")).to_be_visible()
    fixed = stored_document(topology_id)["ports"][0]["fixed_ips"]
    assert fixed == [{"subnet": "lan-v4", "ip_address": "10.0.5.42"}]
    expect(node(page, "web")).to_contain_text("10.0.5.42")
