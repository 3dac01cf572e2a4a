/**
 * The lab fabric of the machine the server runs on (designer/api/views/fabric.py), for admins:
 * its status, bringing it up with a layout (its hosts are registered), and removing it.
 */
import { request } from "./client";

export interface FabricHost {
  /** Its name in the host registry. */
  name: string;
  role: "network" | "compute" | "both";
  /** The network namespace standing for the host. */
  namespace: string;
  underlay_address: string;
  /** Everything of it is in the kernel. */
  present: boolean;
  /** The host registry holds it as the fabric's. */
  registered: boolean;
}

export interface FabricStatus {
  prefix: string;
  /** partial: some of it is missing or not registered; starting it again finishes it. */
  state: "up" | "down" | "partial";
  up: boolean;
  hosts: FabricHost[];
  outside: { namespace: string; address: string; present: boolean };
  underlay: string;
  external: string;
}

export interface FabricChange extends FabricStatus {
  /** What the request changed, in words. */
  changes: string[];
}

/** Hosts of each role; values are sent as typed, so the server names a bad one by its field. */
export interface FabricLayout {
  network_nodes: number | string;
  compute_nodes: number | string;
  both_nodes: number | string;
}

const URL = "/api/v1/fabric/";

export const fabricApi = {
  status: () => request<FabricStatus>("GET", URL),
  start: (layout: FabricLayout) => request<FabricChange>("POST", URL, layout),
  remove: () => request<FabricChange>("DELETE", URL),
};
