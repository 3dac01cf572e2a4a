// The inspector's fields: what typed text becomes, which field a server error names, and
// what a CIDR change implies for the gateway.
import { describe, expect, it } from "vitest";
import {
  displayValue,
  fieldKey,
  fieldsFor,
  parseInput,
  pathIsAbout,
  sameValue,
  setOf,
  valueOf,
  withConsequences,
  type FieldSpec,
} from "../src/editor/fields";

describe("inspector fields", () => {
  it("offers each kind's main fields", () => {
    const names = (list: Parameters<typeof fieldsFor>[0], element: { id: string; kind?: string }) =>
      fieldsFor(list, element).map((f) => f.name);
    expect(names("subnets", { id: "s" })).toEqual([
      "name",
      "cidr",
      "gateway_ip",
      "enable_dhcp",
      "allocation_pools",
      "dns_nameservers",
    ]);
    expect(names("networks", { id: "n", kind: "provider" })).toContain("segmentation_id");
    expect(names("networks", { id: "n", kind: "self_service" })).toContain("vni");
    expect(names("networks", { id: "n", kind: "docker_macvlan" })).toContain("mode");
  });

  it("turns typed text into values, refusing what cannot be a number", () => {
    const vlan = {
      name: "segmentation_id",
      label: "VLAN id",
      type: "number",
      nullable: true,
    } as const;
    expect(parseInput(vlan, " 42 ")).toEqual({ value: 42 });
    expect(parseInput(vlan, "")).toEqual({ value: null });
    expect(parseInput(vlan, "4x")).toEqual({ error: "VLAN id must be a whole number." });
    const hosts = { name: "hosts", label: "Hosts", type: "list" } as const;
    expect(parseInput(hosts, " compute-1, compute-2 compute-3,")).toEqual({
      value: ["compute-1", "compute-2", "compute-3"],
    });
    expect(parseInput(hosts, "")).toEqual({ value: [] });
    expect(displayValue(["compute-1", "compute-2"])).toBe("compute-1, compute-2");
  });

  it("offers a router's gateway addresses once it has a gateway, and keeps its network", () => {
    expect(fieldsFor("routers", { id: "r", external_gateway: null }).map(fieldKey)).not.toContain(
      "external_gateway.fixed_ips",
    );
    const router = { id: "r", external_gateway: { network: "public", fixed_ips: [] } };
    const spec = fieldsFor("routers", router).find(
      (candidate) => fieldKey(candidate) === "external_gateway.fixed_ips",
    )!;
    const parsed = parseInput(spec, "public-v4=203.0.113.10");
    expect(parsed).toEqual({ value: [{ subnet: "public-v4", ip_address: "203.0.113.10" }] });
    expect(setOf(spec, router, (parsed as { value: unknown }).value)).toEqual({
      external_gateway: {
        network: "public",
        fixed_ips: [{ subnet: "public-v4", ip_address: "203.0.113.10" }],
      },
    });
  });

  it("takes a value typed again as the stored one, whatever its key order and nulls", () => {
    const stored = [{ host_port: 8080, container_port: 80, protocol: "tcp", host_ip: null }];
    expect(sameValue([{ protocol: "tcp", container_port: 80, host_port: 8080 }], stored)).toBe(
      true,
    );
    expect(sameValue([{ host_port: 8081, container_port: 80, protocol: "tcp" }], stored)).toBe(
      false,
    );
    expect(sameValue([], stored)).toBe(false);
    expect(sameValue({ "network-1": 200 }, { "network-1": 200 })).toBe(true);
    expect(sameValue("", null)).toBe(false);
    expect(sameValue(null, undefined)).toBe(true);
  });

  it("tells a server error path about the element's field from the others", () => {
    expect(pathIsAbout("subnets[2].cidr", "subnets", 2, "cidr")).toBe(true);
    const pool = "subnets[2].allocation_pools[0].start";
    expect(pathIsAbout(pool, "subnets", 2, "allocation_pools")).toBe(true);
    expect(pathIsAbout("subnets[1].cidr", "subnets", 2, "cidr")).toBe(false);
    expect(pathIsAbout("subnets[2].cidr_note", "subnets", 2, "cidr")).toBe(false);
    const priority = "routers[0].vrrp.priorities.network-1";
    expect(pathIsAbout(priority, "routers", 0, "vrrp.priorities")).toBe(true);
    expect(pathIsAbout(priority, "routers", 0, "vrrp.nopreempt")).toBe(false);
  });

  it("offers an HA router's VRRP settings, and changes one inside the whole object", () => {
    const legacy = { id: "r", mode: "legacy" };
    expect(fieldsFor("routers", legacy).some((spec) => spec.parent === "vrrp")).toBe(false);
    const router = {
      id: "r",
      mode: "ha",
      vrrp: { vrrp_id: null, advert_interval: 1, nopreempt: false, priorities: {} },
    };
    const specs = fieldsFor("routers", router).filter((spec) => spec.parent === "vrrp");
    expect(specs.map(fieldKey)).toEqual([
      "vrrp.advert_interval",
      "vrrp.priorities",
      "vrrp.nopreempt",
      "vrrp.vrrp_id",
    ]);
    const nopreempt = specs.find((spec) => spec.name === "nopreempt")!;
    expect(valueOf(nopreempt, router)).toBe(false);
    expect(setOf(nopreempt, router, true)).toEqual({ vrrp: { ...router.vrrp, nopreempt: true } });
    const interval = specs.find((spec) => spec.name === "advert_interval")!;
    expect(parseInput(interval, "0.1")).toEqual({ value: 0.1 });
    expect(parseInput(interval, "fast")).toEqual({
      error: "VRRP advert interval (s) must be a number like 0.5.",
    });
  });

  it("reads and writes priorities, ports, pools, routes and fixed IPs as people type them", () => {
    const cases: [FieldSpec["type"], string, unknown][] = [
      ["pairs", "network-1=200, network-2=100", { "network-1": 200, "network-2": 100 }],
      [
        "published",
        "8080:80, 53:53/udp, 127.0.0.1:8443:443",
        [
          { host_port: 8080, container_port: 80, protocol: "tcp" },
          { host_port: 53, container_port: 53, protocol: "udp" },
          { host_port: 8443, container_port: 443, protocol: "tcp", host_ip: "127.0.0.1" },
        ],
      ],
      [
        "pools",
        "10.0.0.10-10.0.0.100, 2001:db8::10-2001:db8::ff",
        [
          { start: "10.0.0.10", end: "10.0.0.100" },
          { start: "2001:db8::10", end: "2001:db8::ff" },
        ],
      ],
      [
        "routes",
        "192.168.0.0/16 via 10.0.0.254, 0.0.0.0/0 via 10.0.0.1",
        [
          { destination: "192.168.0.0/16", nexthop: "10.0.0.254" },
          { destination: "0.0.0.0/0", nexthop: "10.0.0.1" },
        ],
      ],
      [
        "fixed_ips",
        "web-v4=10.0.1.10, web-v6",
        [
          { subnet: "web-v4", ip_address: "10.0.1.10" },
          { subnet: "web-v6", ip_address: null },
        ],
      ],
    ];
    for (const [type, text, value] of cases) {
      const spec = { name: "f", label: "F", type };
      expect(parseInput(spec, text)).toEqual({ value });
      // Shown the way it was typed, so it reads back the same.
      expect(parseInput(spec, displayValue(value, type))).toEqual({ value });
      expect(parseInput(spec, "")).toEqual({ value: type === "pairs" ? {} : [] });
    }
    expect(
      displayValue([{ host_port: 8080, container_port: 80, protocol: "tcp" }], "published"),
    ).toBe("8080:80");
    expect(parseInput({ name: "f", label: "F", type: "pairs" }, "network-1:200")).toEqual({
      error: "'network-1:200' cannot be read: write host=priority, like network-1=200.",
    });
    expect(parseInput({ name: "f", label: "F", type: "routes" }, "10.1.0.0/16 10.0.0.9")).toEqual({
      error:
        "'10.1.0.0/16 10.0.0.9' cannot be read: write destination via nexthop, like " +
        "192.168.0.0/16 via 10.0.0.254.",
    });
    expect(parseInput({ name: "f", label: "F", type: "published" }, "80")).toEqual({
      error: "'80' cannot be read: write host_port:container_port, like 8080:80 or 53:53/udp.",
    });
  });

  it("moves a first-host gateway with the CIDR, and leaves a chosen one", () => {
    const subnet = { id: "s", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" };
    expect(withConsequences("subnets", subnet, { cidr: "10.0.7.0/24" })).toEqual({
      cidr: "10.0.7.0/24",
      gateway_ip: "10.0.7.1",
    });
    expect(
      withConsequences("subnets", { ...subnet, gateway_ip: "10.0.0.254" }, { cidr: "10.0.7.0/24" }),
    ).toEqual({
      cidr: "10.0.7.0/24",
    });
  });
});
