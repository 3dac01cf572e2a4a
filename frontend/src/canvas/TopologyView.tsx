// The topology editor: palette, canvas, inspector and findings around the document store,
// kept live by the socket. Canvas events go through the adapter; edits through the undo stack.
import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  type FinalConnectionState,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { useStore } from "zustand";
import { hostRegistry } from "../api/hosts";
import { FindingsPanel } from "../editor/FindingsPanel";
import { Inspector } from "../editor/Inspector";
import { Palette, PALETTE_MIME } from "../editor/Palette";
import { UndoButtons } from "../editor/UndoButtons";
import "../editor/editor.css";
import { addressBadges } from "../model/badges";
import type { Operation } from "../model/operations";
import { OperationError } from "../model/operations";
import type { PaletteKind } from "../model/palette";
import { createDocumentStore } from "../store/document";
import { createUndoStore } from "../store/undo";
import { createViewStore } from "../store/view";
import { connectTopology, type Connection } from "../sync/socket";
import {
  freeSpot,
  onConnect,
  onDelete,
  onEdgesChange,
  onNodesChange,
  onPaletteDrop,
  presenceMarks,
  reuseNodes,
  severities,
  toFlow,
} from "./adapter";
import { ElementNode, HostNode } from "./ElementNode";
import { hostNames, isHostKey } from "./hosts";

const NODE_TYPES = { element: ElementNode, host: HostNode };

export function TopologyView(props: { topologyId: number; share?: string }) {
  return (
    <ReactFlowProvider>
      <Editor {...props} />
    </ReactFlowProvider>
  );
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName))
  );
}

function Editor({ topologyId, share }: { topologyId: number; share?: string }) {
  const [stores] = useState(() => ({ documents: createDocumentStore(), view: createViewStore() }));
  const [connection, setConnection] = useState<Connection | null>(null);
  useEffect(() => {
    const opened = connectTopology(topologyId, stores.documents, { share });
    setConnection(opened);
    return () => opened.close();
  }, [topologyId, share, stores]);
  const undo = useMemo(
    () => (connection ? createUndoStore(stores.documents, connection.sync) : null),
    [connection, stores],
  );
  const flow = useReactFlow();
  const canvasRef = useRef<HTMLDivElement>(null);

  const document = useStore(stores.documents, (s) => s.document);
  const topology = useStore(stores.documents, (s) => s.topology);
  const revision = useStore(stores.documents, (s) => s.revision);
  const canEdit = useStore(stores.documents, (s) => s.canEdit);
  const problems = useStore(stores.documents, (s) => s.problems);
  const findings = useStore(stores.documents, (s) => s.findings.findings);
  const dragging = useStore(stores.view, (s) => s.dragging);
  const selection = useStore(stores.view, (s) => s.selection);
  const notice = useStore(stores.view, (s) => s.notice);
  const presence = useStore(stores.documents, (s) => s.presence);
  const clientId = useStore(stores.documents, (s) => s.clientId);
  const [registry, setRegistry] = useState<string[]>([]);
  const [showMinimap, setShowMinimap] = useState(true);
  useEffect(() => {
    // Share-link visitors cannot read the registry: they see the hosts the design names.
    if (share) return;
    let live = true;
    hostRegistry()
      .then((hosts) => live && setRegistry(hosts.map((host) => host.name)))
      .catch(() => live && setRegistry([]));
    return () => {
      live = false;
    };
  }, [share]);
  const hosts = useMemo(() => hostNames(document, registry), [document, registry]);
  const badges = useMemo(() => addressBadges(document), [document]);
  const marks = useMemo(() => presenceMarks(presence, clientId), [presence, clientId]);
  const others = presence.filter((client) => client.client_id !== clientId);
  const worst = useMemo(() => severities(findings), [findings]);
  const sizes = useStore(stores.view, (s) => s.sizes);
  const drawn = useRef<Node[]>([]);
  const { nodes, edges } = useMemo(() => {
    const flow = toFlow(document, dragging, selection, worst, {
      badges,
      hosts,
      presence: marks,
      sizes,
    });
    return { nodes: (drawn.current = reuseNodes(drawn.current, flow.nodes)), edges: flow.edges };
  }, [document, dragging, selection, worst, badges, hosts, marks, sizes]);
  // Fit the topology into view once its first document has arrived and been drawn.
  const fitted = useRef(false);
  const measured = useNodesInitialized();
  useEffect(() => {
    if (fitted.current || !measured || nodes.length === 0) return;
    fitted.current = true;
    void flow.fitView({ maxZoom: 1 });
  }, [measured, nodes.length, flow]);
  useEffect(() => {
    connection?.sync.select(selection.filter((id) => !isHostKey(id)));
  }, [connection, selection]);
  const editor = canEdit ? undo : null;

  /** Run an edit, turning a local refusal into a notice rather than an exception. */
  const guarded = useCallback(
    <T,>(action: () => T): T | null => {
      try {
        return action();
      } catch (error) {
        if (!(error instanceof Error)) throw error;
        stores.view
          .getState()
          .notify(error instanceof OperationError ? error.detail : error.message);
        return null;
      }
    },
    [stores],
  );

  const add = (kind: PaletteKind, at: { x: number; y: number }) => {
    if (editor === null) return;
    const positions = Object.fromEntries(nodes.map((node) => [node.id, node.position]));
    guarded(() => onPaletteDrop(kind, at, document, positions, stores.view, editor));
  };
  const addAtCentre = (kind: PaletteKind) => {
    const box = canvasRef.current?.getBoundingClientRect();
    const at = box
      ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
      : { x: 0, y: 0 };
    add(
      kind,
      freeSpot(
        nodes.map((node) => node.position),
        at,
      ),
    );
  };
  const drop = (event: DragEvent) => {
    const kind = event.dataTransfer.getData(PALETTE_MIME) as PaletteKind;
    if (!kind) return;
    event.preventDefault();
    add(kind, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };
  const connectEnd = (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (editor === null || state.fromNode === null) return;
    // A line dropped on a node's body (not only on its handle) links to that node.
    const point = "changedTouches" in event ? event.changedTouches[0] : event;
    const under = point ? window.document.elementFromPoint(point.clientX, point.clientY) : null;
    const target = state.toNode?.id ?? under?.closest(".react-flow__node")?.getAttribute("data-id");
    if (!target || target === state.fromNode.id) return;
    guarded(() =>
      onConnect(
        { source: state.fromNode!.id, target, sourceHandle: null, targetHandle: null },
        document,
        stores.view,
        editor,
      ),
    );
  };
  const update = (list: string, id: string, set: Record<string, unknown>): string | null => {
    if (editor === null) return null;
    const op = { op: "update", list, id, set } as Operation;
    // A new value replaces what was said about the last one.
    stores.documents.getState().dismissProblems();
    return guarded(() => editor.getState().perform(`edit ${Object.keys(set).join(", ")}`, [op]));
  };

  useEffect(() => {
    const keydown = (event: KeyboardEvent) => {
      if (editor === null || isTyping(event.target)) return;
      const ctrl = event.ctrlKey || event.metaKey;
      if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        guarded(() => onDelete(stores.documents.getState().document, stores.view, editor));
      } else if (ctrl && event.key.toLowerCase() === "z") {
        event.preventDefault();
        guarded(() => (event.shiftKey ? editor.getState().redo() : editor.getState().undo()));
      } else if (event.key === "Escape") {
        stores.view.getState().select([]);
        stores.view.getState().notify(null);
      } else if (ctrl && event.key.toLowerCase() === "y") {
        event.preventDefault();
        guarded(() => editor.getState().redo());
      }
    };
    window.addEventListener("keydown", keydown);
    return () => window.removeEventListener("keydown", keydown);
  }, [editor, stores, guarded]);

  return (
    <div className="editor">
      <header className="editor-header">
        <a href="/app/">Projects</a> · <strong>{topology?.name ?? "Loading…"}</strong> · revision{" "}
        {revision}
        {canEdit ? "" : " · read only"}
        {others.length > 0 && (
          <ul className="presence-list" aria-label="Also here">
            {others.map((client) => (
              <li key={client.client_id} style={{ background: client.color }}>
                {client.user?.name ?? "guest"}
              </li>
            ))}
          </ul>
        )}
        {editor && <UndoButtons undo={editor} />}
        {notice && (
          <div className="notice" role="alert">
            {notice}{" "}
            <button
              type="button"
              onClick={() => stores.view.getState().notify(null)}
              aria-label="Dismiss"
            >
              ×
            </button>
          </div>
        )}
        {problems.map((problem, index) => (
          <div key={index} role="alert" className="problem">
            {problem.detail}
            {problem.errors.map((e) => ` ${e.path}: ${e.message}`).join(";")}
          </div>
        ))}
        {problems.length > 0 && (
          <button type="button" onClick={() => stores.documents.getState().dismissProblems()}>
            Dismiss messages
          </button>
        )}
      </header>
      <div className="editor-body">
        {canEdit && <Palette onAdd={addAtCentre} />}
        <div
          className="canvas"
          ref={canvasRef}
          onDragOver={(event) => {
            if (canEdit && event.dataTransfer.types.includes(PALETTE_MIME)) {
              event.preventDefault();
              event.dataTransfer.dropEffect = "copy";
            }
          }}
          onDrop={drop}
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            nodesDraggable={canEdit}
            nodesConnectable={canEdit}
            connectionMode={ConnectionMode.Loose}
            deleteKeyCode={null}
            onNodesChange={(changes) =>
              onNodesChange(changes, stores.view, editor, { document, hosts })
            }
            onEdgesChange={(changes) => onEdgesChange(changes, stores.view)}
            onConnectEnd={connectEnd}
            fitView
            fitViewOptions={{ maxZoom: 1 }}
          >
            <Background />
            <Controls />
            {showMinimap && <MiniMap pannable zoomable ariaLabel="Minimap" />}
          </ReactFlow>
        </div>
        <aside className="side">
          <Inspector
            document={document}
            selection={selection}
            findings={findings}
            problems={problems}
            canEdit={canEdit}
            onUpdate={update}
          />
          <FindingsPanel
            findings={findings}
            onSelect={(ids) => stores.view.getState().select(ids)}
          />
        </aside>
      </div>
    </div>
  );
}
