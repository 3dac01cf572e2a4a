/**
 * Connects a SyncClient to the topology WebSocket at /ws/topologies/<id>/ and reconnects
 * with a growing delay when it drops.
 */
import type { ServerEvent } from "../model/events";
import type { DocumentStore } from "../store/document";
import { SyncClient, type SyncOptions } from "./sync";

export interface Connection {
  sync: SyncClient;
  close(): void;
}

export function connectTopology(
  topologyId: number,
  store: DocumentStore,
  options: {
    share?: string;
    onDeployment?: SyncOptions["onDeployment"];
    onConnectivity?: SyncOptions["onConnectivity"];
    onDrift?: SyncOptions["onDrift"];
    onVrrp?: SyncOptions["onVrrp"];
    onLbMember?: SyncOptions["onLbMember"];
    onHa?: SyncOptions["onHa"];
    /** The socket is open, first or again: events from now on arrive, those sent while it was
     * closed are lost, so state that comes only as events is worth reading again now. */
    onOpen?: () => void;
  } = {},
): Connection {
  let socket: WebSocket | null = null;
  let closed = false;
  let attempts = 0;
  const sync = new SyncClient(
    store,
    {
      send: (message) => {
        if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
      },
    },
    {
      onDeployment: options.onDeployment,
      onConnectivity: options.onConnectivity,
      onDrift: options.onDrift,
      onVrrp: options.onVrrp,
      onLbMember: options.onLbMember,
      onHa: options.onHa,
    },
  );
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const query = options.share ? `?share=${encodeURIComponent(options.share)}` : "";
  const url = `${scheme}://${window.location.host}/ws/topologies/${topologyId}/${query}`;

  const open = () => {
    if (closed) return; // a retry due after the page closed it
    socket = new WebSocket(url);
    socket.onopen = () => {
      attempts = 0;
      sync.connectionOpened();
      options.onOpen?.();
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      sync.receive(JSON.parse(message.data) as ServerEvent);
    };
    socket.onclose = (event) => {
      sync.connectionClosed();
      if (closed) return; // closed here: the page is done with it
      // 4403 and 4404: not allowed or no such topology; trying again will not help.
      if (event.code === 4403 || event.code === 4404) {
        store.getState().report({
          editId: null,
          code: event.code === 4404 ? "not_found" : "forbidden",
          detail:
            event.code === 4404 ? "There is no such topology." : "You cannot open this topology.",
          errors: [],
        });
        return;
      }
      attempts += 1;
      setTimeout(open, Math.min(30_000, 500 * 2 ** attempts));
    };
  };
  open();
  return {
    sync,
    close() {
      closed = true;
      socket?.close();
    },
  };
}
