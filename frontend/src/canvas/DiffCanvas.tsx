// A read-only canvas of two revisions at once: the elements of both, drawn as the editor draws
// them, coloured by what happened to each (added, removed, changed), with a legend. Clicking
// an element selects it; an element selected elsewhere is brought to the middle of the view.
import {
  Background,
  Controls,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useRef } from "react";
import "../editor/editor.css";
import type { TopologyDocument } from "../generated/document";
import type { ElementStatus } from "../model/diff";
import "../pages/history.css";
import { toFlow } from "./adapter";
import { ElementNode } from "./ElementNode";

const NODE_TYPES = { element: ElementNode };

const LEGEND: { status: Exclude<ElementStatus, "unchanged">; label: string }[] = [
  { status: "added", label: "Added" },
  { status: "removed", label: "Removed" },
  { status: "changed", label: "Changed" },
];

export interface DiffCanvasProps {
  /** Both revisions in one document (see model/diff.ts `compareRevisions`). */
  document: TopologyDocument;
  statuses: Record<string, ElementStatus>;
  selected: string | null;
  onSelect(id: string | null): void;
}

export function DiffCanvas(props: DiffCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}

function Canvas({ document, statuses, selected, onSelect }: DiffCanvasProps) {
  const flow = useReactFlow();
  // What was clicked on the canvas is in view already: only a selection from elsewhere moves it.
  const clicked = useRef<string | null>(null);
  const pick = (id: string | null) => {
    clicked.current = id;
    onSelect(id);
  };
  const { nodes, edges } = useMemo(
    () => coloured(document, statuses, selected),
    [document, statuses, selected],
  );

  useEffect(() => {
    const fromCanvas = selected === clicked.current;
    clicked.current = null;
    if (selected === null || fromCanvas) return;
    // A port is drawn as an edge: bring both of its ends into view.
    const edge = edges.find((candidate) => candidate.id === selected);
    const ids = edge ? [edge.source, edge.target] : [selected];
    if (!ids.every((id) => nodes.some((node) => node.id === id))) return;
    void flow.fitView({ nodes: ids.map((id) => ({ id })), duration: 300, maxZoom: 1.25 });
  }, [selected, flow, nodes, edges]);

  return (
    <div className="diff-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        deleteKeyCode={null}
        onNodeClick={(_, node) => pick(node.id)}
        onEdgeClick={(_, edge) => pick(edge.selectable === false ? null : edge.id)}
        onPaneClick={() => pick(null)}
        fitView
        fitViewOptions={{ maxZoom: 1 }}
      >
        <Background />
        <Controls showInteractive={false} />
        <Panel position="top-left">
          <ul className="diff-legend" aria-label="Legend">
            {LEGEND.map(({ status, label }) => (
              <li key={status}>
                <span className={`diff-swatch diff-${status}`} aria-hidden="true" /> {label}
              </li>
            ))}
          </ul>
        </Panel>
      </ReactFlow>
    </div>
  );
}

/** The editor's nodes and edges, each with its status as a class (and in its name, for
 * screen readers). An edge drawn for an element (a subnet's line to its network) takes that
 * element's status. */
function coloured(
  document: TopologyDocument,
  statuses: Record<string, ElementStatus>,
  selected: string | null,
): { nodes: Node[]; edges: Edge[] } {
  const flow = toFlow(document, {}, selected === null ? [] : [selected]);
  const nodes = flow.nodes.map((node) => {
    const status = statuses[node.id] ?? "unchanged";
    const label = typeof node.data.label === "string" ? node.data.label : node.id;
    return { ...node, className: `diff-${status}`, ariaLabel: `${label}: ${status}` };
  });
  const edges = flow.edges.map((edge) => {
    const owner = edge.id.split("~")[0]!;
    return { ...edge, className: `diff-${statuses[owner] ?? "unchanged"}` };
  });
  return { nodes, edges };
}
