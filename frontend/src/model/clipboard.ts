/**
 * Copy and paste of elements, within a topology or between topologies.
 *
 * A copy takes the selected elements, the parts they own (a network's segments and subnets,
 * an instance's or a router's ports) and their positions. It also carries, marked `needed`,
 * what the copied elements cannot exist without: the network of a subnet, segment, port or
 * floating IP, and the subnets (with their networks) the copied ports' fixed IPs are on.
 *
 * A paste adds the copied elements under fresh ids, with every reference between them remapped.
 * A reference to anything else is kept when the target has that element, so a subnet pasted
 * into its own topology joins the same network; a `needed` element the target lacks is pasted
 * too (so a copy stands alone in another topology); an optional link to an element the target
 * lacks (a port's device, a floating IP's port, a router's gateway) is dropped.
 *
 * So that the result is valid where it lands: duplicate names get a number ("web" becomes
 * "web 2"); a subnet whose CIDR overlaps one in the target moves to the next free prefix of the
 * same size, its gateway, pools and fixed IPs with it; fixed IPs, MACs, floating IP addresses,
 * VNIs and VRRP ids already in use are cleared for the server to allocate; a VLAN in use on the
 * same physical network becomes the next free one; a port that already has a floating IP is
 * not given a second.
 *
 * A clip is plain JSON marked `{"netloom_clip": 1, ...}`, so it can travel through the system
 * clipboard as text; `parseClip` accepts nothing else.
 */
import type { Position, TopologyDocument } from "../generated/document";
import { freeCidr } from "./addresses";
import { ID_PATTERN, newId } from "./ids";
import {
  formatAddress,
  formatPrefix,
  freePrefixFrom,
  overlap,
  parseAddress,
  parsePrefix,
  type Prefix,
} from "./ip";
import {
  ELEMENT_LISTS,
  elementsOf,
  type AnyElement,
  type ElementListName,
  type Operation,
} from "./operations";
import { PALETTE } from "./palette";

export interface ClipElement {
  list: ElementListName;
  element: AnyElement;
  /** Carried only so the copy stands alone: pasted when the target lacks it. */
  needed?: boolean;
}

export interface Clip {
  netloom_clip: 1;
  elements: ClipElement[];
  /** Where the clip's elements were drawn, by their ids in the clip. */
  positions: Record<string, Position>;
}

export interface Pasted {
  /** One edit: the adds, then one move placing what was pasted. */
  ops: Operation[];
  /** The ids of the elements added, to select them. */
  ids: string[];
}

interface FixedIp {
  subnet: string;
  ip_address?: string | null;
}

const VLAN_RANGE = { low: 1, high: 4094 };
const NAME_LIMIT = 64;

// --- copy ---------------------------------------------------------------------------------

export function copy(document: TopologyDocument, selection: readonly string[]): Clip {
  const index = indexOf(document);
  const copied = new Set(selection.filter((id) => index.has(id)));
  for (const id of [...copied]) {
    for (const part of partsOf(document, index.get(id)!)) copied.add(part);
  }
  const needed = new Set<string>();
  const need = (id: unknown) => {
    if (typeof id !== "string" || copied.has(id) || needed.has(id)) return;
    const found = index.get(id);
    if (found === undefined) return;
    needed.add(id);
    needsOf(found).forEach(need);
  };
  for (const id of copied) needsOf(index.get(id)!).forEach(need);

  const positions = document.layout?.positions ?? {};
  const clip: Clip = { netloom_clip: 1, elements: [], positions: {} };
  for (const list of ELEMENT_LISTS) {
    for (const element of elementsOf(document, list)) {
      if (!copied.has(element.id) && !needed.has(element.id)) continue;
      const entry: ClipElement = { list, element: structuredClone(element) };
      if (needed.has(element.id)) entry.needed = true;
      clip.elements.push(entry);
      const spot = positions[element.id];
      if (spot !== undefined) clip.positions[element.id] = { x: spot.x, y: spot.y };
    }
  }
  return clip;
}

type Index = Map<string, ClipElement>;

function indexOf(document: TopologyDocument): Index {
  const index: Index = new Map();
  for (const list of ELEMENT_LISTS) {
    for (const element of elementsOf(document, list)) index.set(element.id, { list, element });
  }
  return index;
}

/** What an element owns and is copied with it: a network's segments and subnets, a device's
 * ports. */
function partsOf(document: TopologyDocument, { list, element }: ClipElement): string[] {
  if (list === "networks") {
    return [...elementsOf(document, "segments"), ...elementsOf(document, "subnets")]
      .filter((part) => part.network === element.id)
      .map((part) => part.id);
  }
  if (list === "instances" || list === "routers") {
    return elementsOf(document, "ports")
      .filter((port) => port.device === element.id)
      .map((port) => port.id);
  }
  return [];
}

/** What an element cannot stand without: its network and, for a port, the subnets of its
 * fixed IPs. A router's external gateway is optional, so a router needs nothing. */
function needsOf({ list, element }: ClipElement): unknown[] {
  if (list === "ports") {
    const fixed = (element.fixed_ips as FixedIp[] | undefined) ?? [];
    return [element.network, ...fixed.map((f) => f.subnet)];
  }
  if (list === "load_balancers") return [element.subnet];
  return ["segments", "subnets", "floating_ips"].includes(list) ? [element.network] : [];
}

// --- paste --------------------------------------------------------------------------------

export function paste(document: TopologyDocument, clip: Clip, offset: Position): Pasted {
  const target = indexOf(document);
  const has = (list: ElementListName, id: string) => target.get(id)?.list === list;
  const incoming = clip.elements.filter(
    (entry) => !entry.needed || !has(entry.list, entry.element.id),
  );

  const fresh = new Map<string, string>();
  const given = new Set<string>();
  const taken = (id: string) => target.has(id) || given.has(id);
  for (const { list, element } of incoming) {
    const id = newId(prefixOf(list), taken);
    fresh.set(element.id, id);
    given.add(id);
  }
  /** Where a reference of the clip points in the target, or null when nowhere. */
  const resolve = (list: ElementListName, id: unknown): string | null => {
    if (typeof id !== "string") return null;
    return fresh.get(id) ?? (has(list, id) ? id : null);
  };

  const paster = new Paster(document, resolve);
  const ops: Operation[] = [];
  const positions: Record<string, Position> = {};
  for (const list of ELEMENT_LISTS) {
    for (const entry of incoming.filter((candidate) => candidate.list === list)) {
      const id = fresh.get(entry.element.id)!;
      const element = paster.place(list, entry.element, id);
      if (element === null) {
        // Its network is gone: leave it out, and what points at it resolves to nothing.
        fresh.delete(entry.element.id);
        continue;
      }
      ops.push({ op: "add", list, element });
      const spot = clip.positions[entry.element.id];
      if (spot !== undefined) {
        positions[id] = { x: Math.round(spot.x + offset.x), y: Math.round(spot.y + offset.y) };
      }
    }
  }
  if (Object.keys(positions).length > 0) ops.push({ op: "move", positions });
  return { ops, ids: [...fresh.values()] };
}

function prefixOf(list: ElementListName): string {
  return PALETTE.find((item) => item.list === list)?.prefix ?? "port";
}

/** How a pasted subnet's addresses map onto where it landed. */
interface Moved {
  from: Prefix;
  to: Prefix;
}

/** Fits pasted elements into the target one by one, remembering what each one takes. */
class Paster {
  private readonly names = new Map<ElementListName, Set<string>>();
  private readonly prefixes: Prefix[] = [];
  /** Fixed IPs held, as `subnet address`. A subnet's gateway IP is not one until a router
   * interface holds it, so a pasted interface may take a gateway nobody holds. */
  private readonly addresses = new Set<string>();
  private readonly macs = new Set<string>();
  private readonly floatingAddresses = new Set<string>();
  private readonly portsWithFloatingIp = new Set<string>();
  private readonly vnis = new Set<string>();
  private readonly vrrpIds = new Set<number>();
  /** VLAN ids in use, as `physical_network vlan`. */
  private readonly vlans = new Set<string>();
  /** Pasted subnets that moved to another prefix, by their id in the clip. */
  private readonly moved = new Map<string, Moved>();

  constructor(
    document: TopologyDocument,
    private readonly resolve: (list: ElementListName, id: unknown) => string | null,
  ) {
    for (const list of ELEMENT_LISTS) {
      this.names.set(list, new Set(elementsOf(document, list).map((e) => String(e.name ?? ""))));
    }
    for (const subnet of elementsOf(document, "subnets")) this.takeSubnet(subnet);
    for (const network of elementsOf(document, "networks")) this.takeNetwork(network);
    for (const segment of elementsOf(document, "segments")) this.takeVlan("segments", segment);
    for (const port of elementsOf(document, "ports")) this.takePort(port);
    for (const router of elementsOf(document, "routers")) this.takeRouter(router);
    for (const fip of elementsOf(document, "floating_ips")) this.takeFloatingIp(fip);
  }

  /** The clip's `original` as it is to be added under `id`, or null if it cannot be. */
  place(list: ElementListName, original: AnyElement, id: string): AnyElement | null {
    const element: AnyElement = { ...structuredClone(original), id };
    if (typeof element.name === "string" && element.name !== "") {
      element.name = this.uniqueName(list, element.name);
    }
    if (list === "load_balancers") return this.placeBalancer(element);
    if (list !== "networks" && list !== "instances" && list !== "routers") {
      const network = this.resolve("networks", element.network);
      if (network === null) return null;
      element.network = network;
    }
    if (list === "networks") this.placeNetwork(element);
    else if (list === "segments") this.placeVlan(list, element);
    else if (list === "subnets") this.placeSubnet(element, original.id);
    else if (list === "ports") this.placePort(element);
    else if (list === "routers") this.placeRouter(element);
    else if (list === "floating_ips") this.placeFloatingIp(element);
    return element;
  }

  /** A load balancer keeps the members that came with it or are here already; its VIP is
   * allocated afresh, as the copied one is taken. Without its subnet it is left out. */
  private placeBalancer(element: AnyElement): AnyElement | null {
    const subnet = this.resolve("subnets", element.subnet);
    if (subnet === null) return null;
    element.subnet = subnet;
    element.vip_address = null;
    const members = (element.members as { instance: string }[] | undefined) ?? [];
    element.members = members.flatMap((member) => {
      const instance = this.resolve("instances", member.instance);
      return instance === null ? [] : [{ ...member, instance }];
    });
    return element;
  }

  private uniqueName(list: ElementListName, name: string): string {
    const names = this.names.get(list)!;
    let unique = name;
    const base = name.replace(/ \d+$/, "");
    for (let n = 2; names.has(unique); n += 1) {
      const suffix = ` ${n}`;
      unique = `${base.slice(0, NAME_LIMIT - suffix.length)}${suffix}`;
    }
    names.add(unique);
    return unique;
  }

  private placeNetwork(network: AnyElement): void {
    if (typeof network.vni === "number" && this.vnis.has(vniKey(network))) network.vni = null;
    this.placeVlan("networks", network);
  }

  private takeNetwork(network: AnyElement): void {
    if (typeof network.vni === "number") this.vnis.add(vniKey(network));
    this.takeVlan("networks", network);
  }

  /** A provider network's or a segment's VLAN: the next free one on its physical network. */
  private placeVlan(list: ElementListName, carrier: AnyElement): void {
    const vlan = vlanOf(list, carrier);
    if (vlan === null || !this.vlans.has(vlanKey(carrier, vlan))) {
      this.takeVlan(list, carrier);
      return;
    }
    const span = VLAN_RANGE.high - VLAN_RANGE.low + 1;
    carrier.segmentation_id = null;
    for (let step = 1; step < span; step += 1) {
      const candidate = VLAN_RANGE.low + ((vlan - VLAN_RANGE.low + step) % span);
      if (!this.vlans.has(vlanKey(carrier, candidate))) {
        carrier.segmentation_id = candidate;
        break;
      }
    }
    this.takeVlan(list, carrier);
  }

  private takeVlan(list: ElementListName, carrier: AnyElement): void {
    const vlan = vlanOf(list, carrier);
    if (vlan !== null) this.vlans.add(vlanKey(carrier, vlan));
  }

  private placeSubnet(subnet: AnyElement, clipId: string): void {
    if (subnet.segment !== undefined) subnet.segment = this.resolve("segments", subnet.segment);
    const from = parsePrefix(String(subnet.cidr));
    if (from !== null && this.prefixes.some((used) => overlap(used, from))) {
      const to = this.freePrefix(from);
      subnet.cidr = formatPrefix(to);
      const shift = (address: unknown) => translate(address, { from, to });
      if (typeof subnet.gateway_ip === "string") subnet.gateway_ip = shift(subnet.gateway_ip);
      if (Array.isArray(subnet.allocation_pools)) {
        subnet.allocation_pools = (subnet.allocation_pools as { start: string; end: string }[])
          .map((pool) => ({ start: shift(pool.start), end: shift(pool.end) }))
          .filter((pool) => pool.start !== null && pool.end !== null);
      }
      this.moved.set(clipId, { from, to });
    }
    this.takeSubnet(subnet);
  }

  private freePrefix(from: Prefix): Prefix {
    const found = freePrefixFrom(from, this.prefixes);
    if (found !== null) return found;
    if (from.family === 4) {
      return parsePrefix(freeCidr(this.prefixes.filter((p) => p.family === 4).map(formatPrefix)))!;
    }
    throw new Error(`no IPv6 prefix the size of ${formatPrefix(from)} is free above it`);
  }

  private takeSubnet(subnet: AnyElement): void {
    const prefix = parsePrefix(String(subnet.cidr));
    if (prefix !== null) this.prefixes.push(prefix);
  }

  private placePort(port: AnyElement): void {
    if (port.device !== undefined) {
      port.device = this.resolve("instances", port.device) ?? this.resolve("routers", port.device);
    }
    if (Array.isArray(port.fixed_ips)) port.fixed_ips = this.placeFixedIps(port.fixed_ips);
    if (typeof port.mac_address === "string" && this.macs.has(port.mac_address.toLowerCase())) {
      port.mac_address = null;
    }
    this.takePort(port);
  }

  private takePort(port: AnyElement): void {
    this.takeFixedIps(port.fixed_ips);
    if (typeof port.mac_address === "string") this.macs.add(port.mac_address.toLowerCase());
  }

  /** Fixed IPs on subnets the target has, each address moved with its subnet, and cleared
   * when already in use. */
  private placeFixedIps(fixedIps: FixedIp[]): FixedIp[] {
    const placed: FixedIp[] = [];
    for (const fixed of fixedIps) {
      const subnet = this.resolve("subnets", fixed.subnet);
      if (subnet === null) continue;
      const moved = this.moved.get(fixed.subnet);
      let address = fixed.ip_address ?? null;
      if (address !== null && moved !== undefined) address = translate(address, moved);
      if (address !== null && this.addresses.has(addressKey(subnet, address))) address = null;
      placed.push(address === null ? { subnet } : { subnet, ip_address: address });
      if (address !== null) this.addresses.add(addressKey(subnet, address));
    }
    return placed;
  }

  private takeFixedIps(fixedIps: unknown): void {
    for (const fixed of (fixedIps as FixedIp[] | undefined) ?? []) {
      if (fixed.ip_address) this.addresses.add(addressKey(fixed.subnet, fixed.ip_address));
    }
  }

  private placeRouter(router: AnyElement): void {
    const gateway = router.external_gateway as { network: string; fixed_ips?: FixedIp[] } | null;
    if (gateway) {
      const network = this.resolve("networks", gateway.network);
      router.external_gateway =
        network === null
          ? null
          : { ...gateway, network, fixed_ips: this.placeFixedIps(gateway.fixed_ips ?? []) };
    }
    const vrrp = router.vrrp as { vrrp_id?: number | null } | undefined;
    if (typeof vrrp?.vrrp_id === "number" && this.vrrpIds.has(vrrp.vrrp_id)) {
      router.vrrp = { ...vrrp, vrrp_id: null };
    }
    this.takeRouter(router);
  }

  private takeRouter(router: AnyElement): void {
    const gateway = router.external_gateway as { fixed_ips?: FixedIp[] } | null | undefined;
    this.takeFixedIps(gateway?.fixed_ips);
    const vrrp = router.vrrp as { vrrp_id?: number | null } | undefined;
    if (typeof vrrp?.vrrp_id === "number") this.vrrpIds.add(vrrp.vrrp_id);
  }

  private placeFloatingIp(fip: AnyElement): void {
    if (fip.port !== undefined) {
      const port = this.resolve("ports", fip.port);
      fip.port = port !== null && !this.portsWithFloatingIp.has(port) ? port : null;
    }
    const address = fip.floating_ip_address;
    if (typeof address === "string" && this.floatingAddresses.has(normalAddress(address))) {
      fip.floating_ip_address = null;
    }
    this.takeFloatingIp(fip);
  }

  private takeFloatingIp(fip: AnyElement): void {
    if (typeof fip.port === "string") this.portsWithFloatingIp.add(fip.port);
    if (typeof fip.floating_ip_address === "string") {
      this.floatingAddresses.add(normalAddress(fip.floating_ip_address));
    }
  }
}

function vniKey(network: AnyElement): string {
  const tunnel = network.kind === "self_service" ? String(network.tunnel_type ?? "vxlan") : "vxlan";
  return `${tunnel} ${String(network.vni)}`;
}

/** The VLAN a provider network or segment is on; null when it is flat (the server ignores a
 * flat one's segmentation id) or has none. */
function vlanOf(list: ElementListName, carrier: AnyElement): number | null {
  const type = carrier.network_type ?? (list === "segments" ? "vlan" : "flat");
  return type === "vlan" && typeof carrier.segmentation_id === "number"
    ? carrier.segmentation_id
    : null;
}

function vlanKey(carrier: AnyElement, vlan: number): string {
  return `${String(carrier.physical_network)} ${vlan}`;
}

function normalAddress(text: string): string {
  const address = parseAddress(text);
  return address === null ? text.trim().toLowerCase() : formatAddress(address);
}

function addressKey(subnet: string, address: string): string {
  return `${subnet} ${normalAddress(address)}`;
}

/** `address` at the same place in `moved.to` as it had in `moved.from`; null if it has none. */
function translate(address: unknown, moved: Moved): string | null {
  if (typeof address !== "string") return null;
  const parsed = parseAddress(address);
  if (parsed === null || parsed.family !== moved.from.family) return null;
  if (parsed.value < moved.from.first || parsed.value > moved.from.last) return null;
  const value = parsed.value - moved.from.first + moved.to.first;
  return value > moved.to.last ? null : formatAddress({ family: parsed.family, value });
}

// --- the clipboard as text ----------------------------------------------------------------

/** The clip in `text`, or null when `text` is not a clip this editor wrote. */
export function parseClip(text: string): Clip | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(data) || data.netloom_clip !== 1) return null;
  const { elements, positions } = data;
  if (!Array.isArray(elements) || !elements.every(isClipElement)) return null;
  if (!isObject(positions) || !Object.values(positions).every(isPosition)) return null;
  return { netloom_clip: 1, elements, positions: positions as Record<string, Position> };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isClipElement(value: unknown): value is ClipElement {
  return (
    isObject(value) &&
    ELEMENT_LISTS.includes(value.list as ElementListName) &&
    isObject(value.element) &&
    typeof value.element.id === "string" &&
    ID_PATTERN.test(value.element.id) &&
    (value.needed === undefined || typeof value.needed === "boolean")
  );
}

function isPosition(value: unknown): value is Position {
  return isObject(value) && Number.isFinite(value.x) && Number.isFinite(value.y);
}
