// The exported picture: a standalone SVG sized to what is drawn, every element's name,
// addresses and state as text, and nothing a name holds can break out of its text.
import { describe, expect, it } from "vitest";
import { toEdges, toNodes } from "../src/canvas/adapter";
import { documentDrawing, drawingOf, stateLines } from "../src/export/drawing";
import { fileName, svgSize } from "../src/export/download";
import { boundsOf, buildSvg, MARGIN, sized, xmlEscape, type DrawnElement } from "../src/export/svg";
import type { TopologyDocument } from "../src/generated/document";
import { addressBadges } from "../src/model/badges";

const haRouter: TopologyDocument = {
  networks: [
    {
      id: "public",
      name: "public",
      kind: "provider",
      physical_network: "external",
      external: true,
    },
    { id: "app-net", name: "app", kind: "self_service", vni: 1001 },
  ],
  subnets: [
    {
      id: "public-v4",
      name: "public-v4",
      network: "public",
      cidr: "203.0.113.0/24",
      gateway_ip: "203.0.113.1",
    },
    {
      id: "app-v4",
      name: "app-v4",
      network: "app-net",
      cidr: "10.10.0.0/24",
      gateway_ip: "10.10.0.1",
    },
  ],
  ports: [
    {
      id: "edge-app",
      name: "edge-app",
      network: "app-net",
      device: "edge",
      fixed_ips: [{ subnet: "app-v4", ip_address: "10.10.0.1" }],
    },
    {
      id: "app-1-eth0",
      name: "app-1-eth0",
      network: "app-net",
      device: "app-1",
      fixed_ips: [{ subnet: "app-v4", ip_address: "10.10.0.11" }],
    },
  ],
  instances: [{ id: "app-1", name: "app-1", kind: "vm", host: "compute-1" }],
  routers: [
    {
      id: "edge",
      name: "edge",
      mode: "ha",
      hosts: ["network-1", "network-2"],
      external_gateway: {
        network: "public",
        fixed_ips: [{ subnet: "public-v4", ip_address: "203.0.113.10" }],
      },
    },
  ],
  floating_ips: [
    {
      id: "fip-app-1",
      name: "app-1 public",
      network: "public",
      floating_ip_address: "203.0.113.101",
      port: "app-1-eth0",
    },
  ],
  layout: {
    positions: {
      public: { x: 0, y: 0 },
      edge: { x: 0, y: 140 },
      "app-net": { x: 0, y: 280 },
      "app-1": { x: -160, y: 420 },
      "fip-app-1": { x: -160, y: 60 },
    },
  },
} as TopologyDocument;

function element(fields: Partial<DrawnElement>): DrawnElement {
  return {
    id: "e",
    kind: "instance",
    x: 0,
    y: 0,
    width: 190,
    height: 46,
    name: "e",
    lines: [],
    state: [],
    tone: null,
    ...fields,
  };
}

/** The text of every <text> element, unescaped. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&"),
  );
}

describe("SVG export", () => {
  it("escapes what XML gives a meaning to", () => {
    expect(xmlEscape(`a<b & "c" 'd'>`)).toBe("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    expect(xmlEscape("bell\u0007")).toBe("bell");
  });

  it("keeps a name that looks like markup as text, in the text and in attributes", () => {
    const name = `</text><script>alert("x")</script> & 'co'`;
    const svg = buildSvg({
      title: name,
      hosts: [{ name: `h"<`, x: 0, y: 0, width: 300, height: 200 }],
      elements: [element({ id: `id"><x`, name, lines: ["10.0.0.0/24 <gw>"] })],
      lines: [],
    });
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain(`id"><x`);
    expect(svg).toContain('data-id="id&quot;&gt;&lt;x"');
    expect(texts(svg)).toContain(name);
    expect(texts(svg)).toContain("10.0.0.0/24 <gw>");
    expect(texts(svg)).toContain(`host h"<`);
    // Every < left opens a tag of the picture's own.
    const tags = new Set([...svg.matchAll(/<\/?([a-zA-Z?]+)/g)].map((m) => m[1]));
    expect([...tags].sort()).toEqual(["?xml", "g", "rect", "style", "svg", "text", "title"]);
  });

  it("is as big as the bounding box of what it draws, plus a margin", () => {
    const elements = [
      element({ id: "a", x: -100, y: 50, width: 190, height: 46 }),
      element({ id: "b", x: 300, y: 400, width: 190, height: 46 }),
    ];
    expect(boundsOf(elements)).toEqual({ x: -100, y: 50, width: 590, height: 396 });
    const svg = buildSvg({ hosts: [], elements, lines: [{ source: "a", target: "b" }] });
    expect(svgSize(svg)).toEqual({ width: 590 + 2 * MARGIN, height: 396 + 2 * MARGIN });
    expect(svg).toContain(
      `viewBox="${-100 - MARGIN} ${50 - MARGIN} ${590 + 2 * MARGIN} ${396 + 2 * MARGIN}"`,
    );
    // The line runs from the bottom middle of a to the top middle of b.
    expect(svg).toContain('<line x1="-5" y1="96" x2="395" y2="400"');
    // A host box counts too; a title adds its band above.
    const hosted = buildSvg({
      title: "t",
      hosts: [{ name: "h", x: -200, y: 0, width: 100, height: 600 }],
      elements,
      lines: [],
    });
    expect(svgSize(hosted)).toEqual({ width: 690 + 2 * MARGIN, height: 600 + 2 * MARGIN + 28 });
  });

  it("grows a shape to fit its text", () => {
    const long = sized(element({ name: "x".repeat(60), lines: ["a", "b", "c", "d"] }));
    expect(long.width).toBeGreaterThan(60 * 13 * 0.5);
    expect(long.height).toBeGreaterThan(4 * 14);
    expect(sized(element({ name: "short" }))).toMatchObject({ width: 190, height: 46 });
  });

  it("draws every element of a topology with its addresses, where the layout puts it", () => {
    const svg = buildSvg(documentDrawing(haRouter, "HA router"));
    const shown = texts(svg);
    for (const name of ["public", "app", "public-v4", "app-v4", "edge", "app-1", "app-1 public"]) {
      expect(shown).toContain(name);
    }
    // Ports are the lines, named; the floating IP's line is dashed.
    expect(shown).toEqual(expect.arrayContaining(["edge-app", "app-1-eth0", "gateway"]));
    expect(svg).toMatch(/<line [^>]*stroke-dasharray="4 4"\/>/);
    expect(shown).toEqual(
      expect.arrayContaining([
        "203.0.113.0/24",
        "gw 203.0.113.1",
        "10.10.0.0/24",
        "10.10.0.11",
        "fip 203.0.113.101",
        "gw 203.0.113.10",
        "203.0.113.101",
        "VNI 1001",
        "HA router",
        "host compute-1",
      ]),
    );
    expect(svg).toContain(
      '<g class="element" data-id="edge" data-kind="router"><title>router edge</title><polygon',
    );
    expect(svg).toContain('<polygon points="12,140 178,140');
    expect(svg).toContain('<rect x="0" y="280"');
    expect(svg).toContain('<rect x="-160" y="420"');
  });

  it("writes each element's deploy state, drift and HA roles, and marks findings", () => {
    const nodes = toNodes(
      haRouter,
      {},
      [],
      { "app-1": "error" },
      {
        badges: addressBadges(haRouter),
        deploy: { edge: "up", "app-1": "drifted", public: "creating" },
        vrrp: {
          edge: [
            { host: "network-1", state: "master", takenOver: false },
            { host: "network-2", state: "backup", takenOver: false },
          ],
        },
      },
    );
    const drawing = drawingOf(nodes, toEdges(haRouter, []));
    const byId = new Map(drawing.elements.map((e) => [e.id, e]));
    expect(byId.get("edge")!.state).toEqual(["deployed", "master network-1", "backup network-2"]);
    expect(byId.get("app-1")!.state).toEqual(["deploy: drifted"]);
    expect(byId.get("public")!.state).toEqual(["deploy: creating…"]);
    expect(byId.get("app-1")!.tone).toBe("error");
    const svg = buildSvg(drawing);
    expect(texts(svg)).toEqual(expect.arrayContaining(["master network-1", "backup network-2"]));
    expect(svg).toContain('data-id="app-1" data-kind="instance" data-finding="error"');
    expect(
      stateLines({ deploy: null, vrrp: [{ host: "n", state: "master", takenOver: true }] }),
    ).toEqual(["master? n"]);
  });

  it("draws an empty topology as a small blank picture", () => {
    expect(svgSize(buildSvg({ hosts: [], elements: [], lines: [] }))).toEqual({
      width: 200 + 2 * MARGIN,
      height: 80 + 2 * MARGIN,
    });
  });

  it("names the file after the topology, safely", () => {
    expect(fileName("HA router with floating IPs", "svg")).toBe("HA-router-with-floating-IPs.svg");
    expect(fileName("../../etc/passwd", "png")).toBe("etc-passwd.png");
    expect(fileName("???", "png")).toBe("topology.png");
  });
});
