// The hosts section's pure parts: the lab fabric form's text and the layout the server takes,
// and what the fabric's status says in words.
import type { FabricHost, FabricLayout, FabricStatus } from "../../api/fabric";

/** The form's fields as typed. `both_nodes` has no field: it keeps what the fabric has, so
 * starting it again never drops a host the form does not show. */
export type LayoutText = {
  network_nodes: string;
  compute_nodes: string;
  both_nodes: string;
};

export type FabricAction = "start" | "remove";

/** What the form says while a request runs. */
export const WORKING: Record<FabricAction, string> = {
  start: "Starting the lab fabric…",
  remove: "Removing the lab fabric…",
};

/** What the form says once a request is done. */
export function doneText(action: FabricAction, changes: string[]): string {
  if (changes.length === 0) return "Nothing to change: it already was so.";
  const count = `${changes.length} change${changes.length === 1 ? "" : "s"}`;
  return action === "start" ? `Started, with ${count}.` : `Removed, with ${count}.`;
}

export const DEFAULT_LAYOUT: LayoutText = {
  network_nodes: "2",
  compute_nodes: "2",
  both_nodes: "0",
};

/** The layout the server takes: whole numbers as numbers, anything else as typed, so the server
 * names a bad value by its field. */
export function layoutBody(text: LayoutText): FabricLayout {
  const value = (typed: string): number | string => {
    const trimmed = typed.trim();
    return /^\d{1,6}$/.test(trimmed) ? Number(trimmed) : trimmed;
  };
  return {
    network_nodes: value(text.network_nodes),
    compute_nodes: value(text.compute_nodes),
    both_nodes: value(text.both_nodes),
  };
}

/** The layout a running fabric has, for the form to start from (the defaults when it is down):
 * each role up to its highest host number, as the server lays hosts out. */
export function layoutOf(status: FabricStatus): LayoutText {
  if (status.state === "down") return DEFAULT_LAYOUT;
  const highest = (role: FabricHost["role"]) =>
    String(
      Math.max(
        0,
        ...status.hosts
          .filter((host) => host.role === role)
          .map((host) => Number(/-(\d+)$/.exec(host.name)?.[1] ?? 0)),
      ),
    );
  return {
    network_nodes: highest("network"),
    compute_nodes: highest("compute"),
    both_nodes: highest("both"),
  };
}

/** "present", "missing", or "present, not registered". */
export function hostState(host: FabricHost): string {
  if (!host.present) return "missing";
  return host.registered ? "present" : "present, not registered";
}

function names(hosts: FabricHost[]): string {
  return hosts.map((host) => host.name).join(", ");
}

/** One sentence on where the fabric stands. */
export function fabricSummary(status: FabricStatus): string {
  const fabric = `The lab fabric ${status.prefix}`;
  if (status.state === "down") return `${fabric} is not running.`;
  const count = status.hosts.length;
  const hosts = `${count} host${count === 1 ? "" : "s"}`;
  if (status.state === "up") {
    return `${fabric} is up: ${hosts}, outside host ${status.outside.address}.`;
  }
  const missing = status.hosts.filter((host) => !host.present);
  const unregistered = status.hosts.filter((host) => host.present && !host.registered);
  const what = [
    missing.length > 0 ? `missing: ${names(missing)}` : "",
    unregistered.length > 0 ? `not registered: ${names(unregistered)}` : "",
    status.outside.present ? "" : "the outside host is missing",
  ].filter((part) => part !== "");
  const detail = what.length > 0 ? ` (${what.join("; ")})` : "";
  return `${fabric} is partly up${detail}: start it again to finish it, or remove it.`;
}
