// Copy and paste: what a copy carries, and that a paste applies cleanly, leaves every
// reference resolving, collides with nothing, and undoes as one step.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { copy, parseClip, paste, type Clip } from "../src/model/clipboard";
import { ID_PATTERN } from "../src/model/ids";
import { invertOperations, resolveInverse } from "../src/model/inverse";
import { contains, formatAddress, overlap, parseAddress, parsePrefix } from "../src/model/ip";
import {
  applyOperations,
  ELEMENT_LISTS,
  elementsOf,
  findElement,
  type AnyElement,
  type ElementListName,
} from "../src/model/operations";

const lab = (): TopologyDocument =>
  ({
    networks: [
      { id: "lan", kind: "self_service", name: "lan", vni: 100 },
      {
        id: "ext",
        kind: "provider",
        name: "ext",
        physical_network: "physnet1",
        network_type: "vlan",
        segmentation_id: 200,
        external: true,
      },
      { id: "rp", kind: "routed_provider", name: "rp" },
      { id: "v6", kind: "self_service", name: "v6" },
    ],
    segments: [
      {
        id: "seg1",
        network: "rp",
        physical_network: "physnet1",
        network_type: "vlan",
        segmentation_id: 201,
      },
    ],
    subnets: [
      {
        id: "lan4",
        name: "lan4",
        network: "lan",
        cidr: "10.0.0.0/24",
        gateway_ip: "10.0.0.1",
        allocation_pools: [{ start: "10.0.0.100", end: "10.0.0.199" }],
      },
      { id: "ext4", network: "ext", cidr: "203.0.113.0/24", gateway_ip: "203.0.113.1" },
      { id: "rp4", network: "rp", segment: "seg1", cidr: "10.0.1.0/24" },
      { id: "six", network: "v6", cidr: "fd00:0:0:1::/64", gateway_ip: "fd00:0:0:1::1" },
    ],
    instances: [
      { id: "vm1", name: "web" },
      { id: "vm2", name: "db" },
    ],
    routers: [
      {
        id: "r1",
        name: "edge",
        mode: "ha",
        vrrp: { vrrp_id: 5 },
        external_gateway: {
          network: "ext",
          fixed_ips: [{ subnet: "ext4", ip_address: "203.0.113.2" }],
        },
      },
    ],
    ports: [
      {
        id: "p1",
        network: "lan",
        device: "vm1",
        mac_address: "02:00:00:00:00:01",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.10" }],
      },
      {
        id: "p2",
        network: "lan",
        device: "vm2",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.11" }],
      },
      {
        id: "pr",
        network: "lan",
        device: "r1",
        fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.1" }],
      },
      {
        id: "p6",
        network: "v6",
        device: "vm2",
        fixed_ips: [{ subnet: "six", ip_address: "fd00:0:0:1::10" }],
      },
    ],
    floating_ips: [{ id: "f1", network: "ext", port: "p1", floating_ip_address: "203.0.113.50" }],
    layout: {
      positions: {
        lan: { x: 0, y: 200 },
        lan4: { x: 0, y: 300 },
        vm1: { x: 0, y: 0 },
        vm2: { x: 200, y: 0 },
        r1: { x: 400, y: 0 },
        f1: { x: 0, y: -100 },
      },
    },
  }) as TopologyDocument;

const REFERENCES: [ElementListName, string, ElementListName[]][] = [
  ["segments", "network", ["networks"]],
  ["subnets", "network", ["networks"]],
  ["subnets", "segment", ["segments"]],
  ["ports", "network", ["networks"]],
  ["ports", "device", ["instances", "routers"]],
  ["floating_ips", "network", ["networks"]],
  ["floating_ips", "port", ["ports"]],
];

interface FixedIp {
  subnet: string;
  ip_address?: string | null;
}

/** What the server would refuse or flag after a paste: dangling references, reused ids,
 * overlapping CIDRs, addresses used twice or outside their subnet, VLANs, VNIs, MACs,
 * floating IPs and VRRP ids used twice. Empty when the document is sound. */
function problems(document: TopologyDocument): string[] {
  const found: string[] = [];
  const ids = ELEMENT_LISTS.flatMap((list) => elementsOf(document, list).map((e) => e.id));
  if (new Set(ids).size !== ids.length) found.push("an id is used twice");
  for (const id of ids) if (!ID_PATTERN.test(id)) found.push(`bad id ${id}`);
  const refers = (from: string, target: unknown, lists: ElementListName[]) => {
    if (target === null || target === undefined) return;
    const hit = findElement(document, String(target));
    if (hit === undefined || !lists.includes(hit.list)) found.push(`${from} -> ${String(target)}`);
  };
  for (const [list, field, lists] of REFERENCES) {
    for (const element of elementsOf(document, list))
      refers(`${element.id}.${field}`, element[field], lists);
  }
  const holders: [string, FixedIp[]][] = [
    ...elementsOf(document, "ports").map((p): [string, FixedIp[]] => [
      p.id,
      (p.fixed_ips as FixedIp[]) ?? [],
    ]),
    ...elementsOf(document, "routers").map((r): [string, FixedIp[]] => {
      const gateway = r.external_gateway as { network: string; fixed_ips?: FixedIp[] } | null;
      if (gateway) refers(`${r.id}.external_gateway`, gateway.network, ["networks"]);
      return [r.id, gateway?.fixed_ips ?? []];
    }),
  ];
  const used = new Set<string>();
  for (const subnet of elementsOf(document, "subnets")) {
    if (typeof subnet.gateway_ip === "string") used.add(`${subnet.id} ${subnet.gateway_ip}`);
  }
  for (const [holder, fixedIps] of holders) {
    for (const fixed of fixedIps) {
      refers(`${holder}.fixed_ips`, fixed.subnet, ["subnets"]);
      if (!fixed.ip_address) continue;
      const subnet = findElement(document, fixed.subnet)?.element;
      const prefix = parsePrefix(String(subnet?.cidr));
      if (prefix === null || !contains(prefix, parseAddress(fixed.ip_address)!)) {
        found.push(`${holder} ${fixed.ip_address} outside ${fixed.subnet}`);
      }
      const key = `${fixed.subnet} ${fixed.ip_address}`;
      // A router interface holding its subnet's gateway is what it is for.
      const isGateway = subnet?.gateway_ip === fixed.ip_address;
      if (used.has(key) && !isGateway) found.push(`${key} used twice`);
      used.add(key);
    }
  }
  const prefixes = elementsOf(document, "subnets").map(
    (s) => [s.id, parsePrefix(String(s.cidr))!] as const,
  );
  for (const [i, [a, pa]] of prefixes.entries()) {
    for (const [b, pb] of prefixes.slice(i + 1))
      if (overlap(pa, pb)) found.push(`${a} overlaps ${b}`);
  }
  const twice = (what: string, values: unknown[]) => {
    const present = values.filter((v) => v !== null && v !== undefined).map(String);
    if (new Set(present).size !== present.length) found.push(`a ${what} is used twice`);
  };
  twice("VLAN", [
    ...elementsOf(document, "networks").map((n) =>
      n.segmentation_id == null
        ? null
        : `${String(n.physical_network)} ${String(n.segmentation_id)}`,
    ),
    ...elementsOf(document, "segments").map((s) =>
      s.segmentation_id == null
        ? null
        : `${String(s.physical_network)} ${String(s.segmentation_id)}`,
    ),
  ]);
  twice(
    "VNI",
    elementsOf(document, "networks").map((n) => n.vni),
  );
  twice(
    "MAC",
    elementsOf(document, "ports").map((p) => p.mac_address),
  );
  twice(
    "floating IP address",
    elementsOf(document, "floating_ips").map((f) => f.floating_ip_address),
  );
  twice(
    "floating IP port",
    elementsOf(document, "floating_ips").map((f) => f.port),
  );
  twice(
    "VRRP id",
    elementsOf(document, "routers").map(
      (r) => (r.vrrp as { vrrp_id?: number } | undefined)?.vrrp_id,
    ),
  );
  for (const key of Object.keys(document.layout?.positions ?? {})) {
    if (!ids.includes(key)) found.push(`position of missing ${key}`);
  }
  return found;
}

function pasteInto(document: TopologyDocument, clip: Clip, offset = { x: 40, y: 40 }) {
  const result = paste(document, clip, offset);
  const after = applyOperations(document, result.ops);
  const added = (list: ElementListName) =>
    elementsOf(after, list).filter((element) => result.ids.includes(element.id));
  return { ...result, after, added };
}

function one(elements: AnyElement[]): AnyElement {
  expect(elements).toHaveLength(1);
  return elements[0]!;
}

describe("copy", () => {
  it("takes what each selected element owns, and marks the parents it needs", () => {
    const clip = copy(lab(), ["vm1", "lan4", "nothing"]);
    const entries = clip.elements.map((e) => `${e.list}:${e.element.id}${e.needed ? "?" : ""}`);
    // The instance brings its port; the port needs its network and subnet (copied already);
    // the subnet needs its network. The floating IP is not the instance's.
    expect(entries).toEqual(["networks:lan?", "subnets:lan4", "ports:p1", "instances:vm1"]);
    expect(clip.positions).toEqual({
      lan: { x: 0, y: 200 },
      lan4: { x: 0, y: 300 },
      vm1: { x: 0, y: 0 },
    });
  });

  it("takes a network with its segments and subnets, and does not change the document", () => {
    const document = lab();
    const clip = copy(document, ["rp"]);
    expect(clip.elements.map((e) => e.element.id)).toEqual(["rp", "seg1", "rp4"]);
    expect(clip.elements.every((e) => !e.needed)).toBe(true);
    clip.elements[0]!.element.name = "changed";
    expect(document).toEqual(lab());
  });

  it("takes a router's interfaces but not its gateway's network", () => {
    const clip = copy(lab(), ["r1"]);
    expect(clip.elements.map((e) => `${e.element.id}${e.needed ? "?" : ""}`)).toEqual([
      "lan?",
      "lan4?",
      "pr",
      "r1",
    ]);
  });
});

describe("paste into the same topology", () => {
  it("would collide if pasted as it was copied (so the checks here can fail)", () => {
    const document = lab();
    expect(problems(document)).toEqual([]);
    const clip = copy(document, ["lan", "vm1", "r1", "f1"]);
    const rename = (id: unknown) => (typeof id === "string" ? `${id}x` : id);
    const naive = applyOperations(
      document,
      clip.elements
        .filter((entry) => !entry.needed)
        .map(({ list, element }) => ({
          op: "add" as const,
          list,
          element: { ...element, id: rename(element.id) },
        })),
    );
    expect(problems(naive)).toEqual(
      expect.arrayContaining([
        "lan4 overlaps lan4x",
        "lan4 10.0.0.10 used twice",
        "a VNI is used twice",
        "a MAC is used twice",
        "a floating IP port is used twice",
        "a VRRP id is used twice",
      ]),
    );
  });

  it("duplicates an instance on the same networks, with its addresses left to the server", () => {
    const document = lab();
    const { after, added, ids, ops } = pasteInto(document, copy(document, ["vm1"]));
    expect(problems(after)).toEqual([]);
    const vm = one(added("instances"));
    expect(vm.name).toBe("web 2");
    expect(vm.id).toMatch(/^vm-[a-z0-9]{6}$/);
    const port = one(added("ports"));
    expect(port).toMatchObject({ network: "lan", device: vm.id, mac_address: null });
    expect(port.id).toMatch(/^port-/);
    expect(port.fixed_ips).toEqual([{ subnet: "lan4" }]);
    expect(added("networks")).toEqual([]);
    expect(ids.sort()).toEqual([vm.id, port.id].sort());
    expect(after.layout?.positions?.[vm.id]).toEqual({ x: 40, y: 40 });
    expect(ops.map((op) => op.op)).toEqual(["add", "add", "move"]);
  });

  it("gives a copied subnet the next free CIDR on the same network, its addresses moved", () => {
    const document = lab();
    const { after, added } = pasteInto(document, copy(document, ["lan4"]));
    expect(problems(after)).toEqual([]);
    const subnet = one(added("subnets"));
    // 10.0.1.0/24 is rp4's.
    expect(subnet).toMatchObject({
      network: "lan",
      name: "lan4 2",
      cidr: "10.0.2.0/24",
      gateway_ip: "10.0.2.1",
      allocation_pools: [{ start: "10.0.2.100", end: "10.0.2.199" }],
    });
    expect(added("networks")).toEqual([]);
  });

  it("copies a network with its subnet and ports' devices as a separate network", () => {
    const document = lab();
    const { after, added } = pasteInto(document, copy(document, ["lan", "vm1", "vm2", "r1"]));
    expect(problems(after)).toEqual([]);
    const network = one(added("networks"));
    expect(network).toMatchObject({ name: "lan 2", vni: null });
    const subnet = one(added("subnets"));
    expect(subnet).toMatchObject({
      network: network.id,
      cidr: "10.0.2.0/24",
      gateway_ip: "10.0.2.1",
    });
    const ports = added("ports");
    // Three ports on the copied network, their addresses moved with the subnet; vm2's
    // IPv6 port stays on the existing v6 network, its address cleared.
    expect(ports.filter((p) => p.network === network.id).map((p) => p.fixed_ips)).toEqual([
      [{ subnet: subnet.id, ip_address: "10.0.2.10" }],
      [{ subnet: subnet.id, ip_address: "10.0.2.11" }],
      [{ subnet: subnet.id, ip_address: "10.0.2.1" }],
    ]);
    expect(ports.find((p) => p.network === "v6")?.fixed_ips).toEqual([{ subnet: "six" }]);
    const router = one(added("routers"));
    expect(router.external_gateway).toEqual({ network: "ext", fixed_ips: [{ subnet: "ext4" }] });
    expect(router.vrrp).toEqual({ vrrp_id: null });
  });

  it("pasting everything twice collides with nothing", () => {
    const document = lab();
    const all = ELEMENT_LISTS.flatMap((list) => elementsOf(document, list).map((e) => e.id));
    const clip = copy(document, all);
    const first = pasteInto(document, clip);
    const second = pasteInto(first.after, clip, { x: 80, y: 80 });
    expect(problems(second.after)).toEqual([]);
    expect(second.added("instances").map((vm) => vm.name)).toEqual(["web 3", "db 3"]);
    expect(first.added("networks").find((n) => n.name === "ext 2")?.segmentation_id).toBe(202);
    expect(second.added("segments")[0]?.segmentation_id).toBe(205);
    expect(second.added("subnets").find((s) => String(s.cidr).includes(":"))?.cidr).toBe(
      "fd00:0:0:3::/64",
    );
    const fip = one(second.added("floating_ips"));
    expect(fip.floating_ip_address).toBeNull();
    expect(second.added("ports").some((p) => p.id === fip.port)).toBe(true);
  });

  it("does not give a port that has a floating IP a second one", () => {
    const document = lab();
    const { after, added } = pasteInto(document, copy(document, ["f1"]));
    expect(problems(after)).toEqual([]);
    expect(one(added("floating_ips"))).toMatchObject({
      network: "ext",
      port: null,
      floating_ip_address: null,
    });
  });

  it("keeps a copied port's device when only the port is copied", () => {
    const document = lab();
    const { after, added } = pasteInto(document, copy(document, ["p2"]));
    expect(problems(after)).toEqual([]);
    expect(one(added("ports"))).toMatchObject({
      device: "vm2",
      network: "lan",
      fixed_ips: [{ subnet: "lan4" }],
    });
  });

  it("undoes as one step", () => {
    const document = lab();
    const { after, ops } = pasteInto(document, copy(document, ["lan", "vm1"]));
    const back = applyOperations(after, resolveInverse(after, invertOperations(document, ops)));
    for (const list of ELEMENT_LISTS)
      expect(elementsOf(back, list)).toEqual(elementsOf(document, list));
    expect(back.layout?.positions).toEqual(document.layout?.positions);
  });
});

describe("paste into another topology", () => {
  it("brings what the copy needs, keeping names, CIDRs and addresses", () => {
    const { after, added } = pasteInto({}, copy(lab(), ["vm1", "f1"]));
    expect(problems(after)).toEqual([]);
    const networks = added("networks");
    expect(networks.map((n) => n.name).sort()).toEqual(["ext", "lan"]);
    const lan = networks.find((n) => n.name === "lan")!;
    expect(lan.vni).toBe(100);
    const subnet = one(added("subnets"));
    expect(subnet).toMatchObject({ network: lan.id, cidr: "10.0.0.0/24" });
    const port = one(added("ports"));
    expect(port.fixed_ips).toEqual([{ subnet: subnet.id, ip_address: "10.0.0.10" }]);
    expect(port.mac_address).toBe("02:00:00:00:00:01");
    expect(one(added("floating_ips"))).toMatchObject({
      port: port.id,
      floating_ip_address: "203.0.113.50",
      network: networks.find((n) => n.name === "ext")!.id,
    });
    expect(after.layout?.positions).toMatchObject({ [lan.id]: { x: 40, y: 240 } });
  });

  it("uses the target's element with the same id, and drops optional links to missing ones", () => {
    const target = {
      networks: [{ id: "lan", kind: "self_service", name: "student lan" }],
      subnets: [{ id: "lan4", network: "lan", cidr: "10.0.0.0/24", gateway_ip: "10.0.0.1" }],
    } as TopologyDocument;
    const { after, added } = pasteInto(target, copy(lab(), ["r1"]));
    expect(problems(after)).toEqual([]);
    expect(added("networks")).toEqual([]);
    expect(one(added("routers")).external_gateway).toBeNull();
    expect(one(added("ports"))).toMatchObject({
      network: "lan",
      fixed_ips: [{ subnet: "lan4", ip_address: "10.0.0.1" }],
    });
  });

  it("leaves out an element whose network is nowhere, and links to it", () => {
    const clip = copy(lab(), ["lan4", "vm1"]);
    clip.elements = clip.elements.filter((entry) => entry.element.id !== "lan");
    const { after, added, ids } = pasteInto(
      { networks: [{ id: "x", kind: "docker_bridge" }] } as TopologyDocument,
      clip,
    );
    expect(problems(after)).toEqual([]);
    expect(added("subnets")).toEqual([]);
    expect(added("ports")).toEqual([]);
    expect(ids).toHaveLength(1);
    expect(one(added("instances")).name).toBe("web");
  });
});

describe("parseClip", () => {
  it("reads back what a copy wrote", () => {
    const clip = copy(lab(), ["vm1", "lan"]);
    expect(parseClip(JSON.stringify(clip))).toEqual(clip);
  });

  it("refuses anything else", () => {
    const good = copy(lab(), ["vm1"]);
    const variants: unknown[] = [
      { ...good, netloom_clip: 2 },
      { elements: good.elements, positions: {} },
      { ...good, elements: [{ list: "hosts", element: { id: "a" } }] },
      { ...good, elements: [{ list: "instances", element: { id: "1bad" } }] },
      { ...good, elements: [{ list: "instances", element: { name: "no id" } }] },
      { ...good, elements: [{ list: "instances", element: { id: "ok" }, needed: "yes" }] },
      { ...good, positions: { vm1: { x: "1", y: 2 } } },
      { ...good, positions: [] },
      [good],
    ];
    for (const variant of variants) expect(parseClip(JSON.stringify(variant))).toBeNull();
    expect(parseClip("web")).toBeNull();
    expect(parseClip("")).toBeNull();
    expect(parseClip("null")).toBeNull();
  });
});

describe("addresses as numbers", () => {
  it("formats IPv6 the short way", () => {
    expect(formatAddress(parseAddress("fd00:0:0:1:0:0:0:10")!)).toBe("fd00:0:0:1::10");
    expect(formatAddress(parseAddress("::ffff:10.0.0.1")!)).toBe("::ffff:a00:1");
    expect(formatAddress(parseAddress("2001:db8:0:0:1:0:0:1")!)).toBe("2001:db8::1:0:0:1");
    expect(parseAddress("1::2::3")).toBeNull();
    expect(parseAddress("1:2:3:4:5:6:7:8:9")).toBeNull();
    expect(parseAddress("10.0.0.256")).toBeNull();
  });
});
