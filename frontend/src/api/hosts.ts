/** The host registry as the editor reads it: the names of the hosts instances can be pinned to. */
import { all } from "./client";

export interface HostSummary {
  id: number;
  name: string;
  role: string;
}

export const hostRegistry = () => all<HostSummary>("/api/v1/hosts/");
