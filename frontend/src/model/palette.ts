/**
 * The element kinds a person can add from the palette, and the edit that adds one: an `add`
 * with sensible defaults and a `move` to where it was dropped. Elements that belong to
 * another (a subnet to a network, a segment to a routed provider network, a floating IP to an
 * external network, a load balancer's VIP to a subnet) go to the selected one if it fits, otherwise to the nearest that does.
 */
import type { Position, TopologyDocument } from "../generated/document";
import { firstHost, freeCidr } from "./addresses";
import { newId } from "./ids";
import {
  elementsOf,
  findElement,
  type AnyElement,
  type ElementListName,
  type Operation,
} from "./operations";

export type PaletteKind =
  | "provider"
  | "routed_provider"
  | "self_service"
  | "docker_bridge"
  | "docker_none"
  | "docker_host"
  | "docker_user_bridge"
  | "docker_overlay"
  | "docker_macvlan"
  | "segment"
  | "subnet"
  | "router"
  | "instance"
  | "floating_ip"
  | "load_balancer";

export interface PaletteItem {
  kind: PaletteKind;
  label: string;
  list: ElementListName;
  prefix: string;
}

export const PALETTE: readonly PaletteItem[] = [
  { kind: "provider", label: "Provider network", list: "networks", prefix: "net" },
  { kind: "routed_provider", label: "Routed provider network", list: "networks", prefix: "net" },
  { kind: "self_service", label: "Self-service network", list: "networks", prefix: "net" },
  { kind: "docker_bridge", label: "Docker bridge network", list: "networks", prefix: "net" },
  { kind: "docker_none", label: "Docker none network", list: "networks", prefix: "net" },
  { kind: "docker_host", label: "Docker host network", list: "networks", prefix: "net" },
  {
    kind: "docker_user_bridge",
    label: "Docker user-defined bridge",
    list: "networks",
    prefix: "net",
  },
  { kind: "docker_overlay", label: "Docker overlay network", list: "networks", prefix: "net" },
  { kind: "docker_macvlan", label: "Docker macvlan network", list: "networks", prefix: "net" },
  { kind: "segment", label: "Segment", list: "segments", prefix: "seg" },
  { kind: "subnet", label: "Subnet", list: "subnets", prefix: "sub" },
  { kind: "router", label: "Router", list: "routers", prefix: "rtr" },
  { kind: "instance", label: "Instance", list: "instances", prefix: "vm" },
  { kind: "floating_ip", label: "Floating IP", list: "floating_ips", prefix: "fip" },
  { kind: "load_balancer", label: "Load balancer", list: "load_balancers", prefix: "lb" },
];

/** Network kinds that carry no subnets of their own. */
export const SUBNETLESS_KINDS = new Set(["docker_none", "docker_host"]);

export type Outcome = { ops: Operation[]; id: string } | { refused: string };

export interface Placement {
  at: Position;
  selection: readonly string[];
  /** Where each element is drawn, to find the nearest parent. */
  positions: Readonly<Record<string, Position>>;
}

const NETWORK_DEFAULTS: Record<string, Record<string, unknown>> = {
  provider: { physical_network: "physnet1", network_type: "flat", external: true },
  routed_provider: { external: false },
  self_service: { tunnel_type: "vxlan", tunnels: "dynamic" },
  docker_user_bridge: { dns: true, internal: false },
  docker_overlay: { attachable: true },
  docker_macvlan: { mode: "bridge" },
};

export function addFromPalette(
  document: TopologyDocument,
  kind: PaletteKind,
  placement: Placement,
): Outcome {
  const item = PALETTE.find((candidate) => candidate.kind === kind);
  if (item === undefined) return { refused: `Unknown kind ${kind}.` };
  const id = newId(item.prefix, (candidate) => findElement(document, candidate) !== undefined);
  const name = nextName(document, item);
  let element: AnyElement;
  if (item.list === "networks") {
    element = { id, name, kind, ...(NETWORK_DEFAULTS[kind] ?? {}) };
  } else if (kind === "subnet") {
    const network = parentFor(
      document,
      placement,
      (e) => isNetwork(e) && !SUBNETLESS_KINDS.has(String(e.kind)),
    );
    if (network === undefined) return { refused: "Add a network first: a subnet belongs to one." };
    const cidr = freeCidr(elementsOf(document, "subnets").map((s) => String(s.cidr)));
    element = {
      id,
      name,
      network: network.id,
      cidr,
      gateway_ip: firstHost(cidr),
      enable_dhcp: true,
    };
  } else if (kind === "segment") {
    const network = parentFor(
      document,
      placement,
      (e) => isNetwork(e) && e.kind === "routed_provider",
    );
    if (network === undefined) {
      return { refused: "Add a routed provider network first: a segment belongs to one." };
    }
    element = { id, name, network: network.id, physical_network: "physnet1", network_type: "vlan" };
  } else if (kind === "floating_ip") {
    const network = parentFor(document, placement, (e) => isNetwork(e) && e.external === true);
    if (network === undefined) {
      return { refused: "Add an external network first: a floating IP is an address on one." };
    }
    element = { id, name, network: network.id, port: null };
  } else if (kind === "load_balancer") {
    const subnet = parentFor(document, placement, () => true, "subnets");
    if (subnet === undefined) {
      return { refused: "Add a subnet first: a load balancer's VIP is an address on one." };
    }
    element = { id, name, subnet: subnet.id, port: 80, algorithm: "round_robin", members: [] };
  } else if (kind === "router") {
    element = { id, name, mode: "legacy" };
  } else {
    element = { id, name, kind: "container" };
  }
  return {
    id,
    ops: [
      { op: "add", list: item.list, element },
      {
        op: "move",
        positions: { [id]: { x: Math.round(placement.at.x), y: Math.round(placement.at.y) } },
      },
    ],
  };
}

function isNetwork(element: AnyElement): boolean {
  return (
    typeof element.kind === "string" &&
    PALETTE.some((p) => p.list === "networks" && p.kind === element.kind)
  );
}

/** The selected element that fits, else the one drawn nearest to the drop. */
function parentFor(
  document: TopologyDocument,
  placement: Placement,
  fits: (element: AnyElement) => boolean,
  list: ElementListName = "networks",
): AnyElement | undefined {
  const candidates = elementsOf(document, list).filter(fits);
  const selected = candidates.find((candidate) => placement.selection.includes(candidate.id));
  if (selected !== undefined) return selected;
  let best: AnyElement | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const spot = placement.positions[candidate.id] ?? { x: 0, y: 0 };
    const distance = Math.hypot(spot.x - placement.at.x, spot.y - placement.at.y);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "Subnet 3": the kind's label and the first number not already used in a name. */
function nextName(document: TopologyDocument, item: PaletteItem): string {
  const names = new Set(elementsOf(document, item.list).map((element) => element.name));
  const base = item.label.replace(/ network$/, "");
  for (let n = 1; ; n += 1) {
    if (!names.has(`${base} ${n}`)) return `${base} ${n}`;
  }
}
