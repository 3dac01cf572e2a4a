// The inspector's fields: what typed text becomes, which field a server error names, and
// what a CIDR change implies for the gateway.
import { describe, expect, it } from "vitest";
import {
  displayValue,
  fieldOfPath,
  fieldsFor,
  parseInput,
  withConsequences,
} from "../src/editor/fields";

describe("inspector fields", () => {
  it("offers each kind's main fields", () => {
    const names = (list: Parameters<typeof fieldsFor>[0], element: { id: string; kind?: string }) =>
      fieldsFor(list, element).map((f) => f.name);
    expect(names("subnets", { id: "s" })).toEqual(["name", "cidr", "gateway_ip", "enable_dhcp"]);
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

  it("reads the field from a server error path about the element", () => {
    expect(fieldOfPath("subnets[2].cidr", "subnets", 2)).toBe("cidr");
    expect(fieldOfPath("subnets[2].allocation_pools[0].start", "subnets", 2)).toBe(
      "allocation_pools",
    );
    expect(fieldOfPath("subnets[1].cidr", "subnets", 2)).toBeNull();
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
