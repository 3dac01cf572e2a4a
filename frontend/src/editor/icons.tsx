// Small inline icons for the element kinds: drawn here, so pages load nothing from elsewhere.
import type { ReactElement } from "react";
import type { PaletteKind } from "../model/palette";

const stroke = {
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.6,
  strokeLinecap: "round" as const,
};

const SHAPES: Record<PaletteKind, ReactElement> = {
  provider: (
    <g {...stroke}>
      <rect x="3" y="9" width="18" height="6" rx="1" />
      <path d="M7 9V5M12 9V5M17 9V5" />
    </g>
  ),
  routed_provider: (
    <g {...stroke}>
      <rect x="3" y="4" width="8" height="5" rx="1" />
      <rect x="13" y="15" width="8" height="5" rx="1" />
      <path d="M7 9v4h10v2" />
    </g>
  ),
  self_service: (
    <g {...stroke}>
      <ellipse cx="12" cy="12" rx="9" ry="5" />
      <path d="M7 12h10M14 9l3 3-3 3" />
    </g>
  ),
  docker_bridge: (
    <g {...stroke}>
      <path d="M3 15c3-6 15-6 18 0M3 15h18M8 15v-3M16 15v-3M12 15v-4" />
    </g>
  ),
  docker_none: (
    <g {...stroke}>
      <circle cx="12" cy="12" r="8" />
      <path d="M6.5 17.5l11-11" />
    </g>
  ),
  docker_host: (
    <g {...stroke}>
      <rect x="4" y="5" width="16" height="11" rx="1" />
      <path d="M9 20h6M12 16v4" />
    </g>
  ),
  docker_user_bridge: (
    <g {...stroke}>
      <path d="M3 16c3-6 15-6 18 0M3 16h18" />
      <circle cx="12" cy="6" r="2.5" />
    </g>
  ),
  docker_overlay: (
    <g {...stroke}>
      <rect x="3" y="10" width="12" height="8" rx="1" />
      <rect x="9" y="5" width="12" height="8" rx="1" />
    </g>
  ),
  docker_macvlan: (
    <g {...stroke}>
      <path d="M4 18V8l4 5 4-5v10" />
      <path d="M15 8l3 10 3-10" />
    </g>
  ),
  segment: (
    <g {...stroke}>
      <path d="M3 12h5M10 12h4M16 12h5" />
      <path d="M8 8v8M16 8v8" />
    </g>
  ),
  subnet: (
    <g {...stroke}>
      <rect x="4" y="6" width="16" height="12" rx="2" strokeDasharray="3 2" />
      <path d="M8 12h8" />
    </g>
  ),
  router: (
    <g {...stroke}>
      <circle cx="12" cy="12" r="8" />
      <path d="M8 9h8l-2-2M16 15H8l2 2" />
    </g>
  ),
  instance: (
    <g {...stroke}>
      <rect x="5" y="4" width="14" height="16" rx="1" />
      <path d="M8 8h8M8 12h8M8 16h4" />
    </g>
  ),
  floating_ip: (
    <g {...stroke}>
      <path d="M12 3l3 5h-6z" />
      <circle cx="12" cy="15" r="5" />
      <path d="M12 8v2" />
    </g>
  ),
  load_balancer: (
    <g {...stroke}>
      <circle cx="12" cy="5" r="2.5" />
      <path d="M12 7.5V11M5 19v-5h14v5M12 11v8" />
    </g>
  ),
};

export function KindIcon({ kind, size = 20 }: { kind: PaletteKind; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {SHAPES[kind]}
    </svg>
  );
}

/** The palette kind an element is drawn as. */
export function kindOf(list: string, element: Record<string, unknown>): PaletteKind {
  if (list === "networks" && typeof element.kind === "string") return element.kind as PaletteKind;
  const byList: Record<string, PaletteKind> = {
    segments: "segment",
    subnets: "subnet",
    routers: "router",
    instances: "instance",
    floating_ips: "floating_ip",
    load_balancers: "load_balancer",
  };
  return byList[list] ?? "instance";
}

/** A host (a server in a rack): the box instances are pinned to. */
export function HostIcon({ size = 14 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <g {...stroke}>
        <rect x="4" y="4" width="16" height="7" rx="1" />
        <rect x="4" y="13" width="16" height="7" rx="1" />
        <path d="M8 7.5h.01M8 16.5h.01" />
      </g>
    </svg>
  );
}
