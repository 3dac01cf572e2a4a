/**
 * The badges of each element on the canvas. The addresses badge: what a person looks for
 * first when reading a topology. Instances and routers list the fixed IPs of their ports (a
 * router's external gateway too) and the floating IPs mapped to them; subnets their gateway;
 * networks and segments their VLAN or VNI; floating IPs their address. The deploy badge:
 * where the latest deploy stands with the element, and whether it has drifted since. The VRRP
 * badges: which host's instance of an HA router is master and which are backups.
 */
import type { TopologyDocument } from "../generated/document";
import type { DriftReport, ElementDeployState, VrrpState } from "./events";
import type { TakenOver } from "./vrrp";

export type Badges = Record<string, string[]>;

function push(badges: Badges, id: string | null | undefined, text: string): void {
  if (typeof id !== "string") return;
  (badges[id] ??= []).push(text);
}

function segmentation(element: { segmentation_id?: unknown; vni?: unknown }): string | null {
  if (typeof element.vni === "number") return `VNI ${element.vni}`;
  if (typeof element.segmentation_id === "number") return `VLAN ${element.segmentation_id}`;
  return null;
}

/** Every element's badge lines, keyed by element id; elements with nothing to show have none. */
export function addressBadges(document: TopologyDocument): Badges {
  const badges: Badges = {};
  const deviceOfPort = new Map<string, string>();
  for (const port of document.ports ?? []) {
    if (typeof port.device === "string") deviceOfPort.set(port.id, port.device);
    for (const fixed of port.fixed_ips ?? []) {
      if (fixed.ip_address) push(badges, port.device, fixed.ip_address);
    }
  }
  for (const router of document.routers ?? []) {
    for (const fixed of router.external_gateway?.fixed_ips ?? []) {
      if (fixed.ip_address) push(badges, router.id, `gw ${fixed.ip_address}`);
    }
  }
  for (const fip of document.floating_ips ?? []) {
    const address = fip.floating_ip_address;
    if (!address) continue;
    push(badges, fip.id, address);
    if (typeof fip.port === "string") push(badges, deviceOfPort.get(fip.port), `fip ${address}`);
  }
  for (const subnet of document.subnets ?? []) {
    if (subnet.gateway_ip) push(badges, subnet.id, `gw ${subnet.gateway_ip}`);
  }
  for (const network of document.networks ?? []) {
    const text = segmentation(network as { segmentation_id?: unknown; vni?: unknown });
    if (text) push(badges, network.id, text);
  }
  for (const segment of document.segments ?? []) {
    const text = segmentation(segment);
    if (text) push(badges, segment.id, text);
    if (segment.hosts?.length) push(badges, segment.id, `hosts ${segment.hosts.join(", ")}`);
  }
  return badges;
}

/** The deploy badge of an element: where the latest attempt stands with it, or, once it is
 * up, how it has drifted since (`missing`: nothing of it is left on the hosts; `drifted`:
 * some of it is missing, changed or unexpected). */
export type DeployBadge = ElementDeployState | "drifted" | "missing";

/** Each element's deploy badge, keyed by element id. Ports are drawn as edges: a port's drift
 * shows on its device, as drifted (the device itself may be whole). */
export function deployBadges(
  document: TopologyDocument,
  elements: Readonly<Record<string, ElementDeployState>>,
  drift: Pick<DriftReport, "elements"> | null,
): Record<string, DeployBadge> {
  const badges: Record<string, DeployBadge> = { ...elements };
  if (drift === null) return badges;
  const deviceOfPort = new Map<string, string>();
  for (const port of document.ports ?? []) {
    if (typeof port.device === "string") deviceOfPort.set(port.id, port.device);
  }
  // Where an attempt is still at work on an element, or failed it, that says more.
  const settled = (id: string) => badges[id] === undefined || badges[id] === "up";
  const changes = Object.entries(drift.elements);
  for (const [id, change] of changes) {
    if (settled(id)) badges[id] = change === "missing" ? "missing" : "drifted";
  }
  for (const [id] of changes) {
    const device = deviceOfPort.get(id);
    if (device !== undefined && settled(device)) badges[device] = "drifted";
  }
  return badges;
}

/** One instance of an HA router on the canvas: its host, its VRRP state, and whether it is a
 * master another instance took over from, silent since. */
export interface VrrpBadge {
  host: string;
  state: VrrpState;
  takenOver: boolean;
}

function rank(badge: VrrpBadge): number {
  if (badge.takenOver) return 2;
  return { master: 0, backup: 1, fault: 3, stop: 4 }[badge.state];
}

/** Each HA router's instances, keyed by router id: the master first, then the backups, then
 * masters taken over, then those in fault or stopped, each group by host name. */
export function vrrpBadges(
  states: Readonly<Record<string, Readonly<Record<string, VrrpState>>>>,
  over: Readonly<TakenOver> = {},
): Record<string, VrrpBadge[]> {
  const badges: Record<string, VrrpBadge[]> = {};
  for (const [router, hosts] of Object.entries(states)) {
    badges[router] = Object.entries(hosts)
      .map(([host, state]) => ({ host, state, takenOver: over[router]?.[host] !== undefined }))
      .sort((a, b) => rank(a) - rank(b) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }
  return badges;
}

/** A load balancer member's health on the canvas: `instance:port`, up or down. */
export interface MemberBadge {
  member: string;
  state: "up" | "down";
}

/** Each load balancer's members, keyed by load balancer id, in the order the design lists
 * them: the state its checker last reported, or up when it never reported a change (a
 * checker starts every member up). Only deployed load balancers with members have any. */
export function memberBadges(
  balancers: readonly { id: string; members?: readonly { instance: string; port: number }[] }[],
  health: Readonly<Record<string, Readonly<Record<string, { state: "up" | "down" }>>>>,
  deployed: ReadonlySet<string>,
): Record<string, MemberBadge[]> {
  const badges: Record<string, MemberBadge[]> = {};
  for (const balancer of balancers) {
    if (!deployed.has(balancer.id) || !balancer.members?.length) continue;
    badges[balancer.id] = balancer.members.map(({ instance, port }) => {
      const member = `${instance}:${port}`;
      return { member, state: health[balancer.id]?.[member]?.state ?? "up" };
    });
  }
  return badges;
}
