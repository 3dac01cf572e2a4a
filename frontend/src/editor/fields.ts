/**
 * The fields the inspector offers for each kind of element, and how a typed value becomes
 * the value sent in an `update` edit. The server stays the judge of what is valid.
 */
import { firstHost } from "../model/addresses";
import type { AnyElement, ElementListName } from "../model/operations";

export interface FieldSpec {
  name: string;
  label: string;
  /** `list`: names typed with commas between them, sent as a list. */
  type: "text" | "number" | "boolean" | "select" | "list";
  options?: readonly string[];
  /** Empty input means null (the server's default) rather than "". */
  nullable?: boolean;
}

const NAME: FieldSpec = { name: "name", label: "Name", type: "text" };
const MTU: FieldSpec = { name: "mtu", label: "MTU", type: "number", nullable: true };
const PHYSNET: FieldSpec = { name: "physical_network", label: "Physical network", type: "text" };
const NETWORK_TYPE: FieldSpec = {
  name: "network_type",
  label: "Network type",
  type: "select",
  options: ["flat", "vlan"],
};
const VLAN: FieldSpec = {
  name: "segmentation_id",
  label: "VLAN id",
  type: "number",
  nullable: true,
};
const EXTERNAL: FieldSpec = { name: "external", label: "External", type: "boolean" };
const HOSTS: FieldSpec = { name: "hosts", label: "Hosts", type: "list" };
const VNI: FieldSpec = { name: "vni", label: "VNI", type: "number", nullable: true };

const NETWORK_FIELDS: Record<string, FieldSpec[]> = {
  provider: [PHYSNET, NETWORK_TYPE, VLAN, EXTERNAL, MTU],
  routed_provider: [EXTERNAL, MTU],
  self_service: [
    VNI,
    { name: "tunnel_type", label: "Tunnel type", type: "select", options: ["vxlan", "gre"] },
    { name: "tunnels", label: "Tunnels", type: "select", options: ["static", "dynamic"] },
    MTU,
  ],
  docker_bridge: [MTU],
  docker_none: [],
  docker_host: [],
  docker_user_bridge: [
    { name: "internal", label: "Internal", type: "boolean" },
    { name: "dns", label: "DNS by name", type: "boolean" },
    MTU,
  ],
  docker_overlay: [VNI, { name: "attachable", label: "Attachable", type: "boolean" }, MTU],
  docker_macvlan: [
    { name: "parent", label: "Parent interface", type: "text", nullable: true },
    {
      name: "mode",
      label: "Mode",
      type: "select",
      options: ["bridge", "private", "vepa", "passthru"],
    },
    MTU,
  ],
};

export function fieldsFor(list: ElementListName, element: AnyElement): FieldSpec[] {
  switch (list) {
    case "networks":
      return [NAME, ...(NETWORK_FIELDS[String(element.kind)] ?? [])];
    case "subnets":
      return [
        NAME,
        { name: "cidr", label: "CIDR", type: "text" },
        { name: "gateway_ip", label: "Gateway IP", type: "text", nullable: true },
        { name: "enable_dhcp", label: "DHCP", type: "boolean" },
      ];
    case "segments":
      return [NAME, PHYSNET, NETWORK_TYPE, VLAN, HOSTS];
    case "routers":
      return [
        NAME,
        { name: "mode", label: "Mode", type: "select", options: ["legacy", "ha", "distributed"] },
        { name: "snat", label: "SNAT", type: "boolean" },
        HOSTS,
      ];
    case "instances":
      return [
        NAME,
        { name: "kind", label: "Kind", type: "select", options: ["container", "vm"] },
        { name: "image", label: "Image", type: "text" },
        { name: "host", label: "Host", type: "text", nullable: true },
      ];
    case "floating_ips":
      return [
        NAME,
        { name: "floating_ip_address", label: "Address", type: "text", nullable: true },
      ];
    case "ports":
      return [NAME, { name: "mac_address", label: "MAC address", type: "text", nullable: true }];
    case "load_balancers":
      return [
        NAME,
        { name: "vip_address", label: "VIP address", type: "text", nullable: true },
        { name: "port", label: "Port", type: "number" },
        {
          name: "algorithm",
          label: "Algorithm",
          type: "select",
          options: ["round_robin", "weighted"],
        },
        HOSTS,
      ];
  }
}

/** The value to send for what was typed, or an error message to show at once. */
export function parseInput(
  spec: FieldSpec,
  input: string | boolean,
): { value: unknown } | { error: string } {
  if (spec.type === "boolean") return { value: Boolean(input) };
  const text = String(input).trim();
  if (spec.type === "list") return { value: text.split(/[\s,]+/).filter((item) => item !== "") };
  if (text === "" && spec.nullable) return { value: null };
  if (spec.type === "number") {
    if (!/^-?\d+$/.test(text)) return { error: `${spec.label} must be a whole number.` };
    return { value: Number(text) };
  }
  return { value: text };
}

/** How a stored value shows in its input. */
export function displayValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(", ");
  return value === null || value === undefined ? "" : String(value);
}

/** The field a server error path names for the element at `list[index]`, if any. */
export function fieldOfPath(path: string, list: string, index: number): string | null {
  const prefix = `${list}[${index}].`;
  if (!path.startsWith(prefix)) return null;
  return path.slice(prefix.length).split(/[.[]/)[0] ?? null;
}

/** What else one field change implies: a subnet whose gateway was its first host keeps the
 * first host of its new CIDR as gateway. */
export function withConsequences(
  list: string,
  element: AnyElement,
  set: Record<string, unknown>,
): Record<string, unknown> {
  if (list === "subnets" && typeof set.cidr === "string" && typeof element.cidr === "string") {
    const gateway = element.gateway_ip;
    if (gateway === firstHost(element.cidr) && !("gateway_ip" in set)) {
      const next = firstHost(set.cidr);
      if (next !== null) return { ...set, gateway_ip: next };
    }
  }
  return set;
}
