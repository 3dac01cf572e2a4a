// The editor's live side: its stores, the topology's socket feeding them (documents, deploys,
// drift, connectivity checks, VRRP states, HA events and drills), and the host registry.
import { useEffect, useState } from "react";
import { drillHistory } from "../api/drills";
import { hostRegistry } from "../api/hosts";
import { vrrpTimeline } from "../api/vrrp";
import { createConnectivityStore } from "../store/connectivity";
import { createDeployStore } from "../store/deploy";
import { createDocumentStore } from "../store/document";
import { createDrillStore } from "../store/drills";
import { createViewStore } from "../store/view";
import { createVrrpStore } from "../store/vrrp";
import { connectTopology, type Connection } from "../sync/socket";

export function createEditorStores(topologyId: number, share?: string) {
  return {
    documents: createDocumentStore(),
    view: createViewStore(),
    deploy: createDeployStore(),
    connectivity: createConnectivityStore(),
    vrrp: createVrrpStore(),
    drills: createDrillStore((router) => drillHistory(topologyId, router, share)),
  };
}

export type EditorStores = ReturnType<typeof createEditorStores>;

/** The topology's socket, open while the editor is, with every event sent to its store; and
 * why the VRRP states could not be read, if they could not. */
export function useTopologyConnection(
  topologyId: number,
  share: string | undefined,
  stores: EditorStores,
): { connection: Connection | null; vrrpError: string | null } {
  const [connection, setConnection] = useState<Connection | null>(null);
  const [vrrpError, setVrrpError] = useState<string | null>(null);
  useEffect(() => {
    const opened = connectTopology(topologyId, stores.documents, {
      share,
      onDeployment: (event) => {
        stores.deploy.getState().apply(event);
        stores.vrrp.getState().deploymentMoved(event.deployment);
        stores.drills.getState().deploymentMoved(event.deployment);
      },
      onDrift: (event) => stores.deploy.getState().applyDrift(event),
      onConnectivity: (event) => stores.connectivity.getState().apply(event),
      onHa: (event) => stores.drills.getState().applyEvent(event),
      onVrrp: (event) => {
        stores.vrrp.getState().apply(event);
        stores.drills.getState().heard(event);
      },
      // VRRP states come only as events: read them whole whenever the socket (re)opens.
      onOpen: () => {
        stores.drills.getState().refreshAll();
        void vrrpTimeline(topologyId, share).then(
          (timeline) => {
            stores.vrrp.getState().load(timeline);
            setVrrpError(null);
          },
          (error: unknown) => setVrrpError(error instanceof Error ? error.message : String(error)),
        );
      },
    });
    setConnection(opened);
    return () => {
      opened.close();
      stores.drills.getState().stop();
    };
  }, [topologyId, share, stores]);
  return { connection, vrrpError };
}

/** The registered hosts' names; none for a share-link visitor, who cannot read the registry
 * (they see the hosts the design names). */
export function useHostRegistry(share: string | undefined): string[] {
  const [registry, setRegistry] = useState<string[]>([]);
  useEffect(() => {
    if (share) return;
    let live = true;
    hostRegistry()
      .then((hosts) => live && setRegistry(hosts.map((host) => host.name)))
      .catch(() => live && setRegistry([]));
    return () => {
      live = false;
    };
  }, [share]);
  return registry;
}
