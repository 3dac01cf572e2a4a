// The hosts section's pure parts: the layout the lab fabric form sends, the layout it starts
// from, and what the fabric's status says.
import { describe, expect, it } from "vitest";
import type { FabricHost, FabricStatus } from "../src/api/fabric";
import {
  DEFAULT_LAYOUT,
  doneText,
  fabricSummary,
  hostState,
  layoutBody,
  layoutOf,
} from "../src/pages/hosts/fabric";

const host = (name: string, fields: Partial<FabricHost> = {}): FabricHost => ({
  name,
  role: name.startsWith("network") ? "network" : name.startsWith("node") ? "both" : "compute",
  namespace: `nlfab-${name[0]}${name.split("-")[1]}`,
  underlay_address: "198.18.0.11",
  present: true,
  registered: true,
  ...fields,
});

const status = (fields: Partial<FabricStatus>): FabricStatus => ({
  prefix: "nlfab",
  state: "up",
  up: true,
  hosts: [],
  outside: { namespace: "nlfab-out", address: "203.0.113.1", present: true },
  underlay: "198.18.0.0/24",
  external: "203.0.113.0/24",
  ...fields,
});

describe("the lab fabric form", () => {
  it("sends whole numbers as numbers and anything else as typed, for the server to name", () => {
    expect(layoutBody({ network_nodes: " 3 ", compute_nodes: "0", both_nodes: "1" })).toEqual({
      network_nodes: 3,
      compute_nodes: 0,
      both_nodes: 1,
    });
    expect(layoutBody({ network_nodes: "-1", compute_nodes: "2.5", both_nodes: "" })).toEqual({
      network_nodes: "-1",
      compute_nodes: "2.5",
      both_nodes: "",
    });
  });

  it("starts from two and two, or from the layout the running fabric has", () => {
    expect(layoutOf(status({ state: "down" }))).toEqual(DEFAULT_LAYOUT);
    expect(DEFAULT_LAYOUT).toEqual({ network_nodes: "2", compute_nodes: "2", both_nodes: "0" });
    const running = status({
      hosts: [host("network-1"), host("compute-1"), host("compute-3"), host("node-2")],
    });
    expect(layoutOf(running)).toEqual({ network_nodes: "1", compute_nodes: "3", both_nodes: "2" });
  });
});

describe("the lab fabric's status in words", () => {
  it("says what a request did", () => {
    expect(doneText("start", ["created namespace nlfab-n1", "added 198.18.0.11/24"])).toBe(
      "Started, with 2 changes.",
    );
    expect(doneText("remove", ["removed namespace nlfab-n1"])).toBe("Removed, with 1 change.");
    expect(doneText("start", [])).toBe("Nothing to change: it already was so.");
  });

  it("says whether it is up, with its hosts and outside host", () => {
    expect(fabricSummary(status({ state: "down", up: false }))).toBe(
      "The lab fabric nlfab is not running.",
    );
    expect(fabricSummary(status({ hosts: [host("network-1"), host("compute-1")] }))).toBe(
      "The lab fabric nlfab is up: 2 hosts, outside host 203.0.113.1.",
    );
    expect(fabricSummary(status({ hosts: [host("node-1")] }))).toBe(
      "The lab fabric nlfab is up: 1 host, outside host 203.0.113.1.",
    );
  });

  it("names what is missing or unregistered when it is partly up", () => {
    const partial = status({
      state: "partial",
      up: false,
      hosts: [
        host("network-1"),
        host("compute-1", { present: false }),
        host("compute-2", { registered: false }),
      ],
      outside: { namespace: "nlfab-out", address: "203.0.113.1", present: false },
    });
    expect(fabricSummary(partial)).toBe(
      "The lab fabric nlfab is partly up (missing: compute-1; not registered: compute-2; the " +
        "outside host is missing): start it again to finish it, or remove it.",
    );
    expect(partial.hosts.map(hostState)).toEqual(["present", "missing", "present, not registered"]);
  });
});
