/**
 * The printable report's content, from the document and the validation result: where it is,
 * one table per kind of element with what a reader checks first (kinds, VLANs and VNIs, CIDRs,
 * gateways, router modes, where each instance runs and its addresses, floating IPs), and the
 * findings summed up by severity. Pure, so the page only lays it out.
 */
import type { TopologyDocument } from "../generated/document";
import type { Finding } from "../model/events";

export function reportUrl(topologyId: number, share?: string): string {
  const query = share ? `?share=${encodeURIComponent(share)}` : "";
  return `/app/topologies/${topologyId}/report/${query}`;
}

export function topologyUrl(topologyId: number, share?: string): string {
  const query = share ? `?share=${encodeURIComponent(share)}` : "";
  return `/app/topologies/${topologyId}/${query}`;
}

/** One table of the inventory: its heading, its columns and a row of texts per element. */
export interface InventoryTable {
  title: string;
  columns: readonly string[];
  rows: string[][];
}

type Loose = Record<string, unknown> & { id: string };

function list(document: TopologyDocument, name: keyof TopologyDocument): Loose[] {
  const items = document[name];
  return Array.isArray(items) ? (items as Loose[]) : [];
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

function nameOf(element: Loose | undefined, fallback = "—"): string {
  if (element === undefined) return fallback;
  return typeof element.name === "string" && element.name !== "" ? element.name : element.id;
}

function ipsOf(element: Record<string, unknown>): string[] {
  const fixed = Array.isArray(element.fixed_ips) ? element.fixed_ips : [];
  return fixed
    .map((ip: { ip_address?: unknown } | null) => ip?.ip_address)
    .filter((ip): ip is string => typeof ip === "string" && ip !== "");
}

function words(value: unknown): string {
  return typeof value === "string" ? value.replace(/_/g, " ") : text(value);
}

function segmentation(element: Loose): string {
  if (typeof element.vni === "number") return `VNI ${element.vni}`;
  if (typeof element.segmentation_id === "number") return `VLAN ${element.segmentation_id}`;
  return "—";
}

/** The tables of the report, in reading order; kinds the topology has none of are left out. */
export function inventoryOf(document: TopologyDocument): InventoryTable[] {
  const byId = new Map<string, Loose>();
  for (const name of [
    "networks",
    "segments",
    "subnets",
    "routers",
    "instances",
    "ports",
    "floating_ips",
  ] as const) {
    for (const element of list(document, name)) byId.set(element.id, element);
  }
  const ports = list(document, "ports");
  const portsOf = (device: string) => ports.filter((port) => port.device === device);
  const floatingOf = (device: string) =>
    list(document, "floating_ips")
      .filter((fip) => typeof fip.port === "string" && byId.get(fip.port)?.device === device)
      .map((fip) => fip.floating_ip_address)
      .filter((address): address is string => typeof address === "string");

  const networks: InventoryTable = {
    title: "Networks",
    columns: ["Name", "Kind", "VLAN / VNI", "Physical network", "External"],
    rows: [
      ...list(document, "networks").map((network) => [
        nameOf(network),
        words(network.kind),
        segmentation(network),
        text(network.physical_network),
        text(network.external ?? false),
      ]),
      ...list(document, "segments").map((segment) => [
        nameOf(segment),
        `segment of ${nameOf(byId.get(String(segment.network)), text(segment.network))}`,
        segmentation(segment),
        text(segment.physical_network),
        "—",
      ]),
    ],
  };
  const subnets: InventoryTable = {
    title: "Subnets",
    columns: ["Name", "Network", "CIDR", "Gateway", "DHCP"],
    rows: list(document, "subnets").map((subnet) => [
      nameOf(subnet),
      nameOf(byId.get(String(subnet.network)), text(subnet.network)),
      text(subnet.cidr),
      text(subnet.gateway_ip),
      text(subnet.enable_dhcp ?? true),
    ]),
  };
  const routers: InventoryTable = {
    title: "Routers",
    columns: ["Name", "Mode", "Hosts", "External gateway", "Interfaces"],
    rows: list(document, "routers").map((router) => {
      const gateway = (router.external_gateway ?? null) as Loose | null;
      const hosts = Array.isArray(router.hosts) ? (router.hosts as string[]) : [];
      return [
        nameOf(router),
        words(router.mode ?? "legacy"),
        hosts.length > 0 ? hosts.join(", ") : "—",
        gateway
          ? [nameOf(byId.get(String(gateway.network)), text(gateway.network)), ...ipsOf(gateway)]
              .join(" ")
              .trim()
          : "—",
        portsOf(router.id)
          .map((port) => `${nameOf(port)} ${ipsOf(port).join(", ")}`.trim())
          .join("; ") || "—",
      ];
    }),
  };
  const instances: InventoryTable = {
    title: "Instances",
    columns: ["Name", "Kind", "Host", "Addresses", "Floating IPs"],
    rows: list(document, "instances").map((instance) => [
      nameOf(instance),
      text(instance.kind),
      text(instance.host),
      portsOf(instance.id).flatMap(ipsOf).join(", ") || "—",
      floatingOf(instance.id).join(", ") || "—",
    ]),
  };
  const hostRows = new Map<string, string[]>();
  for (const instance of list(document, "instances")) {
    if (typeof instance.host !== "string" || instance.host === "") continue;
    const interfaces = portsOf(instance.id).map((port) => {
      const network = nameOf(byId.get(String(port.network)), text(port.network));
      return `${nameOf(port)} (${[network, ...ipsOf(port)].join(" ")})`;
    });
    (hostRows.get(instance.host) ?? hostRows.set(instance.host, []).get(instance.host)!).push(
      `${nameOf(instance)}: ${interfaces.join(", ") || "no interfaces"}`,
    );
  }
  for (const router of list(document, "routers")) {
    for (const host of Array.isArray(router.hosts) ? (router.hosts as string[]) : []) {
      (hostRows.get(host) ?? hostRows.set(host, []).get(host)!).push(
        `router ${nameOf(router)}${router.mode === "ha" ? " (HA instance)" : ""}`,
      );
    }
  }
  const hosts: InventoryTable = {
    title: "Hosts and interfaces",
    columns: ["Host", "Runs"],
    rows: [...hostRows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([host, runs]) => [host, runs.join("; ")]),
  };
  const floating: InventoryTable = {
    title: "Floating IPs",
    columns: ["Name", "Address", "Network", "Mapped to"],
    rows: list(document, "floating_ips").map((fip) => {
      const port = typeof fip.port === "string" ? byId.get(fip.port) : undefined;
      const device = port ? byId.get(String(port.device)) : undefined;
      return [
        nameOf(fip),
        text(fip.floating_ip_address),
        nameOf(byId.get(String(fip.network)), text(fip.network)),
        port
          ? `${nameOf(device, text(port.device))} (${ipsOf(port).join(", ") || nameOf(port)})`
          : "—",
      ];
    }),
  };
  return [networks, subnets, routers, instances, hosts, floating].filter(
    (table) => table.rows.length > 0,
  );
}

export interface ValidationSummary {
  counts: { error: number; warning: number; info: number };
  /** The errors, then the warnings: what a reader must act on. */
  messages: { severity: "error" | "warning"; message: string }[];
  deployable: boolean;
}

export function validationSummary(findings: readonly Finding[]): ValidationSummary {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  const messages = (["error", "warning"] as const).flatMap((severity) =>
    findings
      .filter((finding) => finding.severity === severity)
      .map((finding) => ({ severity, message: finding.message })),
  );
  return { counts, messages, deployable: counts.error === 0 };
}
