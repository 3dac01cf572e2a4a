// The printable report's content and the embed snippet: the inventory tables a reader checks,
// the findings summed up, and the HTML that embeds a share link's view in another page.
import { describe, expect, it } from "vitest";
import { inventoryOf, reportUrl, validationSummary } from "../src/export/report";
import type { TopologyDocument } from "../src/generated/document";
import type { Finding } from "../src/model/events";
import { embedSnippet } from "../src/pages/project/helpers";

const document = {
  networks: [
    {
      id: "public",
      name: "public",
      kind: "provider",
      physical_network: "external",
      external: true,
    },
    { id: "app-net", name: "app", kind: "self_service", vni: 1001 },
    { id: "rp", name: "rack", kind: "routed_provider" },
  ],
  segments: [
    {
      id: "rack-a",
      name: "rack-a",
      network: "rp",
      physical_network: "physnet1",
      segmentation_id: 101,
    },
  ],
  subnets: [
    {
      id: "app-v4",
      name: "app-v4",
      network: "app-net",
      cidr: "10.10.0.0/24",
      gateway_ip: "10.10.0.1",
      enable_dhcp: false,
    },
  ],
  ports: [
    {
      id: "edge-app",
      name: "edge-app",
      network: "app-net",
      device: "edge",
      fixed_ips: [{ ip_address: "10.10.0.1" }],
    },
    {
      id: "p1",
      name: "eth0",
      network: "app-net",
      device: "vm1",
      fixed_ips: [{ ip_address: "10.10.0.11" }],
    },
  ],
  instances: [
    { id: "vm1", name: "web", kind: "vm", host: "compute-1" },
    { id: "vm2", kind: "container" },
  ],
  routers: [
    {
      id: "edge",
      name: "edge",
      mode: "ha",
      hosts: ["network-1", "network-2"],
      external_gateway: { network: "public", fixed_ips: [{ ip_address: "203.0.113.10" }] },
    },
  ],
  floating_ips: [
    {
      id: "f1",
      name: "web public",
      network: "public",
      floating_ip_address: "203.0.113.101",
      port: "p1",
    },
  ],
} as unknown as TopologyDocument;

describe("report", () => {
  it("lists every element in the table of its kind", () => {
    const tables = Object.fromEntries(inventoryOf(document).map((t) => [t.title, t.rows]));
    expect(tables.Networks).toEqual([
      ["public", "provider", "—", "external", "yes"],
      ["app", "self service", "VNI 1001", "—", "no"],
      ["rack", "routed provider", "—", "—", "no"],
      ["rack-a", "segment of rack", "VLAN 101", "physnet1", "—"],
    ]);
    expect(tables.Subnets).toEqual([["app-v4", "app", "10.10.0.0/24", "10.10.0.1", "no"]]);
    expect(tables.Routers).toEqual([
      ["edge", "ha", "network-1, network-2", "public 203.0.113.10", "edge-app 10.10.0.1"],
    ]);
    expect(tables.Instances).toEqual([
      ["web", "vm", "compute-1", "10.10.0.11", "203.0.113.101"],
      ["vm2", "container", "—", "—", "—"],
    ]);
    expect(tables["Hosts and interfaces"]).toEqual([
      ["compute-1", "web: eth0 (app 10.10.0.11)"],
      ["network-1", "router edge (HA instance)"],
      ["network-2", "router edge (HA instance)"],
    ]);
    expect(tables["Floating IPs"]).toEqual([
      ["web public", "203.0.113.101", "public", "web (10.10.0.11)"],
    ]);
  });

  it("leaves out kinds the topology has none of", () => {
    const tables = inventoryOf({
      networks: [{ id: "n", kind: "docker_bridge" }],
    } as TopologyDocument);
    expect(tables.map((t) => t.title)).toEqual(["Networks"]);
    expect(inventoryOf({})).toEqual([]);
  });

  it("sums the findings by severity, errors first", () => {
    const finding = (severity: Finding["severity"], message: string): Finding => ({
      code: "x",
      data: {},
      elements: [],
      message,
      severity,
    });
    const summary = validationSummary([
      finding("warning", "w1"),
      finding("info", "i1"),
      finding("error", "e1"),
      finding("warning", "w2"),
    ]);
    expect(summary.counts).toEqual({ error: 1, warning: 2, info: 1 });
    expect(summary.messages).toEqual([
      { severity: "error", message: "e1" },
      { severity: "warning", message: "w1" },
      { severity: "warning", message: "w2" },
    ]);
    expect(summary.deployable).toBe(false);
    expect(validationSummary([]).deployable).toBe(true);
  });

  it("opens for share-link visitors with their token", () => {
    expect(reportUrl(7)).toBe("/app/topologies/7/report/");
    expect(reportUrl(7, "a-b_c")).toBe("/app/topologies/7/report/?share=a-b_c");
  });

  it("embeds a share link's view read only, its title escaped", () => {
    const url = "https://netloom.example/app/topologies/3/?share=tok-1";
    expect(embedSnippet(url, `Lab "A" <&>`)).toBe(
      '<iframe src="https://netloom.example/app/topologies/3/?share=tok-1&embed=1" ' +
        'title="Lab &quot;A&quot; &lt;&amp;&gt;" width="960" height="600" ' +
        'style="border:1px solid #ccc" loading="lazy"></iframe>',
    );
  });
});
