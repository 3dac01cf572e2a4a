/**
 * What a line drawn between two elements means, as one edit: an instance to a network (or a
 * subnet) makes a port, a router to a subnet makes an interface port with the gateway IP, a
 * router to an external network sets its external gateway, a floating IP to an instance maps
 * it to the instance's first port, an instance to a load balancer makes it a member on the
 * balancer's port, a load balancer to a subnet puts its VIP there. Any other pair is refused with the reason.
 */
import type { TopologyDocument } from "../generated/document";
import { freeHost } from "./addresses";
import { newId } from "./ids";
import { SUBNETLESS_KINDS, type Outcome } from "./palette";
import { elementsOf, findElement, type AnyElement, type ElementListName } from "./operations";

interface Found {
  list: ElementListName;
  element: AnyElement;
}

/** The order pairs are read in: the first of the two in this list is the "from" end. */
const FROM_ORDER: readonly ElementListName[] = [
  "floating_ips",
  "instances",
  "load_balancers",
  "routers",
  "subnets",
  "segments",
  "networks",
  "ports",
];

export function linkEdit(document: TopologyDocument, sourceId: string, targetId: string): Outcome {
  if (sourceId === targetId) return { refused: "An element cannot be linked to itself." };
  const a = findElement(document, sourceId);
  const b = findElement(document, targetId);
  if (a === undefined || b === undefined) return { refused: "That element no longer exists." };
  const [from, to] = FROM_ORDER.indexOf(a.list) <= FROM_ORDER.indexOf(b.list) ? [a, b] : [b, a];
  const pair = `${from.list}>${to.list}`;
  switch (pair) {
    case "instances>networks":
      return portTo(document, from.element, to.element, null);
    case "instances>subnets":
      return portTo(document, from.element, networkOf(document, to.element), to.element);
    case "routers>subnets":
      return routerInterface(document, from.element, to.element);
    case "routers>networks":
      return externalGateway(from.element, to.element);
    case "floating_ips>instances":
      return associate(document, from.element, to.element);
    case "instances>load_balancers":
      return addMember(to.element, from.element);
    case "load_balancers>subnets":
      return {
        id: from.element.id,
        ops: [
          {
            op: "update",
            list: "load_balancers",
            id: from.element.id,
            set: { subnet: to.element.id, vip_address: null },
          },
        ],
      };
  }
  return { refused: refusal(from, to) };
}

function refusal(from: Found, to: Found): string {
  const what = `${describe(from)} and ${describe(to)}`;
  if (from.list === to.list) return `Two ${from.list.replace("_", " ")} cannot be linked.`;
  if (from.list === "floating_ips")
    return `A floating IP links only to an instance, not ${article(to)}.`;
  if (from.list === "instances")
    return `An instance connects to a network or a subnet, not ${article(to)}.`;
  if (from.list === "load_balancers")
    return `A load balancer links to its members' instances and its VIP's subnet, not ${article(to)}.`;
  if (from.list === "routers")
    return `A router connects to a subnet or an external network, not ${article(to)}.`;
  return `Nothing joins ${what}: a subnet or segment belongs to the network it was added to.`;
}

function describe(found: Found): string {
  return `${article(found)} "${label(found.element)}"`;
}

function article(found: Found): string {
  const noun: Record<string, string> = {
    networks: "a network",
    subnets: "a subnet",
    segments: "a segment",
    routers: "a router",
    instances: "an instance",
    floating_ips: "a floating IP",
    ports: "a port",
    load_balancers: "a load balancer",
  };
  return noun[found.list] ?? found.list;
}

function label(element: AnyElement): string {
  return typeof element.name === "string" && element.name !== "" ? element.name : element.id;
}

function networkOf(document: TopologyDocument, subnet: AnyElement): AnyElement {
  return findElement(document, String(subnet.network))?.element ?? { id: String(subnet.network) };
}

/** Every fixed IP address already given on `subnetId` (ports and router gateways). */
function addressesOn(document: TopologyDocument, subnetId: string, gateway: unknown): string[] {
  const taken: string[] = typeof gateway === "string" ? [gateway] : [];
  for (const port of elementsOf(document, "ports")) {
    for (const fixed of (port.fixed_ips as
      { subnet: string; ip_address?: string | null }[] | undefined) ?? []) {
      if (fixed.subnet === subnetId && fixed.ip_address) taken.push(fixed.ip_address);
    }
  }
  return taken;
}

function newPort(document: TopologyDocument, element: Omit<AnyElement, "id">): Outcome {
  const id = newId("port", (candidate) => findElement(document, candidate) !== undefined);
  return { id, ops: [{ op: "add", list: "ports", element: { id, ...element } }] };
}

function portTo(
  document: TopologyDocument,
  instance: AnyElement,
  network: AnyElement,
  subnet: AnyElement | null,
): Outcome {
  if (SUBNETLESS_KINDS.has(String(network.kind))) {
    return {
      refused: `Network "${label(network)}" is a ${String(network.kind).replace("docker_", "Docker ")} network: containers are not given ports on it.`,
    };
  }
  const fixedIps = [];
  if (subnet !== null) {
    const address = freeHost(
      String(subnet.cidr),
      addressesOn(document, subnet.id, subnet.gateway_ip),
    );
    fixedIps.push(
      address === null ? { subnet: subnet.id } : { subnet: subnet.id, ip_address: address },
    );
  }
  return newPort(document, { network: network.id, device: instance.id, fixed_ips: fixedIps });
}

function routerInterface(
  document: TopologyDocument,
  router: AnyElement,
  subnet: AnyElement,
): Outcome {
  const gateway = subnet.gateway_ip;
  if (typeof gateway !== "string" || gateway === "") {
    return {
      refused: `Subnet "${label(subnet)}" has no gateway IP for the router to take: set one first.`,
    };
  }
  const already = elementsOf(document, "ports").some(
    (port) =>
      port.device === router.id &&
      ((port.fixed_ips as { subnet: string }[] | undefined) ?? []).some(
        (f) => f.subnet === subnet.id,
      ),
  );
  if (already)
    return {
      refused: `Router "${label(router)}" already has an interface on subnet "${label(subnet)}".`,
    };
  return newPort(document, {
    network: subnet.network,
    device: router.id,
    fixed_ips: [{ subnet: subnet.id, ip_address: gateway }],
  });
}

function externalGateway(router: AnyElement, network: AnyElement): Outcome {
  if (network.external !== true) {
    return {
      refused: `Network "${label(network)}" is not external: connect the router to one of its subnets instead.`,
    };
  }
  return {
    id: router.id,
    ops: [
      {
        op: "update",
        list: "routers",
        id: router.id,
        set: { external_gateway: { network: network.id, fixed_ips: [] } },
      },
    ],
  };
}

function associate(
  document: TopologyDocument,
  floatingIp: AnyElement,
  instance: AnyElement,
): Outcome {
  const port = elementsOf(document, "ports").find((candidate) => candidate.device === instance.id);
  if (port === undefined) {
    return {
      refused: `Instance "${label(instance)}" has no port yet: connect it to a network first.`,
    };
  }
  return {
    id: floatingIp.id,
    ops: [{ op: "update", list: "floating_ips", id: floatingIp.id, set: { port: port.id } }],
  };
}

function addMember(balancer: AnyElement, instance: AnyElement): Outcome {
  const members = (balancer.members as { instance: string }[] | undefined) ?? [];
  if (members.some((member) => member.instance === instance.id)) {
    return {
      refused: `Instance "${label(instance)}" is already a member of load balancer "${label(balancer)}".`,
    };
  }
  return {
    id: balancer.id,
    ops: [
      {
        op: "update",
        list: "load_balancers",
        id: balancer.id,
        set: { members: [...members, { instance: instance.id, port: balancer.port, weight: 1 }] },
      },
    ],
  };
}
