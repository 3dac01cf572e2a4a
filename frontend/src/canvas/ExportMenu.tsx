// The canvas toolbar's Export menu, for everyone who can open the topology (share-link
// visitors too): the picture as SVG or as PNG (twice its size), the saved document as a YAML or
// JSON file (topology as code), and the printable report.
import type { Node } from "@xyflow/react";
import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { TopologyDocument } from "../generated/document";
import { fileName, pngBlob, saveBlob, svgBlob } from "../export/download";
import { drawingOf } from "../export/drawing";
import { buildSvg } from "../export/svg";
import { reportUrl } from "../export/report";
import "../export/export.css";
import { toEdges } from "./adapter";

export function ExportMenu(props: {
  topologyId: number;
  share?: string;
  name: string;
  document: TopologyDocument;
  /** The canvas's nodes: where each element is drawn and what it shows. */
  nodes: readonly Node[];
}) {
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const menu = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as globalThis.Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => event.key === "Escape" && setOpen(false);
    window.addEventListener("mousedown", away);
    window.addEventListener("keydown", escape);
    return () => {
      window.removeEventListener("mousedown", away);
      window.removeEventListener("keydown", escape);
    };
  }, [open]);
  const picture = () =>
    buildSvg(drawingOf(props.nodes, toEdges(props.document, [], true), props.name));
  const attempt = async (work: () => Promise<void>) => {
    setOpen(false);
    setProblem(null);
    try {
      await work();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  const save = (kind: "svg" | "png") =>
    attempt(async () => {
      const svg = picture();
      saveBlob(kind === "svg" ? svgBlob(svg) : await pngBlob(svg, 2), fileName(props.name, kind));
    });
  // The stored document as the server writes it, which POST topologies/ reads back.
  const saveDocument = (kind: "yaml" | "json") =>
    attempt(async () => {
      const file = await api.exportDocument(props.topologyId, kind, props.share);
      saveBlob(file.blob, file.name ?? fileName(props.name, kind));
    });
  return (
    <span className="export-menu" ref={menu}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        Export
      </button>
      {open && (
        <span role="menu" aria-label="Export" className="export-items">
          <button type="button" role="menuitem" onClick={() => void save("svg")}>
            SVG picture
          </button>
          <button type="button" role="menuitem" onClick={() => void save("png")}>
            PNG picture
          </button>
          <button type="button" role="menuitem" onClick={() => void saveDocument("yaml")}>
            Document as YAML
          </button>
          <button type="button" role="menuitem" onClick={() => void saveDocument("json")}>
            Document as JSON
          </button>
          <a
            role="menuitem"
            href={reportUrl(props.topologyId, props.share)}
            target="_blank"
            rel="noopener"
            onClick={() => setOpen(false)}
          >
            Printable report
          </a>
        </span>
      )}
      {problem && (
        <span role="alert" className="export-problem">
          {problem}
        </span>
      )}
    </span>
  );
}
