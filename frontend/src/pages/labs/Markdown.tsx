// Lab instructions drawn from the safe Markdown tree (markdown.ts) as React elements: every
// text is a text node, so nothing the instructor wrote can become markup or script.
import { createElement, Fragment, type ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "./markdown";

function inlines(items: Inline[]): ReactNode[] {
  return items.map((item, key) => {
    switch (item.kind) {
      case "text":
        return <Fragment key={key}>{item.text}</Fragment>;
      case "code":
        return <code key={key}>{item.text}</code>;
      case "strong":
        return <strong key={key}>{inlines(item.children)}</strong>;
      case "em":
        return <em key={key}>{inlines(item.children)}</em>;
      case "link": {
        const away = /^(https?|mailto):/i.test(item.href);
        return (
          <a
            key={key}
            href={item.href}
            {...(away ? { rel: "noopener noreferrer", target: "_blank" } : {})}
          >
            {inlines(item.children)}
          </a>
        );
      }
    }
  });
}

function blocks(items: Block[]): ReactNode[] {
  return items.map((block, key) => {
    switch (block.kind) {
      case "heading":
        // One level below the page's own heading, so the outline stays whole.
        return createElement(`h${Math.min(6, block.level + 1)}`, { key }, inlines(block.children));
      case "paragraph":
        return <p key={key}>{inlines(block.children)}</p>;
      case "list": {
        const items = block.items.map((item, index) => <li key={index}>{inlines(item)}</li>);
        return block.ordered ? (
          <ol key={key} start={block.start}>
            {items}
          </ol>
        ) : (
          <ul key={key}>{items}</ul>
        );
      }
      case "code":
        return (
          <pre key={key}>
            <code>{block.text}</code>
          </pre>
        );
      case "quote":
        return <blockquote key={key}>{blocks(block.children)}</blockquote>;
      case "rule":
        return <hr key={key} />;
    }
  });
}

export function Markdown({ source, label }: { source: string; label?: string }) {
  return (
    <div className="markdown" aria-label={label}>
      {blocks(parseMarkdown(source))}
    </div>
  );
}
