/** IPv4 and IPv6 addresses and prefixes as numbers, for search and for pasting subnets:
 * enough to compare, contain and find a free prefix. The server's validation stays the judge
 * of what is a correct address. */

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
}

export interface Prefix {
  family: Family;
  first: bigint;
  last: bigint;
  length: number;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIPv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256n + BigInt(part);
  }
  return value;
}

/** Eight 16-bit groups, with at most one `::` and an optional dotted IPv4 tail. */
function parseIPv6(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === "") return [];
    const groups: number[] = [];
    const parts = half.split(":");
    for (const [index, part] of parts.entries()) {
      if (index === parts.length - 1 && part.includes(".")) {
        const v4 = parseIPv4(part);
        if (v4 === null) return null;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
        groups.push(parseInt(part, 16));
      } else {
        return null;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let value = 0n;
  for (const group of [...head, ...new Array<number>(missing).fill(0), ...tail]) {
    value = (value << 16n) | BigInt(group);
  }
  return value;
}

export function parseAddress(text: string): Address | null {
  const trimmed = text.trim();
  if (trimmed.includes(":")) {
    const value = parseIPv6(trimmed);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIPv4(trimmed);
  return value === null ? null : { family: 4, value };
}

/** The prefix a CIDR names ("10.0.0.5/24" is 10.0.0.0/24), or null when it is not one. */
export function parsePrefix(text: string): Prefix | null {
  const [address, bits, extra] = text.trim().split("/");
  if (address === undefined || bits === undefined || extra !== undefined) return null;
  const parsed = parseAddress(address);
  if (parsed === null || !/^\d{1,3}$/.test(bits)) return null;
  const length = Number(bits);
  if (length > BITS[parsed.family]) return null;
  const size = 1n << BigInt(BITS[parsed.family] - length);
  const first = parsed.value - (parsed.value % size);
  return { family: parsed.family, first, last: first + size - 1n, length };
}

export function formatAddress(address: Address): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join(".");
  }
  const groups = [...Array(8).keys()].map((i) =>
    Number((address.value >> BigInt(16 * (7 - i))) & 0xffffn),
  );
  // RFC 5952: the longest run of two or more zero groups (the first, on a tie) becomes `::`.
  let best = { at: -1, length: 1 };
  for (let at = 0; at < 8;) {
    let end = at;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - at > best.length) best = { at, length: end - at };
    at = Math.max(end, at + 1);
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (best.at < 0) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.length))}`;
}

export function formatPrefix(prefix: Prefix): string {
  return `${formatAddress({ family: prefix.family, value: prefix.first })}/${prefix.length}`;
}

export function sameAddress(a: Address, b: Address): boolean {
  return a.family === b.family && a.value === b.value;
}

export function contains(prefix: Prefix, address: Address): boolean {
  return (
    prefix.family === address.family &&
    prefix.first <= address.value &&
    address.value <= prefix.last
  );
}

export function overlap(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The first prefix of the same size as `near`, at or above it, that overlaps none of `used`;
 * null when the rest of the address space is taken. */
export function freePrefixFrom(near: Prefix, used: readonly Prefix[]): Prefix | null {
  const size = near.last - near.first + 1n;
  const top = (1n << BigInt(BITS[near.family])) - 1n;
  let first = near.first;
  while (first + size - 1n <= top) {
    const candidate = { ...near, first, last: first + size - 1n };
    const blocking = used.filter((prefix) => overlap(prefix, candidate));
    if (blocking.length === 0) return candidate;
    // Jump past everything in the way, to the next boundary of this size.
    const past = blocking.reduce((high, prefix) => (prefix.last > high ? prefix.last : high), 0n);
    first = ((past + 1n + size - 1n) / size) * size;
  }
  return null;
}
