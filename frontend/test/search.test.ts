// Search: by name, id, address and CIDR, ranked with exact matches first.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { search } from "../src/model/search";

const lab = (): TopologyDocument =>
  ({
    networks: [
      { id: "lan", kind: "self_service", name: "Campus LAN" },
      { id: "ext", kind: "provider", name: "internet", physical_network: "physnet1" },
      { id: "v6", kind: "self_service", name: "lan six" },
    ],
    subnets: [
      { id: "lan4", name: "lan-v4", network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" },
      { id: "ext4", network: "ext", cidr: "203.0.113.0/24", gateway_ip: "203.0.113.1" },
      { id: "six", network: "v6", cidr: "fd00:0:0:1::/64", gateway_ip: "fd00:0:0:1::1" },
    ],
    instances: [
      { id: "vm1", name: "web" },
      { id: "vm2", name: "webcache" },
      { id: "vm3", name: "db" },
    ],
    routers: [
      {
        id: "r1",
        name: "edge",
        external_gateway: {
          network: "ext",
          fixed_ips: [{ subnet: "ext4", ip_address: "203.0.113.2" }],
        },
      },
    ],
    ports: [
      {
        id: "p1",
        network: "lan",
        device: "vm1",
        mac_address: "02:00:00:00:00:01",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.5" }],
      },
      {
        id: "p2",
        network: "lan",
        device: "vm3",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.50" }],
      },
      {
        id: "p6",
        name: "db v6",
        network: "v6",
        device: "vm3",
        fixed_ips: [{ subnet: "six", ip_address: "fd00:0:0:1::10" }],
      },
    ],
    floating_ips: [{ id: "f1", network: "ext", port: "p1", floating_ip_address: "203.0.113.50" }],
  }) as TopologyDocument;

const found = (query: string) => search(lab(), query).map((m) => `${m.id}: ${m.matched}`);

describe("search", () => {
  it("finds nothing for an empty query", () => {
    expect(search(lab(), "  ")).toEqual([]);
  });

  it("matches names case-insensitively, the exact name first, then names starting with it", () => {
    expect(found("WEB")).toEqual(["vm1: name", "vm2: name"]);
    expect(search(lab(), "web")[0]).toEqual({
      id: "vm1",
      list: "instances",
      label: "web",
      matched: "name",
      exact: true,
    });
    expect(search(lab(), "web")[1]!.exact).toBe(false);
    // The exact id first; names starting with the query above names containing it.
    expect(found("lan")).toEqual(["lan: id", "v6: name", "lan4: name"]);
  });

  it("matches ids", () => {
    expect(found("r1")).toEqual(["r1: id"]);
    expect(found("vm")).toEqual(["vm3: id", "vm1: id", "vm2: id"]);
  });

  it("finds a port by its fixed IP and selects the port, labelled by what it joins", () => {
    const [first] = search(lab(), "10.0.0.5");
    expect(first).toEqual({
      id: "p1",
      list: "ports",
      label: "web → Campus LAN",
      matched: "address 10.0.0.5",
      exact: true,
    });
  });

  it("finds the subnet an address falls in, after what holds the address", () => {
    expect(found("10.0.0.5")).toEqual([
      "p1: address 10.0.0.5",
      "lan4: CIDR 10.0.0.0/24 holds 10.0.0.5",
      "p2: address 10.0.0.50",
    ]);
    expect(found("10.0.0.77")).toEqual(["lan4: CIDR 10.0.0.0/24 holds 10.0.0.77"]);
  });

  it("finds gateways, floating IPs and routers' external gateways", () => {
    expect(found("203.0.113.1")[0]).toBe("ext4: gateway 203.0.113.1");
    expect(found("203.0.113.50")[0]).toBe("f1: floating IP 203.0.113.50");
    expect(found("203.0.113.2")[0]).toBe("r1: external gateway 203.0.113.2");
  });

  it("finds a subnet by its CIDR, and the addresses inside a CIDR", () => {
    expect(found("10.0.0.0/24")).toEqual([
      "lan4: CIDR 10.0.0.0/24",
      "p2: address 10.0.0.50",
      "p1: address 10.0.0.5",
    ]);
    expect(search(lab(), "10.0.0.0/24")[0]!.exact).toBe(true);
    expect(found("10.0.0.0/30")).toEqual(["lan4: CIDR 10.0.0.0/24"]);
    expect(search(lab(), "10.0.0.0/30")[0]!.exact).toBe(false);
  });

  it("compares IPv6 addresses by value, not by how they are written", () => {
    expect(found("FD00::1:0:0:0:10")[0]).toBe("p6: address fd00:0:0:1::10");
    expect(found("fd00:0:0:1::99")).toEqual(["six: CIDR fd00:0:0:1::/64 holds fd00:0:0:1::99"]);
  });

  it("matches part of an address as it is typed", () => {
    expect(found("203.0.113")).toEqual([
      "r1: external gateway 203.0.113.2",
      "ext4: CIDR 203.0.113.0/24",
      "f1: floating IP 203.0.113.50",
    ]);
    expect(found("00:01")).toEqual(["p1: MAC 02:00:00:00:00:01"]);
  });
});
