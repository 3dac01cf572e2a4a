/** The host registry: the names of the hosts instances can be pinned to (the editor), and each
 * host as an admin sees it. */
import { all } from "./client";

export interface HostSummary {
  id: number;
  name: string;
  role: string;
}

export interface RegisteredHost extends HostSummary {
  underlay_address: string | null;
  /** {physical network: interface on the host} */
  physical_networks: Record<string, string>;
  external: boolean;
  last_heartbeat: string | null;
}

export const hostRegistry = () => all<HostSummary>("/api/v1/hosts/");
export const registeredHosts = () => all<RegisteredHost>("/api/v1/hosts/");
