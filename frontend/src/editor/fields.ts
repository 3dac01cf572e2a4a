/**
 * The fields the inspector offers for each kind of element, and how a typed value becomes
 * the value sent in an `update` edit. The server stays the judge of what is valid.
 */
import { firstHost } from "../model/addresses";
import type { AnyElement, ElementListName } from "../model/operations";

export interface FieldSpec {
  name: string;
  label: string;
  /**
   * `list`: names typed with commas between them, sent as a list. `decimal`: a number that may
   * have a fraction. `pairs`: `host=priority, ...`, sent as an object of whole numbers.
   * `published`: Docker's `[host_ip:]host_port:container_port[/protocol], ...`. `pools`:
   * `first-last, ...` address ranges. `routes`: `destination via nexthop, ...`, as `ip route`
   * writes them. `fixed_ips`: `subnet=address, ...`, or a subnet alone for an allocated one.
   */
  type:
    | "text"
    | "number"
    | "decimal"
    | "boolean"
    | "select"
    | "list"
    | "pairs"
    | "published"
    | "pools"
    | "routes"
    | "fixed_ips";
  options?: readonly string[];
  /** Empty input means null (the server's default) rather than "". */
  nullable?: boolean;
  /** The object field this one sits in (`vrrp`): a change sends that object whole. */
  parent?: string;
}

/** How a field is named in a path: `vrrp.priorities`, or `name`. */
export function fieldKey(spec: FieldSpec): string {
  return spec.parent === undefined ? spec.name : `${spec.parent}.${spec.name}`;
}

/** The field's stored value in `element`. */
export function valueOf(spec: FieldSpec, element: AnyElement): unknown {
  if (spec.parent === undefined) return element[spec.name];
  const parent = element[spec.parent];
  return typeof parent === "object" && parent !== null
    ? (parent as Record<string, unknown>)[spec.name]
    : undefined;
}

/** The `set` of the update that gives the field `value`. */
export function setOf(
  spec: FieldSpec,
  element: AnyElement,
  value: unknown,
): Record<string, unknown> {
  if (spec.parent === undefined) return { [spec.name]: value };
  const parent = element[spec.parent];
  const current = typeof parent === "object" && parent !== null ? parent : {};
  return { [spec.parent]: { ...current, [spec.name]: value } };
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

/** The addresses of a router's external gateway (a line to an external network makes one). */
const GATEWAY_IPS: FieldSpec = {
  parent: "external_gateway",
  name: "fixed_ips",
  label: "Gateway fixed IPs (subnet=address)",
  type: "fixed_ips",
};

/** An HA router's keepalived settings. */
const VRRP_FIELDS: FieldSpec[] = [
  { parent: "vrrp", name: "advert_interval", label: "VRRP advert interval (s)", type: "decimal" },
  { parent: "vrrp", name: "priorities", label: "VRRP priorities (host=priority)", type: "pairs" },
  { parent: "vrrp", name: "nopreempt", label: "No preemption", type: "boolean" },
  { parent: "vrrp", name: "vrrp_id", label: "VRRP id", type: "number", nullable: true },
];

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
        { name: "allocation_pools", label: "Allocation pools (first-last)", type: "pools" },
        { name: "dns_nameservers", label: "DNS servers", type: "list" },
      ];
    case "segments":
      return [NAME, PHYSNET, NETWORK_TYPE, VLAN, HOSTS];
    case "routers":
      return [
        NAME,
        { name: "mode", label: "Mode", type: "select", options: ["legacy", "ha", "distributed"] },
        { name: "snat", label: "SNAT", type: "boolean" },
        HOSTS,
        { name: "routes", label: "Static routes (destination via nexthop)", type: "routes" },
        ...(typeof element.external_gateway === "object" && element.external_gateway !== null
          ? [GATEWAY_IPS]
          : []),
        ...(element.mode === "ha" ? VRRP_FIELDS : []),
      ];
    case "instances":
      return [
        NAME,
        { name: "kind", label: "Kind", type: "select", options: ["container", "vm"] },
        { name: "image", label: "Image", type: "text" },
        { name: "host", label: "Host", type: "text", nullable: true },
        {
          name: "published_ports",
          label: "Published ports (host:container/protocol)",
          type: "published",
        },
        { name: "l2_bridge", label: "Bridges its ports (layer 2)", type: "boolean" },
      ];
    case "floating_ips":
      return [
        NAME,
        { name: "floating_ip_address", label: "Address", type: "text", nullable: true },
      ];
    case "ports":
      return [
        NAME,
        { name: "fixed_ips", label: "Fixed IPs (subnet=address)", type: "fixed_ips" },
        { name: "mac_address", label: "MAC address", type: "text", nullable: true },
      ];
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

type Parsed = { value: unknown } | { error: string };

/** Items typed with commas (or spaces, unless items hold them) between them. */
function items(text: string, commasOnly = false): string[] {
  return text
    .split(commasOnly ? "," : /[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A list of records typed as text, one item each: how an item reads and is written back. */
interface ListFormat {
  /** The record an item says, or null when it is not one. */
  read: (item: string) => Record<string, unknown> | null;
  /** A stored record, written the way `read` reads it. */
  write: (item: Record<string, unknown>) => string;
  /** What to write, with an example, for the error about an item that does not read. */
  how: string;
  /** Items hold spaces: only commas part them. */
  commasOnly?: boolean;
}

function matched(pattern: RegExp, read: (m: RegExpExecArray) => Record<string, unknown>) {
  return (item: string) => {
    const m = pattern.exec(item);
    return m === null ? null : read(m);
  };
}

const LIST_FORMATS: Partial<Record<FieldSpec["type"], ListFormat>> = {
  published: {
    read: matched(/^(?:(.+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/, (m) => ({
      host_port: Number(m[2]),
      container_port: Number(m[3]),
      protocol: m[4] ?? "tcp",
      ...(m[1] ? { host_ip: m[1] } : {}),
    })),
    write: (item) => {
      const host = typeof item.host_ip === "string" ? `${item.host_ip}:` : "";
      const protocol = item.protocol === "udp" ? "/udp" : "";
      return `${host}${String(item.host_port)}:${String(item.container_port)}${protocol}`;
    },
    how: "host_port:container_port, like 8080:80 or 53:53/udp",
  },
  pools: {
    read: matched(/^([^-]+)-([^-]+)$/, (m) => ({ start: m[1], end: m[2] })),
    write: (item) => `${String(item.start)}-${String(item.end)}`,
    how: "first-last, like 10.0.0.10-10.0.0.200",
  },
  fixed_ips: {
    read: matched(/^([^=]+)(?:=(.+))?$/, (m) => ({ subnet: m[1], ip_address: m[2] ?? null })),
    write: (item) =>
      typeof item.ip_address === "string"
        ? `${String(item.subnet)}=${item.ip_address}`
        : String(item.subnet),
    how: "subnet=address, like web-v4=10.0.1.10, or the subnet alone for any free address",
  },
  routes: {
    read: matched(/^(\S+)\s+via\s+(\S+)$/, (m) => ({ destination: m[1], nexthop: m[2] })),
    write: (item) => `${String(item.destination)} via ${String(item.nexthop)}`,
    how: "destination via nexthop, like 192.168.0.0/16 via 10.0.0.254",
    commasOnly: true,
  },
};

/** Each item as `format` reads it, or an error naming the first item it cannot. */
function eachOf(text: string, format: ListFormat): Parsed {
  const values: unknown[] = [];
  for (const item of items(text, format.commasOnly)) {
    const value = format.read(item);
    if (value === null) return { error: `'${item}' cannot be read: write ${format.how}.` };
    values.push(value);
  }
  return { value: values };
}

const PAIR = /^([^=]+)=(\d+)$/;

/** The value to send for what was typed, or an error message to show at once. */
export function parseInput(spec: FieldSpec, input: string | boolean): Parsed {
  if (spec.type === "boolean") return { value: Boolean(input) };
  const text = String(input).trim();
  const format = LIST_FORMATS[spec.type];
  if (format !== undefined) return eachOf(text, format);
  if (spec.type === "list") return { value: items(text) };
  if (spec.type === "pairs") {
    const pairs: Record<string, number> = {};
    for (const item of items(text)) {
      const m = PAIR.exec(item);
      if (m === null) {
        return { error: `'${item}' cannot be read: write host=priority, like network-1=200.` };
      }
      pairs[m[1]!] = Number(m[2]);
    }
    return { value: pairs };
  }
  if (text === "" && spec.nullable) return { value: null };
  if (spec.type === "number") {
    if (!/^-?\d+$/.test(text)) return { error: `${spec.label} must be a whole number.` };
    return { value: Number(text) };
  }
  if (spec.type === "decimal") {
    if (!/^\d+(\.\d+)?$/.test(text)) return { error: `${spec.label} must be a number like 0.5.` };
    return { value: Number(text) };
  }
  return { value: text };
}

/** Whether a typed value is the stored one: key order aside, and a field left out the same
 * as null (the server stores every field, its defaults included). */
export function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const one = a as Record<string, unknown>;
  const other = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(one), ...Object.keys(other)]);
  return [...keys].every((key) => sameValue(one[key], other[key]));
}

/** How a stored value shows in its input. */
export function displayValue(value: unknown, type: FieldSpec["type"] = "text"): string {
  if (value === null || value === undefined) return "";
  if (type === "pairs" && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${key}=${String(item)}`)
      .join(", ");
  }
  if (Array.isArray(value)) {
    const format = LIST_FORMATS[type];
    const write = (item: unknown) =>
      format !== undefined && typeof item === "object" && item !== null
        ? format.write(item as Record<string, unknown>)
        : String(item);
    return value.map(write).join(", ");
  }
  return String(value);
}

/** Whether a server error path is about the field `key` of the element at `list[index]`. */
export function pathIsAbout(path: string, list: string, index: number, key: string): boolean {
  const prefix = `${list}[${index}].${key}`;
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
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
