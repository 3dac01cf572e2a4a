// How one element looks on the canvas: its kind's icon, its label and its addresses badge,
// with handles to draw links from and to. A finding on it shows as a red (error) or amber
// (warning) outline; another person's selection as an outline in their colour. An HA router
// lists its instances, the master first, by host; a deployed load balancer its members, up or
// down. Zoomed out
// too far to read, an element is a plain box of the same size.
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import { elementBadge } from "../editor/DeployPanel";
import { vrrpLabel } from "../editor/FailoverTimeline";
import { HostIcon, KindIcon, kindOf } from "../editor/icons";
import type { ElementNodeData, HostNodeData } from "./adapter";

const BADGE_LINES = 3;

/** A load balancer's line: "10.0.0.9:80 · round robin · 2 members" (the VIP is "auto" until
 * one is given or allocated). */
export function balancerSummary(element: Record<string, unknown>): string {
  const vip = typeof element.vip_address === "string" ? element.vip_address : "auto";
  const members = Array.isArray(element.members) ? element.members.length : 0;
  const algorithm = String(element.algorithm ?? "round_robin").replace(/_/g, " ");
  return `${vip}:${String(element.port)} · ${algorithm} · ${members} member${members === 1 ? "" : "s"}`;
}

/** Whether elements are drawn in full (icon, label, addresses) or, zoomed out too far to read
 * them, as plain boxes: a thousand boxes of words cost every frame, and say nothing at that
 * size. A context, so that only the elements redraw when it changes, not per frame. */
export const FullDetail = createContext(true);

function describe(kind: string, data: ElementNodeData): string {
  const words = [`${kind.replace(/_/g, " ")} ${data.label}`];
  if (data.badge.length > 0) words.push(data.badge.join(", "));
  if (data.list === "load_balancers") words.push(balancerSummary(data.element));
  if (data.severity) words.push(`(${data.severity})`);
  if (data.presence.length > 0)
    words.push(`selected by ${data.presence.map((p) => p.name).join(", ")}`);
  if (data.deploy) words.push(`deploy: ${data.deploy}`);
  if (data.vrrp.length > 0)
    words.push(
      `VRRP: ${data.vrrp.map((i) => `${vrrpLabel(i.state, i.takenOver).text} ${i.host}`).join(", ")}`,
    );
  if (data.members.length > 0)
    words.push(`members: ${data.members.map((m) => `${m.member} ${m.state}`).join(", ")}`);
  return words.join(" ");
}

export const ElementNode = memo(function ElementNode({
  data,
  width,
  height,
}: NodeProps<Node<ElementNodeData>>) {
  const full = useContext(FullDetail);
  const kind = kindOf(data.list, data.element);
  const mark = data.presence[0];
  const shown = data.badge.slice(0, BADGE_LINES);
  const deployed = data.deploy ? elementBadge(data.deploy) : null;
  const className = `element-node ${data.severity ? `finding-${data.severity}` : ""}`;
  const outline = mark ? { boxShadow: `0 0 0 3px ${mark.color}` } : undefined;
  if (!full) {
    // As big as it was last drawn in full, so that the lines keep their ends.
    return (
      <div
        className={`${className} far`}
        data-kind={kind}
        aria-label={describe(kind, data)}
        style={{ ...outline, width, height }}
      >
        <Handle type="target" position={Position.Top} />
        <Handle type="source" position={Position.Bottom} />
      </div>
    );
  }
  return (
    <div className={className} data-kind={kind} aria-label={describe(kind, data)} style={outline}>
      <Handle type="target" position={Position.Top} />
      <KindIcon kind={kind} size={18} />
      <span className="element-text">
        <span>{data.label}</span>
        {shown.length > 0 && (
          <span className="badge" data-testid="address-badge">
            {shown.join(" · ")}
            {data.badge.length > BADGE_LINES && ` +${data.badge.length - BADGE_LINES}`}
          </span>
        )}
        {data.list === "load_balancers" && (
          <span className="badge" data-testid="balancer-summary">
            {balancerSummary(data.element)}
          </span>
        )}
        {data.members.length > 0 && (
          <ul className="member-badges" aria-label="Members" data-testid="member-badges">
            {data.members.map(({ member, state }) => (
              <li
                key={member}
                className={`member-badge member-${state}`}
                data-member={member}
                data-state={state}
                title={
                  state === "down"
                    ? "Failed its health checks: it gets no new connections."
                    : "Passes its health checks."
                }
              >
                {member} {state}
              </li>
            ))}
          </ul>
        )}
        {data.vrrp.length > 0 && (
          <ul className="vrrp-badges" aria-label="VRRP instances" data-testid="vrrp-badges">
            {data.vrrp.map((instance) => {
              const label = vrrpLabel(instance.state, instance.takenOver);
              return (
                <li
                  key={instance.host}
                  className={`vrrp-badge vrrp-${instance.takenOver ? "unknown" : instance.state}`}
                  data-host={instance.host}
                  data-state={instance.state}
                  data-taken-over={instance.takenOver ? "true" : undefined}
                  title={
                    instance.takenOver
                      ? "Reported master, then another instance took over; no report since."
                      : undefined
                  }
                >
                  {label.text} {instance.host}
                </li>
              );
            })}
          </ul>
        )}
      </span>
      {mark && (
        <span className="presence-tag" style={{ background: mark.color }}>
          {data.presence.map((p) => p.name).join(", ")}
        </span>
      )}
      {deployed && <span className={deployed.className}>{deployed.text}</span>}
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
});

/** A host's box: instances dropped into it are pinned to the host. */
export const HostNode = memo(function HostNode({ data }: NodeProps<Node<HostNodeData>>) {
  return (
    <div className={`host-box${data.dropTarget ? " drop-target" : ""}`} data-host={data.name}>
      <span className="host-name">
        <HostIcon /> {data.name}
      </span>
    </div>
  );
});
