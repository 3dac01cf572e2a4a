/**
 * What the printable report reads over the REST API: the topology (its name), its head
 * document, and the head's validation. A share-link visitor's reads carry the link's token
 * (`Authorization: Share <token>`); nothing here writes.
 */
import { request, type TopologySummary } from "../api/client";
import type { TopologyDocument } from "../generated/document";
import type { Finding } from "../model/events";

export interface ReportData {
  topology: TopologySummary;
  revision: number;
  document: TopologyDocument;
  findings: Finding[];
}

export async function reportData(topologyId: number, share?: string): Promise<ReportData> {
  const base = `/api/v1/topologies/${encodeURIComponent(topologyId)}/`;
  const read = <T>(url: string): Promise<T> => request<T>("GET", url, undefined, { share });
  const [topology, head, validation] = await Promise.all([
    read<TopologySummary>(base),
    read<{ revision: number; document: TopologyDocument }>(`${base}document/`),
    read<{ revision: number; findings: Finding[] }>(`${base}validate/`),
  ]);
  return {
    topology,
    revision: head.revision,
    document: head.document,
    findings: validation.findings,
  };
}
