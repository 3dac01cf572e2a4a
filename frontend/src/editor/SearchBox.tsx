// The search field: a combobox whose list shows the elements matching what is typed (by
// name, id or address). Arrow keys move through the matches, Enter picks one, Escape closes
// the list and then the search.
import { useId, useMemo, useState, type KeyboardEvent } from "react";
import type { TopologyDocument } from "../generated/document";
import type { ElementListName } from "../model/operations";
import { search, type Match } from "../model/search";
import { ariaKeyShortcuts, SHORTCUTS } from "./shortcuts";
import "./keyboard.css";

/** The most matches listed; the status says how many there are in all. */
const SHOWN = 20;

const KIND: Record<ElementListName, string> = {
  networks: "network",
  segments: "segment",
  subnets: "subnet",
  ports: "port",
  instances: "instance",
  routers: "router",
  floating_ips: "floating IP",
  load_balancers: "load balancer",
};

const SEARCH_KEYS = ariaKeyShortcuts(SHORTCUTS.find((s) => s.action === "search")!);

export function SearchBox({
  document,
  onPick,
  onClose,
  autoFocus = false,
}: {
  document: TopologyDocument;
  onPick: (match: Match) => void;
  /** Escape with the list already closed: the owner may hide the search. */
  onClose?: () => void;
  autoFocus?: boolean;
}) {
  const listId = useId();
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const matches = useMemo(() => search(document, query), [document, query]);
  const shown = matches.slice(0, SHOWN);
  const expanded = open && shown.length > 0;
  const current = Math.min(active, shown.length - 1);
  const optionId = (index: number) => `${listId}-option-${index}`;

  const pick = (match: Match) => {
    setOpen(false);
    onPick(match);
  };
  const keydown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (shown.length === 0) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive(expanded ? (current + step + shown.length) % shown.length : 0);
      setOpen(true);
    } else if (event.key === "Enter") {
      const match = shown[current];
      if (expanded && match !== undefined) {
        event.preventDefault();
        pick(match);
      }
    } else if (event.key === "Escape") {
      event.stopPropagation();
      if (expanded) setOpen(false);
      else onClose?.();
    }
  };

  const status =
    query.trim() === "" ? "" : `${matches.length || "No"} match${matches.length === 1 ? "" : "es"}`;
  return (
    <div className="search-box">
      <input
        type="search"
        role="combobox"
        aria-label="Search elements"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded ? optionId(current) : undefined}
        aria-keyshortcuts={SEARCH_KEYS}
        placeholder="Search by name, id or address"
        autoFocus={autoFocus}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
          setOpen(true);
        }}
        onKeyDown={keydown}
        onBlur={() => setOpen(false)}
      />
      <ul id={listId} role="listbox" aria-label="Matches" hidden={!expanded}>
        {expanded &&
          shown.map((match, index) => (
            <li
              key={match.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === current}
              // Keep the focus in the field, so a click picks without a blur first.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pick(match)}
            >
              <span className="search-kind">{KIND[match.list]}</span> {match.label}{" "}
              <span className="search-matched">{match.matched}</span>
            </li>
          ))}
      </ul>
      <span className="search-status" role="status">
        {status}
      </span>
    </div>
  );
}
