// A topology on the canvas, read from the document store, kept live by the socket.
import { Background, Controls, ReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import { useStore } from "zustand";
import { createDocumentStore } from "../store/document";
import { createUndoStore } from "../store/undo";
import { createViewStore } from "../store/view";
import { connectTopology, type Connection } from "../sync/socket";
import { onNodesChange, toFlow } from "./adapter";

export function TopologyView({ topologyId, share }: { topologyId: number; share?: string }) {
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

  const document = useStore(stores.documents, (s) => s.document);
  const topology = useStore(stores.documents, (s) => s.topology);
  const revision = useStore(stores.documents, (s) => s.revision);
  const canEdit = useStore(stores.documents, (s) => s.canEdit);
  const problems = useStore(stores.documents, (s) => s.problems);
  const dragging = useStore(stores.view, (s) => s.dragging);
  const selection = useStore(stores.view, (s) => s.selection);
  const { nodes, edges } = useMemo(
    () => toFlow(document, dragging, selection),
    [document, dragging, selection],
  );

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100vh" }}>
      <header style={{ padding: "0.5rem 1rem", fontFamily: "system-ui, sans-serif" }}>
        <strong>{topology?.name ?? "Loading…"}</strong> · revision {revision}
        {canEdit ? "" : " · read only"}
        {problems.map((problem, index) => (
          <div key={index} role="alert">
            {problem.detail}
            {problem.errors.map((e) => ` ${e.path}: ${e.message}`).join(";")}
          </div>
        ))}
      </header>
      <div style={{ flex: 1 }}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodesDraggable={canEdit}
          onNodesChange={(changes) => onNodesChange(changes, stores.view, canEdit ? undo : null)}
          fitView
        >
          <Background />
          <Controls />
        </ReactFlow>
      </div>
    </div>
  );
}
