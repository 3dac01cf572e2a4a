// The topology editor: palette, canvas, inspector and findings around the document store,
// kept live by the socket. Canvas events go through the adapter; edits through the undo stack.
import {
  Background,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  getNodesBounds,
  getViewportForBounds,
  useStore as useFlowStore,
  useReactFlow,
  ViewportPortal,
  type FinalConnectionState,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type ReactNode,
} from "react";
import { useStore } from "zustand";
import { ConnectivityPanel } from "../editor/ConnectivityPanel";
import { DeployPanel } from "../editor/DeployPanel";
import { DrillControls } from "../editor/DrillControls";
import { FailoverTimeline } from "../editor/FailoverTimeline";
import { FindingsPanel } from "../editor/FindingsPanel";
import { Inspector } from "../editor/Inspector";
import { Palette, PALETTE_MIME } from "../editor/Palette";
import { UndoButtons } from "../editor/UndoButtons";
import "../editor/editor.css";
import type { Position } from "../generated/document";
import { addressBadges } from "../model/badges";
import { copy, paste, parseClip, type Clip } from "../model/clipboard";
import { elementsOf, findElement, type Operation } from "../model/operations";
import type { Match } from "../model/search";
import { SearchBox } from "../editor/SearchBox";
import { ShortcutHelp } from "../editor/ShortcutHelp";
import { moveBy, shortcutFor, type ShortcutAction } from "../editor/shortcuts";
import { OperationError } from "../model/operations";
import type { PaletteKind } from "../model/palette";
import { selectedResult } from "../store/connectivity";
import { createUndoStore } from "../store/undo";
import { routersInHa } from "../model/vrrp";
import {
  freeSpot,
  NODE_LISTS,
  onConnect,
  onDelete,
  onLinkTarget,
  onEdgesChange,
  onNodesChange,
  onPaletteDrop,
  presenceMarks,
  reuseEdges,
  reuseNodes,
  severities,
  sketchLines,
  toEdges,
  toNodes,
} from "./adapter";
import {
  createEditorStores,
  useHostRegistry,
  useLiveBadges,
  useTopologyConnection,
} from "./connection";
import { ElementNode, FullDetail, HostNode } from "./ElementNode";
import { ExportMenu } from "./ExportMenu";
import { highlightEdges, highlightNodes, pathHighlight } from "./pathHighlight";
import { hostNames, isHostKey } from "./hosts";

const NODE_TYPES = { element: ElementNode, host: HostNode };
const LABELS_FROM_ZOOM = 0.75;
/** Below this zoom elements are plain boxes (see ElementNode). */
const DETAIL_FROM_ZOOM = 0.4;
/** Larger topologies open without the minimap: it draws every element again on each frame. */
const MINIMAP_UP_TO = 300;
const FIT = { minZoom: 0.05, maxZoom: 1, padding: 0.1 };

const NO_NODES: Node[] = [];
const NO_EDGES: Edge[] = [];

/** The lines, zoomed out too far to pick one: drawn as a few paths under the elements rather
 * than as the canvas's own lines (see sketchLines). The lines that stay put during a drag are
 * a layer of their own, which the browser keeps as drawn. */
function Sketch(props: {
  nodes: readonly Node[];
  edges: readonly Edge[];
  dragging: Readonly<Record<string, Position>>;
}) {
  const { nodes, edges, dragging } = props;
  const lines = useMemo(() => sketchLines(nodes, edges, dragging), [nodes, edges, dragging]);
  return (
    <ViewportPortal>
      <svg className="line-sketch still" aria-hidden="true">
        <path d={lines.plain} />
        <path className="dashed" d={lines.dashed} />
        <path className="selected" d={lines.selected} />
      </svg>
      <svg className="line-sketch" aria-hidden="true">
        <path d={lines.moving} />
      </svg>
    </ViewportPortal>
  );
}

/** `banner`: shown under the header line (a lab copy's lab bar). `embed`: shown inside another
 * page, without the links to the rest of the app. */
export function TopologyView(props: {
  topologyId: number;
  share?: string;
  banner?: ReactNode;
  embed?: boolean;
}) {
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

function Editor(props: {
  topologyId: number;
  share?: string;
  banner?: ReactNode;
  embed?: boolean;
}) {
  const { topologyId, share } = props;
  const [stores] = useState(() => createEditorStores(topologyId, share));
  const { connection, vrrpError } = useTopologyConnection(topologyId, share, stores);
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
  const registry = useHostRegistry(share);
  // Shown or hidden by the person; until then, as the topology's size suggests.
  const [minimap, setMinimap] = useState<boolean | null>(null);
  const hosts = useMemo(() => hostNames(document, registry), [document, registry]);
  const badges = useMemo(() => addressBadges(document), [document]);
  const marks = useMemo(() => presenceMarks(presence, clientId), [presence, clientId]);
  const others = presence.filter((client) => client.client_id !== clientId);
  const worst = useMemo(() => severities(findings), [findings]);
  const sizes = useStore(stores.view, (s) => s.sizes);
  const deployment = useStore(stores.deploy, (s) => s.deployment);
  // Deploy states, VRRP instances and members' health, drawn on the elements.
  const live = useLiveBadges(stores, document);
  const haRouters = useMemo(() => routersInHa(document), [document]);
  const drillsOf = (router: { id: string; label: string }) => (
    <DrillControls
      {...{ topologyId, router, document, deployment }}
      canAct={canEdit && share === undefined}
      drills={stores.drills}
      vrrp={stores.vrrp}
    />
  );
  const selectedHa = haRouters.find((r) => selection.length === 1 && r.id === selection[0]);
  // Port names are readable only from close enough; drawing a thousand of them costs.
  const readable = useFlowStore((state) => state.transform[2] >= LABELS_FROM_ZOOM);
  const detailed = useFlowStore((state) => state.transform[2] >= DETAIL_FROM_ZOOM);
  const lines = useMemo(
    () => toEdges(document, selection, readable),
    [document, selection, readable],
  );
  // The path of the connectivity result picked in the panel, drawn over the canvas.
  const probed = useStore(stores.connectivity, selectedResult);
  const domains = useMemo(
    () => new Set([...(document.networks ?? []), ...(document.segments ?? [])].map((e) => e.id)),
    [document],
  );
  const path = useMemo(
    () => (probed === null ? null : pathHighlight(probed, lines, domains)),
    [probed, lines, domains],
  );
  const drawnNodes = useRef<Node[]>([]);
  const drawnEdges = useRef<Edge[]>([]);
  const nodes = useMemo(() => {
    const next = toNodes(document, dragging, selection, worst, {
      badges,
      hosts,
      presence: marks,
      sizes,
      ...live,
    });
    return (drawnNodes.current = reuseNodes(drawnNodes.current, highlightNodes(next, path)));
  }, [document, dragging, selection, worst, badges, hosts, marks, sizes, live, path]);
  const showMinimap = minimap ?? nodes.length <= MINIMAP_UP_TO;
  const toggleMinimap = useCallback(() => setMinimap(!showMinimap), [showMinimap]);
  const edges = useMemo(
    () => (drawnEdges.current = reuseEdges(drawnEdges.current, highlightEdges(lines, path))),
    [lines, path],
  );
  const instances = useMemo(
    () =>
      (document.instances ?? []).map((instance) => ({
        id: instance.id,
        label:
          typeof instance.name === "string" && instance.name !== "" ? instance.name : instance.id,
      })),
    [document],
  );
  /** Show the nodes `ids` (all of them by default) as large as fits, at most at full size.
   * Computed from the nodes' positions and sizes here: elements off screen are not drawn, so
   * the canvas has not measured them. */
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const fit = useCallback(
    (ids?: readonly string[], duration = 0) => {
      const box = canvasRef.current?.getBoundingClientRect();
      const wanted = ids ? new Set(ids) : null;
      const shown = nodesRef.current.filter((node) => wanted === null || wanted.has(node.id));
      if (!box || shown.length === 0) return;
      const bounds = getNodesBounds(shown);
      const { minZoom, maxZoom, padding } = FIT;
      const viewport = getViewportForBounds(
        bounds,
        box.width,
        box.height,
        minZoom,
        maxZoom,
        padding,
      );
      void flow.setViewport(viewport, { duration });
    },
    [flow],
  );
  // Fit the topology into view once, when its first document has arrived, and only then hand
  // it to the canvas: drawn first where the view starts, it would be drawn twice.
  const fitted = useRef(false);
  const [opened, setOpened] = useState(false);
  useEffect(() => {
    if (fitted.current || revision === 0) return;
    fitted.current = true;
    requestAnimationFrame(() => {
      fit();
      setOpened(true);
    });
  }, [revision, fit]);
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
  const connectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (editor === null || state.fromNode === null) return;
      // A line dropped on a node's body (not only on its handle) links to that node.
      const point = "changedTouches" in event ? event.changedTouches[0] : event;
      const under = point ? window.document.elementFromPoint(point.clientX, point.clientY) : null;
      const target =
        state.toNode?.id ?? under?.closest(".react-flow__node")?.getAttribute("data-id");
      if (!target || target === state.fromNode.id) return;
      guarded(() =>
        onConnect(
          { source: state.fromNode!.id, target, sourceHandle: null, targetHandle: null },
          document,
          stores.view,
          editor,
        ),
      );
    },
    [editor, document, stores, guarded],
  );
  // The canvas's handlers stay the same objects while nothing they use changes: the canvas
  // takes a new handler as a change of its state, which every element then looks at.
  const nodesChange = useCallback(
    (changes: NodeChange[]) => onNodesChange(changes, stores.view, editor, { document, hosts }),
    [stores, editor, document, hosts],
  );
  const edgesChange = useCallback(
    (changes: EdgeChange[]) => onEdgesChange(changes, stores.view),
    [stores],
  );
  const update = (list: string, id: string, set: Record<string, unknown>): string | null => {
    if (editor === null) return null;
    const op = { op: "update", list, id, set } as Operation;
    // A new value replaces what was said about the last one.
    stores.documents.getState().dismissProblems();
    return guarded(() => editor.getState().perform(`edit ${Object.keys(set).join(", ")}`, [op]));
  };

  const [searching, setSearching] = useState(false);
  const [helping, setHelping] = useState(false);
  const clipboard = useRef<{ clip: Clip; pastes: number } | null>(null);

  /** Show these elements, selected, in the middle of the canvas. */
  const reveal = useCallback(
    (ids: string[]) => {
      stores.view.getState().select(ids);
      fit(ids, 200);
    },
    [fit, stores],
  );
  const pick = (match: Match) => {
    setSearching(false);
    // A port is drawn as a line: its device is what holds the address on the canvas.
    const port = (document.ports ?? []).find((candidate) => candidate.id === match.id);
    const device = typeof port?.device === "string" ? port.device : null;
    reveal([device ?? match.id]);
  };
  const layOut = useCallback(async () => {
    if (editor === null) return;
    const { autoLayout } = await import("./layout");
    const positions = await autoLayout(
      stores.documents.getState().document,
      stores.view.getState().sizes,
    );
    guarded(() => editor.getState().perform("auto layout", [{ op: "move", positions }]));
    // Once the canvas has the new positions: fitted now, it would fit the nodes as they were.
    requestAnimationFrame(() => fit(undefined, 200));
  }, [editor, stores, guarded, fit]);

  /** One shortcut from the table in editor/shortcuts.ts. Returns whether it was handled. */
  const run = useCallback(
    (action: ShortcutAction, event: KeyboardEvent): boolean => {
      const view = stores.view.getState();
      const current = stores.documents.getState().document;
      switch (action) {
        case "search":
          setSearching(true);
          return true;
        case "help":
          setHelping(true);
          return true;
        case "fitView":
          fit(undefined, 200);
          return true;
        case "toggleMinimap":
          toggleMinimap();
          return true;
        case "selectAll":
          view.select(NODE_LISTS.flatMap((list) => elementsOf(current, list).map((e) => e.id)));
          return true;
        case "clearSelection":
          view.select([]);
          view.startLink(null);
          view.notify(null);
          stores.connectivity.getState().select(null);
          return true;
        default:
          break;
      }
      if (editor === null) return false;
      switch (action) {
        case "delete":
          guarded(() => onDelete(current, stores.view, editor));
          return true;
        case "undo":
          guarded(() => editor.getState().undo());
          return true;
        case "redo":
          guarded(() => editor.getState().redo());
          return true;
        case "startLink": {
          const [from, ...more] = view.selection.filter((id) => !isHostKey(id));
          if (from === undefined || more.length > 0) {
            view.notify("Select one element to start a link from.");
          } else {
            view.startLink(from);
            view.notify(
              "Linking: choose the other element (Tab to it and press Enter, or click it). Escape cancels.",
            );
          }
          return true;
        }
        case "autoLayout":
          void layOut();
          return true;
        case "move":
        case "moveFar": {
          const delta = moveBy(event);
          if (delta === null) return false;
          const positions = Object.fromEntries(
            nodes
              .filter((node) => view.selection.includes(node.id) && !isHostKey(node.id))
              .map((node) => [
                node.id,
                { x: node.position.x + delta.x, y: node.position.y + delta.y },
              ]),
          );
          if (Object.keys(positions).length === 0) return false;
          guarded(() => editor.getState().perform("move", [{ op: "move", positions }]));
          return true;
        }
        default:
          // Copy, cut and paste go through the browser's clipboard events; Tab and Enter
          // are the canvas's own.
          return false;
      }
    },
    [editor, stores, guarded, fit, layOut, nodes, toggleMinimap],
  );

  useEffect(() => {
    const keydown = (event: KeyboardEvent) => {
      if (isTyping(event.target) || searching || helping) return;
      const shortcut = shortcutFor(event);
      if (shortcut && run(shortcut.action, event)) {
        event.preventDefault();
        // Handled here, before the canvas's own handling of the same keys (arrow keys).
        event.stopPropagation();
      }
    };
    const copyOrCut = (event: ClipboardEvent) => {
      if (isTyping(event.target)) return;
      const selection = stores.view.getState().selection;
      if (selection.length === 0) return;
      const clip = copy(stores.documents.getState().document, selection);
      clipboard.current = { clip, pastes: 0 };
      event.clipboardData?.setData("text/plain", JSON.stringify(clip));
      event.preventDefault();
      if (event.type === "cut" && editor !== null) {
        guarded(() => onDelete(stores.documents.getState().document, stores.view, editor));
      }
    };
    const pasteClip = (event: ClipboardEvent) => {
      if (editor === null || isTyping(event.target)) return;
      const text = event.clipboardData?.getData("text/plain") ?? "";
      const clip = parseClip(text) ?? clipboard.current?.clip ?? null;
      if (clip === null) return;
      event.preventDefault();
      if (clipboard.current?.clip !== clip) clipboard.current = { clip, pastes: 0 };
      const pastes = (clipboard.current.pastes += 1);
      const offset = { x: 40 * pastes, y: 40 * pastes };
      const pasted = guarded(() => paste(stores.documents.getState().document, clip, offset));
      if (pasted === null || pasted.ops.length === 0) return;
      if (guarded(() => editor.getState().perform("paste", pasted.ops)) !== null) {
        stores.view.getState().select(pasted.ids);
      }
    };
    window.addEventListener("keydown", keydown, { capture: true });
    window.addEventListener("copy", copyOrCut);
    window.addEventListener("cut", copyOrCut);
    window.addEventListener("paste", pasteClip);
    return () => {
      window.removeEventListener("keydown", keydown, { capture: true });
      window.removeEventListener("copy", copyOrCut);
      window.removeEventListener("cut", copyOrCut);
      window.removeEventListener("paste", pasteClip);
    };
  }, [editor, stores, guarded, run, searching, helping]);

  // Elements removed (by an undo, or by someone else) leave the selection.
  useEffect(() => {
    if (selection.length === 0) return;
    const present = selection.filter((id) => findElement(document, id) !== undefined);
    if (present.length !== selection.length) stores.view.getState().select(present);
  }, [document, selection, stores]);

  // A link started from the keyboard ends on the next element chosen.
  useEffect(() => {
    if (editor !== null) guarded(() => onLinkTarget(document, stores.view, editor));
  }, [selection, document, editor, stores, guarded]);

  return (
    <div className={props.embed ? "editor embedded" : "editor"}>
      <header className="editor-header">
        {!props.embed && <a href="/app/">Projects</a>}
        {!props.embed && " · "}
        <strong>{topology?.name ?? "Loading…"}</strong> · revision {revision}
        {canEdit ? "" : " · read only"}
        {!props.embed && (
          <>
            {" · "}
            <a
              href={`/app/topologies/${topologyId}/history/${share ? `?share=${encodeURIComponent(share)}` : ""}`}
            >
              History
            </a>
          </>
        )}
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
        <span className="toolbar" role="toolbar" aria-label="View">
          <button type="button" onClick={() => setSearching(true)} aria-keyshortcuts="Control+F /">
            Search
          </button>
          {editor && (
            <button type="button" onClick={() => void layOut()} aria-keyshortcuts="L">
              Auto layout
            </button>
          )}
          <button type="button" onClick={() => fit(undefined, 200)} aria-keyshortcuts="F">
            Fit view
          </button>
          <button
            type="button"
            aria-pressed={showMinimap}
            onClick={toggleMinimap}
            aria-keyshortcuts="M"
          >
            Minimap
          </button>
          <button type="button" onClick={() => setHelping(true)} aria-keyshortcuts="?">
            Shortcuts
          </button>
          <ExportMenu
            {...{ topologyId, share, document, nodes }}
            name={topology?.name ?? `topology-${topologyId}`}
          />
        </span>
        {searching && (
          <SearchBox
            document={document}
            onPick={pick}
            onClose={() => setSearching(false)}
            autoFocus
          />
        )}
        {helping && <ShortcutHelp onClose={() => setHelping(false)} />}
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
        {props.banner}
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
          <FullDetail.Provider value={detailed}>
            <ReactFlow
              nodes={opened ? nodes : NO_NODES}
              edges={opened && detailed ? edges : NO_EDGES}
              nodeTypes={NODE_TYPES}
              nodesDraggable={canEdit}
              nodesConnectable={canEdit}
              connectionMode={ConnectionMode.Loose}
              deleteKeyCode={null}
              onNodesChange={nodesChange}
              onEdgesChange={edgesChange}
              onConnectEnd={connectEnd}
              onlyRenderVisibleElements
            >
              {opened && !detailed && <Sketch nodes={nodes} edges={edges} dragging={dragging} />}
              {/* Dots a few pixels apart only blur the view: none when zoomed out far. */}
              {detailed && <Background />}
              <Controls />
              {showMinimap && <MiniMap pannable zoomable ariaLabel="Minimap" />}
            </ReactFlow>
          </FullDetail.Provider>
        </div>
        <aside className="side">
          <Inspector
            document={document}
            selection={selection}
            findings={findings}
            problems={problems}
            canEdit={canEdit}
            onUpdate={update}
          >
            {selectedHa && drillsOf(selectedHa)}
          </Inspector>
          <DeployPanel
            topologyId={topologyId}
            share={share}
            canEdit={canEdit}
            store={stores.deploy}
            headRevision={revision}
            elementName={(id) => {
              const found = findElement(document, id)?.element;
              return typeof found?.name === "string" && found.name !== "" ? found.name : undefined;
            }}
          />
          <ConnectivityPanel
            topologyId={topologyId}
            share={share}
            canEdit={canEdit}
            store={stores.connectivity}
            deployment={deployment}
            instances={instances}
            selection={selection}
            onSelectElements={(ids) => stores.view.getState().select(ids)}
          />
          <FailoverTimeline
            store={stores.vrrp}
            routers={haRouters}
            loadError={vrrpError}
            drills={drillsOf}
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
