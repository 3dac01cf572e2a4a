// How one element looks on the canvas: its kind's icon and its label, with handles to draw
// links from and to. A finding on it shows as a red (error) or amber (warning) outline.
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { KindIcon, kindOf } from "../editor/icons";
import type { ElementNodeData } from "./adapter";

export function ElementNode({ data }: NodeProps<Node<ElementNodeData>>) {
  const kind = kindOf(data.list, data.element);
  return (
    <div
      className={`element-node ${data.severity ? `finding-${data.severity}` : ""}`}
      data-kind={kind}
      aria-label={`${kind.replace(/_/g, " ")} ${data.label}${data.severity ? ` (${data.severity})` : ""}`}
    >
      <Handle type="target" position={Position.Top} />
      <KindIcon kind={kind} size={18} />
      <span>{data.label}</span>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}
