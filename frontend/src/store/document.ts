/**
 * The document store: what the topology is. The confirmed revision and its document as the
 * server stored them, the local edits not yet confirmed (applied on top, optimistically),
 * the findings, and the problems to show the person. It knows nothing of sockets or canvas:
 * the sync module and the undo stack drive it through its actions.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { TopologyDocument } from "../generated/document";
import type { FieldProblem, Finding, PresenceClient } from "../model/events";
import { applyOperations, findElement, OperationError, type Operation } from "../model/operations";

export interface PendingEdit {
  id: string;
  ops: Operation[];
  /** Sent to the server at least once: only the server's answer may drop it then. */
  sent: boolean;
}

export interface Problem {
  /** The local edit it is about, if any. */
  editId: string | null;
  code: string;
  detail: string;
  errors: FieldProblem[];
}

export interface TopologyInfo {
  id: number;
  name: string;
  project: number;
}

export interface DocumentState {
  topology: TopologyInfo | null;
  /** This connection's id among the clients present. */
  clientId: string | null;
  role: "owner" | "editor" | "viewer" | null;
  canEdit: boolean;
  /** The newest revision the server confirmed, and its document. */
  revision: number;
  confirmed: TopologyDocument;
  pending: PendingEdit[];
  /** `confirmed` with the pending edits applied: what the person sees. */
  document: TopologyDocument;
  findings: { revision: number; findings: Finding[]; counts: Record<string, number> };
  presence: PresenceClient[];
  problems: Problem[];

  /** A whole document from the server (welcome, resync): pending edits are replayed on it. */
  load(revision: number, document: TopologyDocument): void;
  /** The next revision, made elsewhere: its operations, or its whole document. */
  applyRevision(
    revision: number,
    change: { ops: Operation[] } | { document: TopologyDocument },
  ): void;
  /** A local edit, applied at once. Throws OperationError (and changes nothing) when it
   * cannot apply to the current document. */
  propose(id: string, ops: Operation[]): void;
  /** Whether the server may have the edit (it was sent and not refused as stale). */
  markSent(id: string, sent?: boolean): void;
  /** The pending edit `id` is stored as `revision`, with `ops` as the server stored them. */
  confirm(id: string, revision: number, ops: Operation[]): void;
  /** Forget a pending edit; with a problem, tell the person why. */
  drop(id: string, problem?: Omit<Problem, "editId">): void;
  setSession(info: {
    clientId: string;
    topology: TopologyInfo;
    role: DocumentState["role"];
    canEdit: boolean;
  }): void;
  setCanEdit(canEdit: boolean): void;
  setFindings(findings: DocumentState["findings"]): void;
  setPresence(clients: PresenceClient[]): void;
  report(problem: Problem): void;
  dismissProblems(): void;
}

export type DocumentStore = StoreApi<DocumentState>;

const EMPTY: TopologyDocument = {};
const MAX_PROBLEMS = 50;

/** Like applyOperations, and also refuses adding an id that is already used, which the
 * server's parser would refuse: a replayed edit must not duplicate an element. */
export function applyChecked(
  document: TopologyDocument,
  operations: readonly Operation[],
): TopologyDocument {
  let current = document;
  operations.forEach((operation, index) => {
    if (operation.op === "add" && typeof operation.element.id === "string") {
      if (findElement(current, operation.element.id) !== undefined) {
        throw new OperationError(
          `ops[${index}].element.id`,
          `id '${operation.element.id}' is already used`,
        );
      }
    }
    try {
      current = applyOperations(current, [operation]);
    } catch (error) {
      if (error instanceof OperationError) {
        throw new OperationError(error.path.replace(/^ops\[0\]/, `ops[${index}]`), error.detail);
      }
      throw error;
    }
  });
  return current;
}

interface Replayed {
  document: TopologyDocument;
  pending: PendingEdit[];
  problems: Problem[];
}

/** Replay the pending edits on a new confirmed document. An unsent edit that no longer
 * applies is dropped with a problem; a sent one is kept (not shown) until the server answers,
 * since the server may already have it. */
function replay(confirmed: TopologyDocument, pending: readonly PendingEdit[]): Replayed {
  let document = confirmed;
  const kept: PendingEdit[] = [];
  const problems: Problem[] = [];
  for (const edit of pending) {
    try {
      document = applyChecked(document, edit.ops);
      kept.push(edit);
    } catch (error) {
      if (!(error instanceof OperationError)) throw error;
      if (edit.sent) {
        kept.push(edit);
      } else {
        problems.push({
          editId: edit.id,
          code: "conflict",
          detail: "A change of yours no longer applies after changes made by others.",
          errors: [{ path: error.path, message: error.detail }],
        });
      }
    }
  }
  return { document, pending: kept, problems };
}

export function createDocumentStore(): DocumentStore {
  return createStore<DocumentState>()((set, get) => {
    const withProblems = (problems: Problem[]): Problem[] =>
      problems.length === 0
        ? get().problems
        : [...get().problems, ...problems].slice(-MAX_PROBLEMS);

    const rebuild = (revision: number, confirmed: TopologyDocument, pending: PendingEdit[]) => {
      const replayed = replay(confirmed, pending);
      set({
        revision,
        confirmed,
        pending: replayed.pending,
        document: replayed.document,
        problems: withProblems(replayed.problems),
      });
    };

    return {
      topology: null,
      clientId: null,
      role: null,
      canEdit: false,
      revision: 0,
      confirmed: EMPTY,
      pending: [],
      document: EMPTY,
      findings: { revision: 0, findings: [], counts: {} },
      presence: [],
      problems: [],

      load(revision, document) {
        rebuild(revision, document, get().pending);
      },

      applyRevision(revision, change) {
        const state = get();
        if (revision !== state.revision + 1) {
          throw new Error(`revision ${revision} does not follow ${state.revision}`);
        }
        const confirmed =
          "ops" in change ? applyOperations(state.confirmed, change.ops) : change.document;
        rebuild(revision, confirmed, state.pending);
      },

      propose(id, ops) {
        const state = get();
        const document = applyChecked(state.document, ops);
        set({ pending: [...state.pending, { id, ops, sent: false }], document });
      },

      markSent(id, sent = true) {
        set({ pending: get().pending.map((e) => (e.id === id ? { ...e, sent } : e)) });
      },

      confirm(id, revision, ops) {
        const state = get();
        const confirmed = applyOperations(state.confirmed, ops);
        rebuild(
          revision,
          confirmed,
          state.pending.filter((edit) => edit.id !== id),
        );
      },

      drop(id, problem) {
        const state = get();
        rebuild(
          state.revision,
          state.confirmed,
          state.pending.filter((edit) => edit.id !== id),
        );
        if (problem !== undefined) get().report({ ...problem, editId: id });
      },

      setSession({ clientId, topology, role, canEdit }) {
        set({ clientId, topology, role, canEdit });
      },

      setCanEdit(canEdit) {
        set({ canEdit });
      },

      setFindings(findings) {
        if (findings.revision >= get().findings.revision) set({ findings });
      },

      setPresence(presence) {
        set({ presence });
      },

      report(problem) {
        set({ problems: withProblems([problem]) });
      },

      dismissProblems() {
        set({ problems: [] });
      },
    };
  });
}
