// Lab instructions' Markdown: the parts it understands, and that nothing in it becomes markup
// or a link that runs script.
import { describe, expect, it } from "vitest";
import { parseInline, parseMarkdown, plainText, safeHref } from "../src/pages/labs/markdown";

describe("lab instructions' Markdown", () => {
  it("reads headings, paragraphs, lists, code, quotes and rules", () => {
    const blocks = parseMarkdown(
      [
        "# Two tiers",
        "Join the tiers with an **HA** router,",
        "then check.",
        "",
        "- web1 on `web`",
        "- db1 on *db*",
        "",
        "2. first",
        "3. second",
        "",
        "```",
        "ping db1 <now>",
        "```",
        "> a hint",
        "---",
      ].join("\n"),
    );
    expect(blocks.map((block) => block.kind)).toEqual([
      "heading",
      "paragraph",
      "list",
      "list",
      "code",
      "quote",
      "rule",
    ]);
    expect(blocks[0]).toEqual({
      kind: "heading",
      level: 1,
      children: [{ kind: "text", text: "Two tiers" }],
    });
    expect(blocks[1]).toEqual({
      kind: "paragraph",
      children: [
        { kind: "text", text: "Join the tiers with an " },
        { kind: "strong", children: [{ kind: "text", text: "HA" }] },
        { kind: "text", text: " router, then check." },
      ],
    });
    expect(blocks[2]).toMatchObject({
      ordered: false,
      items: [
        [{}, { kind: "code", text: "web" }],
        [{}, { kind: "em" }],
      ],
    });
    expect(blocks[3]).toMatchObject({ ordered: true, start: 2 });
    expect(blocks[4]).toEqual({ kind: "code", text: "ping db1 <now>" });
    expect(blocks[5]).toMatchObject({ kind: "quote", children: [{ kind: "paragraph" }] });
  });

  it("keeps raw HTML as the text it is", () => {
    const blocks = parseMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">');
    expect(blocks).toEqual([
      { kind: "paragraph", children: [{ kind: "text", text: "<script>alert(1)</script>" }] },
      { kind: "paragraph", children: [{ kind: "text", text: '<img src=x onerror="alert(2)">' }] },
    ]);
  });

  it("links only to http(s), mailto and this site", () => {
    expect(parseInline("see [the guide](https://example.org/a_(b))")).toEqual([
      { kind: "text", text: "see " },
      {
        kind: "link",
        href: "https://example.org/a_(b)",
        children: [{ kind: "text", text: "the guide" }],
      },
    ]);
    expect(parseInline("[history](/app/labs/3/)")).toMatchObject([
      { kind: "link", href: "/app/labs/3/" },
    ]);
    for (const href of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,<b>x</b>",
      "vbscript:msgbox",
      "//evil.example/",
    ]) {
      expect(safeHref(href)).toBeNull();
    }
    // An unsafe link keeps its words, as text.
    expect(parseInline("[click me](javascript:alert(1))")).toEqual([
      { kind: "text", text: "click me" },
    ]);
    expect(safeHref("mailto:teacher@example.org")).toBe("mailto:teacher@example.org");
  });

  it("leaves snake_case words, escapes and lone marks alone", () => {
    expect(plainText(parseInline("storage_net and db_net"))).toBe("storage_net and db_net");
    expect(parseInline("storage_net and db_net")).toEqual([
      { kind: "text", text: "storage_net and db_net" },
    ]);
    expect(parseInline("2 * 3 = 6, \\*not em\\*")).toEqual([
      { kind: "text", text: "2 * 3 = 6, *not em*" },
    ]);
    expect(parseInline("a `b")).toEqual([{ kind: "text", text: "a `b" }]);
  });
});

describe("lab instructions drawn", () => {
  it("escape every text and keep only safe links", async () => {
    const { renderToStaticMarkup } = await import("react-dom/server");
    const { createElement } = await import("react");
    const { Markdown } = await import("../src/pages/labs/Markdown");
    const html = renderToStaticMarkup(
      createElement(Markdown, {
        source:
          '# Lab <b>one</b>\n<script>alert(1)</script> [x](javascript:alert(2)) [ok](https://example.org/?a="b")',
      }),
    );
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("javascript:");
    expect(html).toContain("<h2>Lab &lt;b&gt;one&lt;/b&gt;</h2>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt; x ");
    expect(html).toContain('href="https://example.org/?a=&quot;b&quot;"');
  });
});
