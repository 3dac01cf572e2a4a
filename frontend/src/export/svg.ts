/**
 * A topology's picture as a standalone SVG document, built from a plain description of what
 * the canvas draws (see drawing.ts): host boxes, one shape per element with its name, its
 * addresses and its state as text, and the lines between them. Pure: the same string for the
 * download, the PNG and the printable report.
 */

export type Tone = "error" | "warning" | null;

export interface DrawnElement {
  id: string;
  /** The element's kind as the palette names it (`router`, `subnet`, `self_service`, ...). */
  kind: string;
  x: number;
  y: number;
  /** As drawn on the canvas; the shape grows when its text needs more room. */
  width: number;
  height: number;
  name: string;
  /** Addresses: CIDR, fixed and floating IPs, gateway, VLAN or VNI. */
  lines: readonly string[];
  /** Deploy state or drift, HA instances' VRRP states. */
  state: readonly string[];
  tone: Tone;
}

export interface DrawnHost {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DrawnLine {
  source: string;
  target: string;
  label?: string;
  dashed?: boolean;
}

export interface Drawing {
  title?: string;
  hosts: readonly DrawnHost[];
  elements: readonly DrawnElement[];
  lines: readonly DrawnLine[];
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Room around the picture, and for the title above it. */
export const MARGIN = 24;
const TITLE_HEIGHT = 28;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const NAME_SIZE = 13;
const LINE_SIZE = 11;
const LINE_HEIGHT = 14;
const PAD = 8;
/** Average advance of a character, as a share of the font size: enough for most names. */
const ADVANCE = 0.62;

/** `text` safe inside an XML element or a quoted attribute. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

function textWidth(text: string, size: number): number {
  return text.length * size * ADVANCE;
}

/** An element's shape as drawn: at least its canvas size, and big enough for its text. */
export function sized(element: DrawnElement): DrawnElement {
  const texts = [...element.lines, ...element.state];
  const wide = Math.max(
    textWidth(element.name, NAME_SIZE),
    ...texts.map((text) => textWidth(text, LINE_SIZE)),
  );
  const tall = PAD * 2 + NAME_SIZE + 4 + texts.length * LINE_HEIGHT;
  return {
    ...element,
    width: Math.ceil(Math.max(element.width, wide + PAD * 2 + 4)),
    height: Math.ceil(Math.max(element.height, tall)),
  };
}

/** The smallest box around every host box and (sized) element; null for an empty drawing. */
export function boundsOf(
  elements: readonly DrawnElement[],
  hosts: readonly DrawnHost[] = [],
): Box | null {
  const boxes: Box[] = [...hosts, ...elements.map(sized)];
  if (boxes.length === 0) return null;
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

const FILL: Record<string, { fill: string; stroke: string }> = {
  network: { fill: "#e7f0fd", stroke: "#2f6fcf" },
  segment: { fill: "#eef4fd", stroke: "#2f6fcf" },
  subnet: { fill: "#e9f7ee", stroke: "#2e8b57" },
  router: { fill: "#fff4e0", stroke: "#c77700" },
  instance: { fill: "#f3effc", stroke: "#6a4fb3" },
  floating_ip: { fill: "#fdf0f5", stroke: "#b03a6b" },
};
const TONE_STROKE = { error: "#c62828", warning: "#e39b00" };

/** The family of shapes a kind is drawn with: every network kind alike. */
function family(kind: string): keyof typeof FILL {
  return kind in FILL ? (kind as keyof typeof FILL) : "network";
}

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function shape(element: DrawnElement): string {
  const { x, y, width: w, height: h } = element;
  const kind = family(element.kind);
  const colours = FILL[kind]!;
  const stroke = element.tone ? TONE_STROKE[element.tone] : colours.stroke;
  const paint = `fill="${colours.fill}" stroke="${stroke}" stroke-width="${element.tone ? 2.5 : 1.5}"`;
  switch (kind) {
    case "router": {
      // An octagon: corners cut by a quarter of the height.
      const c = Math.min(12, h / 4);
      const points = [
        [x + c, y],
        [x + w - c, y],
        [x + w, y + c],
        [x + w, y + h - c],
        [x + w - c, y + h],
        [x + c, y + h],
        [x, y + h - c],
        [x, y + c],
      ];
      return `<polygon points="${points.map(([px, py]) => `${num(px!)},${num(py!)}`).join(" ")}" ${paint}/>`;
    }
    case "instance":
      // A machine: a box with a title bar.
      return (
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="3" ${paint}/>` +
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="5" fill="${stroke}"/>`
      );
    case "floating_ip":
      return `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="${num(Math.min(h / 2, 18))}" ${paint} stroke-dasharray="5 3"/>`;
    case "segment":
      return `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="4" ${paint} stroke-dasharray="6 3"/>`;
    case "subnet":
      return `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="10" ${paint}/>`;
    default:
      // Networks: a band with a thick top edge, as a wire.
      return (
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" rx="2" ${paint}/>` +
        `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="4" fill="${stroke}"/>`
      );
  }
}

function kindWords(kind: string): string {
  return kind.replace(/_/g, " ");
}

function elementSvg(element: DrawnElement): string {
  const left = element.x + PAD;
  let baseline = element.y + PAD + NAME_SIZE;
  const texts = [
    `<text x="${num(left)}" y="${num(baseline)}" class="name">${xmlEscape(element.name)}</text>`,
  ];
  for (const line of element.lines) {
    baseline += LINE_HEIGHT;
    texts.push(
      `<text x="${num(left)}" y="${num(baseline)}" class="address">${xmlEscape(line)}</text>`,
    );
  }
  for (const line of element.state) {
    baseline += LINE_HEIGHT;
    texts.push(
      `<text x="${num(left)}" y="${num(baseline)}" class="state">${xmlEscape(line)}</text>`,
    );
  }
  const tone = element.tone ? ` data-finding="${element.tone}"` : "";
  return (
    `<g class="element" data-id="${xmlEscape(element.id)}" data-kind="${xmlEscape(element.kind)}"${tone}>` +
    `<title>${xmlEscape(`${kindWords(element.kind)} ${element.name}`)}</title>` +
    shape(element) +
    texts.join("") +
    "</g>"
  );
}

function hostSvg(host: DrawnHost): string {
  return (
    `<g class="host">` +
    `<rect x="${num(host.x)}" y="${num(host.y)}" width="${num(host.width)}" height="${num(host.height)}" rx="8" fill="#f7f7f8" stroke="#9aa0a6" stroke-dasharray="8 4"/>` +
    `<text x="${num(host.x + 10)}" y="${num(host.y + 17)}" class="host-name">host ${xmlEscape(host.name)}</text>` +
    "</g>"
  );
}

function lineSvg(line: DrawnLine, boxes: ReadonlyMap<string, DrawnElement>): string {
  const [source, target] = [boxes.get(line.source), boxes.get(line.target)];
  if (source === undefined || target === undefined) return "";
  // As on the canvas: from the bottom middle of the source to the top middle of the target.
  const from = { x: source.x + source.width / 2, y: source.y + source.height };
  const to = { x: target.x + target.width / 2, y: target.y };
  const dash = line.dashed ? ` stroke-dasharray="4 4"` : "";
  let svg = `<line x1="${num(from.x)}" y1="${num(from.y)}" x2="${num(to.x)}" y2="${num(to.y)}" stroke="#5f6368" stroke-width="1.3"${dash}/>`;
  if (line.label) {
    const mid = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
    svg += `<text x="${num(mid.x)}" y="${num(mid.y + 4)}" class="line-label">${xmlEscape(line.label)}</text>`;
  }
  return svg;
}

const STYLE =
  `text{font-family:${FONT};fill:#202124}` +
  `.name{font-size:${NAME_SIZE}px;font-weight:600}` +
  `.address{font-size:${LINE_SIZE}px;fill:#3c4043}` +
  `.state{font-size:${LINE_SIZE}px;fill:#0b6e4f;font-weight:600}` +
  `.host-name{font-size:12px;fill:#5f6368;font-weight:600}` +
  `.line-label{font-size:10px;fill:#5f6368;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}` +
  `.title{font-size:16px;font-weight:700}`;

/** The drawing as a standalone SVG document, sized to its bounding box plus a margin. */
export function buildSvg(drawing: Drawing): string {
  const elements = drawing.elements.map(sized);
  const box = boundsOf(elements, drawing.hosts) ?? { x: 0, y: 0, width: 200, height: 80 };
  const titled = drawing.title !== undefined && drawing.title !== "";
  const top = titled ? TITLE_HEIGHT : 0;
  const view = {
    x: box.x - MARGIN,
    y: box.y - MARGIN - top,
    width: box.width + MARGIN * 2,
    height: box.height + MARGIN * 2 + top,
  };
  const byId = new Map(elements.map((element) => [element.id, element]));
  const parts = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(view.width)}" height="${Math.ceil(view.height)}" viewBox="${num(view.x)} ${num(view.y)} ${Math.ceil(view.width)} ${Math.ceil(view.height)}">`,
    `<style>${STYLE}</style>`,
    `<rect x="${num(view.x)}" y="${num(view.y)}" width="${Math.ceil(view.width)}" height="${Math.ceil(view.height)}" fill="#ffffff"/>`,
  ];
  if (titled) {
    parts.push(
      `<text x="${num(view.x + MARGIN)}" y="${num(view.y + MARGIN + 4)}" class="title">${xmlEscape(drawing.title!)}</text>`,
    );
  }
  parts.push(...drawing.hosts.map(hostSvg));
  parts.push(`<g class="lines">${drawing.lines.map((line) => lineSvg(line, byId)).join("")}</g>`);
  parts.push(...elements.map(elementSvg));
  parts.push("</svg>");
  return parts.join("\n");
}
