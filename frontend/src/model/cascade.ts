/**
 * Removing elements with what depends on them, as one edit: a network takes its subnets,
 * segments, ports and floating IPs; an instance or a router its ports; references left in
 * other elements (fixed IPs on a removed subnet, a gateway on a removed network, a floating
 * IP's removed port, a subnet's removed segment, a load balancer's removed member instance) are
 * cleared. A load balancer goes with the subnet its VIP is on.
 */
import type { TopologyDocument } from "../generated/document";
import { elementsOf, findElement, type AnyElement, type Operation } from "./operations";

interface FixedIp {
  subnet: string;
  ip_address?: string | null;
}

export function removalEdit(document: TopologyDocument, ids: readonly string[]): Operation[] {
  const gone = new Set<string>();
  const queue = ids.filter((id) => findElement(document, id) !== undefined);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (gone.has(id)) continue;
    gone.add(id);
    for (const dependent of dependentsOf(document, id)) queue.push(dependent);
  }
  const updates: Operation[] = [];
  for (const subnet of elementsOf(document, "subnets")) {
    if (!gone.has(subnet.id) && typeof subnet.segment === "string" && gone.has(subnet.segment)) {
      updates.push({ op: "update", list: "subnets", id: subnet.id, set: { segment: null } });
    }
  }
  for (const port of elementsOf(document, "ports")) {
    const fixed = (port.fixed_ips as FixedIp[] | undefined) ?? [];
    const kept = fixed.filter((f) => !gone.has(f.subnet));
    if (!gone.has(port.id) && kept.length !== fixed.length) {
      updates.push({ op: "update", list: "ports", id: port.id, set: { fixed_ips: kept } });
    }
  }
  for (const router of elementsOf(document, "routers")) {
    if (gone.has(router.id)) continue;
    const gateway = router.external_gateway as
      { network: string; fixed_ips?: FixedIp[] } | null | undefined;
    if (!gateway) continue;
    if (gone.has(gateway.network)) {
      updates.push({
        op: "update",
        list: "routers",
        id: router.id,
        set: { external_gateway: null },
      });
    } else {
      const fixed = gateway.fixed_ips ?? [];
      const kept = fixed.filter((f) => !gone.has(f.subnet));
      if (kept.length !== fixed.length) {
        updates.push({
          op: "update",
          list: "routers",
          id: router.id,
          set: { external_gateway: { ...gateway, fixed_ips: kept } },
        });
      }
    }
  }
  for (const fip of elementsOf(document, "floating_ips")) {
    if (!gone.has(fip.id) && typeof fip.port === "string" && gone.has(fip.port)) {
      updates.push({ op: "update", list: "floating_ips", id: fip.id, set: { port: null } });
    }
  }
  for (const balancer of elementsOf(document, "load_balancers")) {
    const members = (balancer.members as { instance: string }[] | undefined) ?? [];
    const kept = members.filter((m) => !gone.has(m.instance));
    if (!gone.has(balancer.id) && kept.length !== members.length) {
      updates.push({
        op: "update",
        list: "load_balancers",
        id: balancer.id,
        set: { members: kept },
      });
    }
  }
  const removals: Operation[] = [];
  for (const id of gone) {
    const found = findElement(document, id);
    if (found !== undefined) removals.push({ op: "remove", list: found.list, id });
  }
  return [...updates, ...removals];
}

/** The elements that cannot exist without `id`. */
function dependentsOf(document: TopologyDocument, id: string): string[] {
  const refers = (element: AnyElement, field: string) => element[field] === id;
  return [
    ...elementsOf(document, "subnets").filter((e) => refers(e, "network")),
    ...elementsOf(document, "segments").filter((e) => refers(e, "network")),
    ...elementsOf(document, "ports").filter((e) => refers(e, "network") || refers(e, "device")),
    ...elementsOf(document, "floating_ips").filter((e) => refers(e, "network")),
    ...elementsOf(document, "load_balancers").filter((e) => refers(e, "subnet")),
  ].map((element) => element.id);
}
