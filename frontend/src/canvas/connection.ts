// The editor's live side: its stores, the topology's socket feeding them (documents, deploys,
// drift, connectivity checks, VRRP states, HA events and drills, load balancer members'
// health), and the host registry.
import { useEffect, useMemo, useState } from "react";
import { useStore } from "zustand";
import { memberHealth } from "../api/balancers";
import { drillHistory } from "../api/drills";
import { hostRegistry } from "../api/hosts";
import { vrrpTimeline } from "../api/vrrp";
import { createBalancerStore } from "../store/balancers";
import { createConnectivityStore } from "../store/connectivity";
import { createDeployStore } from "../store/deploy";
import { createDocumentStore } from "../store/document";
import { createDrillStore } from "../store/drills";
import { createViewStore } from "../store/view";
import { createVrrpStore } from "../store/vrrp";
import { connectTopology, type Connection } from "../sync/socket";
import type { TopologyDocument } from "../generated/document";
import {
  deployBadges,
  memberBadges,
  vrrpBadges,
  type DeployBadge,
  type MemberBadge,
  type VrrpBadge,
} from "../model/badges";

export function createEditorStores(topologyId: number, share?: string) {
  return {
    documents: createDocumentStore(),
    view: createViewStore(),
    deploy: createDeployStore(),
    connectivity: createConnectivityStore(),
    vrrp: createVrrpStore(),
    balancers: createBalancerStore(),
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
        stores.balancers.getState().deploymentMoved(event.deployment);
      },
      onDrift: (event) => stores.deploy.getState().applyDrift(event),
      onConnectivity: (event) => stores.connectivity.getState().apply(event),
      onHa: (event) => stores.drills.getState().applyEvent(event),
      onLbMember: (event) => stores.balancers.getState().apply(event),
      onVrrp: (event) => {
        stores.vrrp.getState().apply(event);
        stores.drills.getState().heard(event);
      },
      // VRRP states and members' health come only as events: read them whole whenever the
      // socket (re)opens.
      onOpen: () => {
        stores.drills.getState().refreshAll();
        // Unread, the canvas shows the members no event named as up, as a checker starts them.
        void memberHealth(topologyId, share).then(
          (list) => stores.balancers.getState().load(list),
          () => undefined,
        );
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

/** What the canvas draws on the elements from the live stores: each element's deploy badge
 * (drift included), each HA router's VRRP instances, and each deployed load balancer's
 * members with their health (a load balancer counts as deployed while its badge is up or
 * drifted). */
export function useLiveBadges(
  stores: EditorStores,
  document: TopologyDocument,
): {
  deploy: Record<string, DeployBadge>;
  vrrp: Record<string, VrrpBadge[]>;
  members: Record<string, MemberBadge[]>;
} {
  const elements = useStore(stores.deploy, (s) => s.elements);
  const drift = useStore(stores.deploy, (s) => s.drift);
  const states = useStore(stores.vrrp, (s) => s.states);
  const takenOver = useStore(stores.vrrp, (s) => s.takenOver);
  const health = useStore(stores.balancers, (s) => s.health);
  const deploy = useMemo(
    () => deployBadges(document, elements, drift),
    [document, elements, drift],
  );
  const vrrp = useMemo(() => vrrpBadges(states, takenOver), [states, takenOver]);
  const members = useMemo(() => {
    const balancers = document.load_balancers ?? [];
    const running = new Set(
      balancers.filter((b) => deploy[b.id] === "up" || deploy[b.id] === "drifted").map((b) => b.id),
    );
    return memberBadges(balancers, health, running);
  }, [document, deploy, health]);
  return useMemo(() => ({ deploy, vrrp, members }), [deploy, vrrp, members]);
}
