/**
 * A small, safe part of Markdown for lab instructions: headings, paragraphs, lists, quotes,
 * code, rules, emphasis and links. It is parsed to a tree that is drawn as React elements, so
 * no text ever becomes HTML: raw HTML in the source shows as the text it is, and a link whose
 * address is not http(s), mailto or on this site is shown as plain text.
 */

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; children: Inline[] }
  | { kind: "em"; children: Inline[] }
  | { kind: "link"; href: string; children: Inline[] };

export type Block =
  | { kind: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { kind: "paragraph"; children: Inline[] }
  | { kind: "list"; ordered: boolean; start: number; items: Inline[][] }
  | { kind: "code"; text: string }
  | { kind: "quote"; children: Block[] }
  | { kind: "rule" };

const SAFE_SCHEMES = ["http:", "https:", "mailto:"];

/** The address a link may open, or null: http(s) and mailto, or one on this site. */
export function safeHref(raw: string): string | null {
  // Browsers drop control characters and whitespace inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex
  const href = raw.trim().replace(/[\u0000-\u0020\u007f]/g, "");
  if (href === "") return null;
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(href);
  if (scheme) return SAFE_SCHEMES.includes(scheme[1]!.toLowerCase()) ? href : null;
  // No scheme: a path, a query or a fragment on this site; "//host" would leave it.
  if (href.startsWith("//") || href.startsWith("\\")) return null;
  return href;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const FENCE = /^\s{0,3}(```|~~~)/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let index = 0;
  const startsBlock = (line: string) =>
    line.trim() === "" ||
    HEADING.test(line) ||
    RULE.test(line) ||
    FENCE.test(line) ||
    QUOTE.test(line) ||
    BULLET.test(line) ||
    NUMBERED.test(line);
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.trim() === "") {
      index += 1;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      index += 1;
      while (index < lines.length && !lines[index]!.trimStart().startsWith(fence[1]!)) {
        body.push(lines[index]!);
        index += 1;
      }
      index += 1; // the closing fence, if there is one
      blocks.push({ kind: "code", text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = heading[1]!.length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ kind: "heading", level, children: parseInline(heading[2]!) });
      index += 1;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ kind: "rule" });
      index += 1;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index]!)) {
        body.push(QUOTE.exec(lines[index]!)![1]!);
        index += 1;
      }
      blocks.push({ kind: "quote", children: parseMarkdown(body.join("\n")) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = NUMBERED.exec(line);
    if (bullet || numbered) {
      const pattern = bullet ? BULLET : NUMBERED;
      const items: string[] = [];
      while (index < lines.length) {
        const current = lines[index]!;
        const item = pattern.exec(current);
        if (item) items.push(item[bullet ? 1 : 2]!);
        else if (current.trim() !== "" && !startsBlock(current) && items.length > 0)
          items[items.length - 1] += ` ${current.trim()}`; // an item's next line
        else break;
        index += 1;
      }
      blocks.push({
        kind: "list",
        ordered: !bullet,
        start: numbered ? Number(numbered[1]) : 1,
        items: items.map(parseInline),
      });
      continue;
    }
    const body: string[] = [];
    while (index < lines.length && (body.length === 0 || !startsBlock(lines[index]!))) {
      body.push(lines[index]!.trim());
      index += 1;
    }
    blocks.push({ kind: "paragraph", children: parseInline(body.join(" ")) });
  }
  return blocks;
}

const ESCAPABLE = "\\`*_{}[]()#+-.!>~|<";

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const flush = () => {
    if (plain !== "") out.push({ kind: "text", text: plain });
    plain = "";
  };
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (char === "\\" && at + 1 < text.length && ESCAPABLE.includes(text[at + 1]!)) {
      plain += text[at + 1];
      at += 2;
      continue;
    }
    if (char === "`") {
      const end = text.indexOf("`", at + 1);
      if (end > at) {
        flush();
        out.push({ kind: "code", text: text.slice(at + 1, end) });
        at = end + 1;
        continue;
      }
    }
    if (text.startsWith("**", at) || text.startsWith("__", at)) {
      const mark = text.slice(at, at + 2);
      const end = text.indexOf(mark, at + 2);
      if (end > at + 2) {
        flush();
        out.push({ kind: "strong", children: parseInline(text.slice(at + 2, end)) });
        at = end + 2;
        continue;
      }
    }
    if ((char === "*" || char === "_") && at + 1 < text.length && text[at + 1] !== " ") {
      // "_" inside a word (snake_case) is not emphasis.
      const inWord = char === "_" && at > 0 && /\w/.test(text[at - 1]!);
      const end = text.indexOf(char, at + 1);
      if (!inWord && end > at + 1 && text[end - 1] !== " ") {
        flush();
        out.push({ kind: "em", children: parseInline(text.slice(at + 1, end)) });
        at = end + 1;
        continue;
      }
    }
    if (char === "[") {
      const link = /^\[([^\]]+)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+"[^"]*")?\)/.exec(
        text.slice(at),
      );
      if (link) {
        flush();
        const children = parseInline(link[1]!);
        const href = safeHref(link[2]!);
        if (href === null) out.push(...children);
        else out.push({ kind: "link", href, children });
        at += link[0].length;
        continue;
      }
    }
    plain += char;
    at += 1;
  }
  flush();
  return out;
}

/** The text of some inlines, without their marks. */
export function plainText(inlines: Inline[]): string {
  return inlines
    .map((inline) =>
      inline.kind === "text" || inline.kind === "code" ? inline.text : plainText(inline.children),
    )
    .join("");
}
