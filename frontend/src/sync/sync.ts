/**
 * The sync module: keeps the document store in step with the server over the topology
 * WebSocket. Local edits form a queue; one is in flight at a time, carrying the revision it
 * was made on. Revisions are applied strictly in order: a jump in numbers asks the server to
 * `sync` instead. Deployment progress, drift, connectivity checks and VRRP transitions are not
 * the document's business: they are handed to listeners. The protocol is designer/realtime
 * (events.py, consumers.py).
 */
import type { TopologyDocument } from "../generated/document";
import type { Operation } from "../model/operations";
import {
  asDocument,
  asOperations,
  type Ack,
  type ClientEvent,
  type ConnectivityEvent,
  type DeploymentEvent,
  type DriftEvent,
  type HaRouterEvent,
  type LbMemberEvent,
  type Rejected,
  type RevisionEvent,
  type ServerEvent,
  type VrrpEvent,
  type Welcome,
} from "../model/events";
import type { DocumentStore } from "../store/document";

/** Where client messages go: the socket, or a test's simulated server. */
export interface Transport {
  send(message: ClientEvent): void;
}

export interface SyncOptions {
  /** Delay before resending an edit the server found stale; random by default so racing
   * editors spread out. */
  retryDelay?: (attempt: number) => number;
  setTimer?: (callback: () => void, ms: number) => void;
  newEditId?: () => string;
  /** Told of each `deployment` event (a deploy or destroy moved on). */
  onDeployment?: (event: DeploymentEvent) => void;
  /** Told of each `connectivity` event (a connectivity check moved on). */
  onConnectivity?: (event: ConnectivityEvent) => void;
  /** Told of each `drift` event (what changed on the deployed hosts, as last observed). */
  onDrift?: (event: DriftEvent) => void;
  /** Told of each `vrrp` event (an HA router instance changed VRRP state). */
  onVrrp?: (event: VrrpEvent) => void;
  /** Told of each `lb_member` event (a load balancer's member changed health). */
  onLbMember?: (event: LbMemberEvent) => void;
  /** Told of each HA router event (failover, switchover, failback, split brain, no master)
   * and each `drill` event (a drill or its probe moved on). */
  onHa?: (event: HaRouterEvent) => void;
}

export class ReadOnlyError extends Error {
  constructor() {
    super("Your role on this project cannot edit it.");
    this.name = "ReadOnlyError";
  }
}

let editCounter = 0;
const sessionPrefix = Math.random().toString(36).slice(2, 10);

export class SyncClient {
  private connected = false;
  private welcomed = false;
  private inFlight: { id: string; base: number } | null = null;
  /** The newest revision known to exist: edits wait until the document has caught up. */
  private knownHead = 0;
  /** A `sync` (or a resync) is awaited: nothing is sent until the gap is filled. */
  private syncing = false;
  private retrying = false;
  private staleAttempts = 0;
  private selection: string[] = [];
  private readonly retryDelay: (attempt: number) => number;
  private readonly setTimer: (callback: () => void, ms: number) => void;
  private readonly newEditId: () => string;
  private readonly onDeployment: (event: DeploymentEvent) => void;
  private readonly onConnectivity: (event: ConnectivityEvent) => void;
  private readonly onDrift: (event: DriftEvent) => void;
  private readonly onVrrp: (event: VrrpEvent) => void;
  private readonly onLbMember: (event: LbMemberEvent) => void;
  private readonly onHa: (event: HaRouterEvent) => void;

  constructor(
    private readonly store: DocumentStore,
    private readonly transport: Transport,
    options: SyncOptions = {},
  ) {
    this.retryDelay =
      options.retryDelay ?? ((attempt) => Math.random() * Math.min(50, 2 * attempt));
    this.setTimer = options.setTimer ?? ((callback, ms) => void setTimeout(callback, ms));
    this.newEditId = options.newEditId ?? (() => `${sessionPrefix}-${++editCounter}`);
    this.onDeployment = options.onDeployment ?? (() => undefined);
    this.onConnectivity = options.onConnectivity ?? (() => undefined);
    this.onDrift = options.onDrift ?? (() => undefined);
    this.onVrrp = options.onVrrp ?? (() => undefined);
    this.onLbMember = options.onLbMember ?? (() => undefined);
    this.onHa = options.onHa ?? (() => undefined);
  }

  /** Queue a local edit: it shows at once and goes to the server when its turn comes.
   * Returns its id. Throws OperationError when it does not apply to the current document,
   * ReadOnlyError when the person may not edit. */
  submit(ops: Operation[]): string {
    if (!this.store.getState().canEdit) throw new ReadOnlyError();
    const id = this.newEditId();
    this.store.getState().propose(id, ops);
    this.flush();
    return id;
  }

  /** Tell the others what this person has selected (presence); sent again after a
   * reconnect. Element ids only: a selection of host boxes or nothing sends an empty list. */
  select(elements: readonly string[]): void {
    this.selection = elements.slice(0, 1000);
    if (this.connected && this.welcomed) {
      this.transport.send({ type: "select", elements: this.selection });
    }
  }

  /** Whether every local edit is confirmed. */
  get settled(): boolean {
    return this.store.getState().pending.length === 0;
  }

  connectionOpened(): void {
    this.connected = true;
  }

  /** The socket closed: an edit in flight may or may not have been stored; the next
   * welcome tells. */
  connectionClosed(): void {
    this.connected = false;
    this.inFlight = null;
    this.syncing = false;
  }

  receive(event: ServerEvent): void {
    switch (event.type) {
      case "welcome":
        return this.onWelcome(event);
      case "ack":
        return this.onAck(event);
      case "rejected":
        return this.onRejected(event);
      case "revision":
        this.onRevision(event);
        return this.flush();
      case "resync":
        this.knownHead = Math.max(this.knownHead, event.revision);
        this.syncing = false;
        this.store.getState().load(event.revision, asDocument(event.document));
        return this.flush();
      case "findings":
        // Findings name their revision: a newer one than ours means a revision was lost.
        if (this.welcomed && event.revision > this.store.getState().revision) {
          this.requestSync(event.revision);
        }
        return this.store.getState().setFindings({
          revision: event.revision,
          findings: event.findings,
          counts: event.counts,
        });
      case "presence":
        return this.store.getState().setPresence(event.clients);
      case "error":
        return this.store.getState().report({
          editId: null,
          code: event.code,
          detail: event.detail,
          errors: event.errors ?? [],
        });
      case "deployment":
        return this.onDeployment(event);
      case "connectivity":
        return this.onConnectivity(event);
      case "drift":
        return this.onDrift(event);
      case "vrrp":
        return this.onVrrp(event);
      case "lb_member":
        return this.onLbMember(event);
      case "failover":
      case "switchover":
      case "failback":
      case "split_brain":
      case "no_master":
      case "drill":
        return this.onHa(event);
      case "pong":
        return;
    }
  }

  private onWelcome(event: Welcome): void {
    const state = this.store.getState();
    this.connected = true;
    state.setSession({
      clientId: event.client_id,
      topology: event.topology as unknown as { id: number; name: string; project: number },
      role: event.role,
      canEdit: event.can_edit,
    });
    state.setFindings({ revision: event.revision, findings: event.findings, counts: {} });
    state.setPresence(event.presence);
    this.knownHead = event.revision;
    if (this.welcomed && event.revision > state.revision) {
      // A reconnect: fetch the missed revisions rather than take the new document, so an
      // edit that was in flight when the socket dropped is recognised by its id if stored.
      this.syncing = true;
      this.transport.send({ type: "sync", since_revision: state.revision });
    } else if (!this.welcomed || event.revision !== state.revision) {
      state.load(event.revision, asDocument(event.document));
    }
    this.welcomed = true;
    if (this.selection.length > 0)
      this.transport.send({ type: "select", elements: this.selection });
    if (!event.can_edit) this.dropAll("forbidden", "Your role on this project cannot edit it.");
    this.flush();
  }

  private onAck(event: Ack): void {
    if (this.inFlight === null || event.edit_id !== this.inFlight.id) return;
    this.inFlight = null;
    this.staleAttempts = 0;
    const state = this.store.getState();
    if (event.revision === state.revision + 1) {
      state.confirm(event.edit_id, event.revision, asOperations(event.ops));
    } else if (event.revision <= state.revision) {
      // A resync already brought a document that includes this edit.
      state.drop(event.edit_id);
    } else {
      // Revisions before it are missing: fetch them and this one; it is recognised by id.
      this.requestSync(event.revision);
    }
    this.flush();
  }

  private onRejected(event: Rejected): void {
    if (this.inFlight === null || event.edit_id !== this.inFlight.id) return;
    this.inFlight = null;
    const state = this.store.getState();
    if (event.code === "stale_revision") {
      // Not stored: if the revisions it missed make it inapplicable, replaying drops it.
      state.markSent(event.edit_id, false);
      this.knownHead = Math.max(this.knownHead, event.current_revision);
      if (event.catch_up === null || event.catch_up === undefined) {
        this.syncing = true; // a resync follows
      } else {
        for (const revision of event.catch_up) {
          this.onRevision({ ...revision, type: "revision" });
        }
      }
      this.staleAttempts += 1;
      this.retrying = true;
      this.setTimer(() => {
        this.retrying = false;
        this.flush();
      }, this.retryDelay(this.staleAttempts));
      return;
    }
    this.staleAttempts = 0;
    if (event.code === "forbidden") {
      state.setCanEdit(false);
      this.dropAll("forbidden", event.detail);
      return;
    }
    state.drop(event.edit_id, {
      code: event.code,
      detail: event.detail,
      errors: event.errors ?? [],
    });
    this.flush();
  }

  /** Apply a revision made elsewhere, in order; a jump in numbers asks for the gap. */
  private onRevision(event: RevisionEvent): void {
    const state = this.store.getState();
    this.knownHead = Math.max(this.knownHead, event.revision);
    if (event.revision <= state.revision) return;
    if (event.revision > state.revision + 1) {
      this.requestSync(event.revision);
      return;
    }
    const own = state.pending.find((edit) => edit.id === event.edit_id);
    if (own !== undefined && event.ops) {
      // Our own edit, met in a catch-up: it is confirmed, whatever answer is still to come.
      if (this.inFlight?.id === own.id) this.inFlight = null;
      state.confirm(own.id, event.revision, asOperations(event.ops));
    } else if (event.ops) {
      state.applyRevision(event.revision, { ops: asOperations(event.ops) });
    } else {
      state.applyRevision(event.revision, {
        document: asDocument(event.document ?? {}) as TopologyDocument,
      });
    }
    if (this.store.getState().revision >= this.knownHead) this.syncing = false;
  }

  private requestSync(upTo: number): void {
    this.knownHead = Math.max(this.knownHead, upTo);
    if (this.syncing) return;
    this.syncing = true;
    this.transport.send({ type: "sync", since_revision: this.store.getState().revision });
  }

  private dropAll(code: string, detail: string): void {
    for (const edit of this.store.getState().pending) {
      this.store.getState().drop(edit.id, { code, detail, errors: [] });
    }
  }

  /** Send the next edit, when nothing is in flight and the document has caught up. */
  private flush(): void {
    const state = this.store.getState();
    if (!this.connected || !this.welcomed || this.inFlight !== null || this.retrying) return;
    if (this.syncing || state.revision < this.knownHead) return;
    const next = state.pending[0];
    if (next === undefined) return;
    this.inFlight = { id: next.id, base: state.revision };
    state.markSent(next.id);
    this.transport.send({
      type: "edit",
      edit_id: next.id,
      base_revision: state.revision,
      ops: next.ops as [Operation, ...Operation[]],
    });
  }
}
