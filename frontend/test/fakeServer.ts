// A simulated topology socket server for the sync tests: it follows the protocol of
// designer/realtime/consumers.py (welcome, ack, stale rejections with catch-up, revision
// broadcasts that skip the editor, sync, resync), with messages held in per-client queues
// that the test delivers when it chooses, so any interleaving can be staged.
import type { TopologyDocument } from "../src/generated/document";
import type { ClientEvent, RevisionEvent, ServerEvent } from "../src/model/events";
import { elementsOf, type Operation } from "../src/model/operations";
import { applyChecked, createDocumentStore, type DocumentStore } from "../src/store/document";
import { SyncClient } from "../src/sync/sync";

interface StoredRevision {
  revision: number;
  ops: Operation[] | null;
  document: TopologyDocument | null;
  editId: string | null;
}

export interface Client {
  name: string;
  store: DocumentStore;
  sync: SyncClient;
  inbox: ServerEvent[];
  sent: ClientEvent[];
  connected: boolean;
  canEdit: boolean;
  /** Revisions queued to this client (the consumer's `delivered`). */
  delivered: Set<number>;
}

/** Defaults the server's parser fills in, so acks differ from what was sent. */
function normalize(op: Operation): Operation {
  if (op.op === "add") {
    return { ...op, element: { name: "", description: "", ...op.element } };
  }
  return op;
}

export class FakeServer {
  document: TopologyDocument;
  revisions: StoredRevision[] = [];
  head = 1;
  /** More missed revisions than this and a client gets a resync, as CATCH_UP_LIMIT. */
  catchUpLimit = 100;
  /** Extra check standing in for the server's parser and rules: a message means refuse. */
  validate: (document: TopologyDocument) => string | null = () => null;
  clients: Client[] = [];
  rejections = { stale_revision: 0, invalid_edit: 0, forbidden: 0 };
  resyncs = 0;

  constructor(document: TopologyDocument) {
    this.document = document;
    this.revisions.push({ revision: 1, ops: null, document, editId: null });
  }

  connect(name: string, canEdit = true): Client {
    const store = createDocumentStore();
    const client: Client = {
      name,
      store,
      inbox: [],
      sent: [],
      connected: true,
      canEdit,
      delivered: new Set(),
      sync: undefined as unknown as SyncClient,
    };
    client.sync = new SyncClient(
      store,
      {
        send: (message) => {
          client.sent.push(message);
          if (client.connected) this.handle(client, message);
        },
      },
      { retryDelay: () => 0, setTimer: (callback) => callback() },
    );
    this.clients.push(client);
    this.welcome(client);
    return client;
  }

  reconnect(client: Client): void {
    client.connected = true;
    client.inbox = [];
    client.delivered = new Set();
    this.welcome(client);
  }

  disconnect(client: Client): void {
    client.connected = false;
    client.inbox = [];
    client.sync.connectionClosed();
  }

  private welcome(client: Client): void {
    client.inbox.push({
      type: "welcome",
      client_id: client.name,
      user: { id: 1, name: client.name },
      role: client.canEdit ? "editor" : "viewer",
      can_edit: client.canEdit,
      topology: { id: 7, name: "Campus", project: 3 },
      revision: this.head,
      document: structuredClone(this.document) as Record<string, unknown>,
      findings: [],
      presence: [],
    });
    this.deliver(client, 1);
  }

  /** Deliver up to `count` queued messages to the client (all by default). */
  deliver(client: Client, count = Infinity): void {
    for (let i = 0; i < count && client.inbox.length > 0; i++) {
      client.sync.receive(client.inbox.shift()!);
    }
  }

  /** Deliver everything to everyone until no message is left. */
  settle(): void {
    while (this.clients.some((c) => c.connected && c.inbox.length > 0)) {
      for (const client of this.clients) if (client.connected) this.deliver(client);
    }
  }

  private broadcasts = new WeakSet<ServerEvent>();

  private broadcast<T extends ServerEvent>(event: T): T {
    this.broadcasts.add(event);
    return event;
  }

  /** The channel layer loses the next broadcast (revision or findings) to this client; what
   * the consumer answers directly (welcome, ack, rejected, sync answers) is never lost. */
  lose(client: Client): ServerEvent | undefined {
    const at = client.inbox.findIndex((event) => this.broadcasts.has(event));
    if (at < 0) return undefined;
    const [lost] = client.inbox.splice(at, 1);
    if (lost?.type === "revision") client.delivered.delete(lost.revision);
    return lost;
  }

  /** The findings of the head revision, as broadcast after every change. */
  private publishFindings(): void {
    for (const client of this.clients) {
      if (!client.connected) continue;
      client.inbox.push(
        this.broadcast({ type: "findings", revision: this.head, findings: [], counts: {} }),
      );
    }
  }

  revisionEvent(stored: StoredRevision): RevisionEvent {
    return {
      type: "revision",
      revision: stored.revision,
      parent: stored.revision - 1,
      author: null,
      message: "",
      edit_id: stored.editId,
      ops: stored.ops as RevisionEvent["ops"],
      document: stored.document as RevisionEvent["document"],
    };
  }

  /** A write that is not an edit (a restore): broadcast as a whole document. */
  restore(document: TopologyDocument): void {
    this.store({ ops: null, document, editId: null }, document, null);
    this.publishFindings();
  }

  private store(
    change: Omit<StoredRevision, "revision">,
    document: TopologyDocument,
    editor: Client | null,
  ): StoredRevision {
    this.head += 1;
    this.document = document;
    const stored = { revision: this.head, ...change };
    this.revisions.push(stored);
    for (const client of this.clients) {
      if (!client.connected) continue;
      client.delivered.add(stored.revision);
      if (client !== editor) client.inbox.push(this.broadcast(this.revisionEvent(stored)));
    }
    return stored;
  }

  private missed(since: number): RevisionEvent[] | null {
    const missed = this.revisions.filter((r) => r.revision > since);
    return missed.length > this.catchUpLimit ? null : missed.map((r) => this.revisionEvent(r));
  }

  private resync(client: Client): void {
    this.resyncs += 1;
    client.inbox.push({
      type: "resync",
      revision: this.head,
      document: structuredClone(this.document) as Record<string, unknown>,
      reason: "too many revisions missed",
    });
  }

  private handle(client: Client, message: ClientEvent): void {
    if (message.type === "sync") {
      const missed = this.missed(message.since_revision);
      if (missed === null) this.resync(client);
      else client.inbox.push(...missed);
      return;
    }
    if (message.type !== "edit") return;
    const reject = (code: "stale_revision" | "invalid_edit" | "forbidden", extra = {}): void => {
      this.rejections[code] += 1;
      client.inbox.push({
        type: "rejected",
        edit_id: message.edit_id,
        code,
        detail: code,
        errors: [],
        current_revision: this.head,
        catch_up: null,
        ...extra,
      });
    };
    if (!client.canEdit) return reject("forbidden");
    if (message.base_revision < this.head) {
      const onTheirWay = this.revisions
        .filter((r) => r.revision > message.base_revision)
        .every((r) => client.delivered.has(r.revision));
      const catchUp = onTheirWay ? [] : this.missed(message.base_revision);
      reject("stale_revision", { catch_up: catchUp });
      if (catchUp === null) this.resync(client);
      return;
    }
    const ops = (message.ops as Operation[]).map(normalize);
    let document: TopologyDocument;
    try {
      document = applyChecked(this.document, ops);
    } catch (error) {
      const { path, detail } = error as { path: string; detail: string };
      return reject("invalid_edit", { errors: [{ path, message: detail }] });
    }
    const problem = this.validate(document);
    if (problem !== null) {
      return reject("invalid_edit", { errors: [{ path: "ops[0]", message: problem }] });
    }
    const stored = this.store({ ops, document: null, editId: message.edit_id }, document, client);
    client.inbox.push({
      type: "ack",
      edit_id: message.edit_id,
      revision: stored.revision,
      ops: ops as unknown as Record<string, unknown>[],
    });
    this.publishFindings();
  }
}

export const base = (): TopologyDocument => ({
  schema_version: 1,
  description: "campus",
  networks: [
    { id: "lan", name: "lan", kind: "self_service" },
    { id: "dmz", name: "dmz", kind: "self_service" },
  ] as TopologyDocument["networks"],
  instances: [{ id: "web", name: "web", image: "nginx:1.27" }],
  layout: {
    positions: { lan: { x: 0, y: 0 }, web: { x: 100, y: 50 } },
    groups: [{ id: "g1", label: "front", members: ["web", "dmz"] }],
  },
});

export const names = (document: TopologyDocument, list: "networks" | "instances") =>
  elementsOf(document, list).map((e) => `${e.id}:${String(e.name)}`);
