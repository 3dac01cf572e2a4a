/**
 * Finding elements in a topology by name, id, address or CIDR, for the editor's search box.
 * An address finds what holds it (a port's fixed IP, a subnet's gateway, a floating IP, a
 * router's external gateway, a load balancer's VIP) and the subnets whose CIDR contains it; a CIDR finds the subnets
 * it overlaps and the addresses inside it. Exact matches come first.
 */
import type { TopologyDocument } from "../generated/document";
import { contains, overlap, parseAddress, parsePrefix, sameAddress } from "./ip";
import { ELEMENT_LISTS, elementsOf, type AnyElement, type ElementListName } from "./operations";

export interface Match {
  /** The element to select; a port (drawn as a link) is selected by its own id. */
  id: string;
  list: ElementListName;
  /** The element's name, else its id; a port without a name reads "device → network". */
  label: string;
  /** What matched: "name", "id", "address 10.0.0.5", "CIDR 10.0.0.0/24", ... */
  matched: string;
  /** The query is the whole name, id, address or CIDR, not part of one. */
  exact: boolean;
}

/** How good a match is: lower is better. */
const RANK = { exact: 0, containment: 1, prefix: 2, substring: 3 } as const;
type Rank = (typeof RANK)[keyof typeof RANK];

interface Candidate {
  rank: Rank;
  matched: string;
}

/** An address-like field of an element: what it is called, and its text. */
interface Field {
  what: string;
  text: string;
}

export function search(document: TopologyDocument, query: string): Match[] {
  const text = query.trim().toLowerCase();
  if (text === "") return [];
  const asAddress = parseAddress(text);
  const asPrefix = text.includes("/") ? parsePrefix(text) : null;
  const byId = new Map(
    ELEMENT_LISTS.flatMap((list) => elementsOf(document, list)).map((e) => [e.id, e]),
  );
  const found: (Match & { rank: Rank })[] = [];
  for (const list of ELEMENT_LISTS) {
    for (const element of elementsOf(document, list)) {
      const candidates = [
        ...byWords(element, text),
        ...fieldsOf(list, element).map((field) => byField(field, text, asAddress, asPrefix)),
      ].filter((candidate): candidate is Candidate => candidate !== null);
      if (candidates.length === 0) continue;
      const best = candidates.reduce((a, b) => (b.rank < a.rank ? b : a));
      found.push({
        id: element.id,
        list,
        label: labelOf(byId, list, element),
        matched: best.matched,
        exact: best.rank === RANK.exact,
        rank: best.rank,
      });
    }
  }
  found.sort(
    (a, b) =>
      a.rank - b.rank ||
      compare(a.label.toLowerCase(), b.label.toLowerCase()) ||
      compare(a.id, b.id),
  );
  return found.map(({ rank: _rank, ...match }) => match);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byWords(element: AnyElement, text: string): Candidate[] {
  const candidates: Candidate[] = [];
  const name = typeof element.name === "string" ? element.name.toLowerCase() : "";
  if (name !== "" && name.includes(text)) {
    const rank = name === text ? RANK.exact : name.startsWith(text) ? RANK.prefix : RANK.substring;
    candidates.push({ rank, matched: "name" });
  }
  const id = element.id.toLowerCase();
  if (id.includes(text)) {
    candidates.push({ rank: id === text ? RANK.exact : RANK.substring, matched: "id" });
  }
  return candidates;
}

function byField(
  field: Field,
  text: string,
  asAddress: ReturnType<typeof parseAddress>,
  asPrefix: ReturnType<typeof parsePrefix>,
): Candidate | null {
  const matched = `${field.what} ${field.text}`;
  const value = field.text.toLowerCase();
  const fieldPrefix = value.includes("/") ? parsePrefix(value) : null;
  const fieldAddress = fieldPrefix === null ? parseAddress(value) : null;
  if (fieldPrefix !== null) {
    if (asPrefix !== null && overlap(asPrefix, fieldPrefix)) {
      const same = asPrefix.first === fieldPrefix.first && asPrefix.length === fieldPrefix.length;
      return { rank: same ? RANK.exact : RANK.containment, matched };
    }
    if (asAddress !== null && contains(fieldPrefix, asAddress)) {
      return { rank: RANK.containment, matched: `${matched} holds ${text}` };
    }
  } else if (fieldAddress !== null) {
    if (asAddress !== null && sameAddress(asAddress, fieldAddress)) {
      return { rank: RANK.exact, matched };
    }
    if (asPrefix !== null && contains(asPrefix, fieldAddress)) {
      return { rank: RANK.containment, matched };
    }
  }
  if (value === text) return { rank: RANK.exact, matched };
  if (value.startsWith(text)) return { rank: RANK.prefix, matched };
  return value.includes(text) ? { rank: RANK.substring, matched } : null;
}

interface FixedIp {
  subnet?: string;
  ip_address?: string | null;
}

/** The addresses and CIDRs an element carries, each with what it is. */
function fieldsOf(list: ElementListName, element: AnyElement): Field[] {
  const fields: Field[] = [];
  const add = (what: string, value: unknown) => {
    if (typeof value === "string" && value !== "") fields.push({ what, text: value });
  };
  if (list === "ports") {
    for (const fixed of (element.fixed_ips as FixedIp[] | undefined) ?? []) {
      add("address", fixed.ip_address);
    }
    add("MAC", element.mac_address);
  } else if (list === "subnets") {
    add("CIDR", element.cidr);
    add("gateway", element.gateway_ip);
  } else if (list === "floating_ips") {
    add("floating IP", element.floating_ip_address);
  } else if (list === "load_balancers") {
    add("VIP", element.vip_address);
  } else if (list === "routers") {
    const gateway = element.external_gateway as { fixed_ips?: FixedIp[] } | null | undefined;
    for (const fixed of gateway?.fixed_ips ?? []) add("external gateway", fixed.ip_address);
  }
  return fields;
}

function nameOf(element: AnyElement | undefined, fallback: string): string {
  if (element === undefined) return fallback;
  return typeof element.name === "string" && element.name !== "" ? element.name : element.id;
}

function labelOf(
  byId: ReadonlyMap<string, AnyElement>,
  list: ElementListName,
  element: AnyElement,
): string {
  if (list !== "ports" || (typeof element.name === "string" && element.name !== "")) {
    return nameOf(element, element.id);
  }
  const device = typeof element.device === "string" ? element.device : "";
  const network = String(element.network);
  const ends = [
    nameOf(byId.get(device), device || "unattached"),
    nameOf(byId.get(network), network),
  ];
  return ends.join(" → ");
}
