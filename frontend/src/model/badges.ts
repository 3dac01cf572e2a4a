/**
 * The addresses badge of each element on the canvas: what a person looks for first when
 * reading a topology. Instances and routers list the fixed IPs of their ports (a router's
 * external gateway too) and the floating IPs mapped to them; subnets their gateway; networks
 * and segments their VLAN or VNI; floating IPs their address.
 */
import type { TopologyDocument } from "../generated/document";

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
