/** IPv4 arithmetic the editor needs for defaults: parsing CIDRs, a free /24, a free host
 * address. The server's validation stays the judge of what is correct. */

export interface Range {
  first: number;
  last: number;
}

export function parseIPv4(text: string): number | null {
  const parts = text.trim().split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The addresses of an IPv4 CIDR, or null when it is not one. */
export function parseCidr(cidr: string): Range | null {
  const [address, bits, extra] = cidr.split("/");
  if (address === undefined || bits === undefined || extra !== undefined) return null;
  if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return null;
  const start = parseIPv4(address);
  if (start === null) return null;
  const size = 2 ** (32 - Number(bits));
  const first = start - (start % size);
  return { first, last: first + size - 1 };
}

function overlaps(a: Range, b: Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** The first 10.x.y.0/24 (x from 0, y from 0) that overlaps none of `used`. */
export function freeCidr(used: readonly string[]): string {
  const ranges = used.map(parseCidr).filter((range): range is Range => range !== null);
  for (let x = 0; x < 256; x += 1) {
    for (let y = 0; y < 256; y += 1) {
      const first = (10 * 256 + x) * 65536 + y * 256;
      const candidate = { first, last: first + 255 };
      if (!ranges.some((range) => overlaps(range, candidate))) return `10.${x}.${y}.0/24`;
    }
  }
  throw new Error("every 10.x.y.0/24 is in use");
}

/** The gateway a new subnet gets: the first host address. */
export function firstHost(cidr: string): string | null {
  const range = parseCidr(cidr);
  if (range === null || range.last - range.first < 2) return null;
  return formatIPv4(range.first + 1);
}

/** A host address of `cidr` that is not in `taken`, from `.10` up (low addresses are often
 * gateways and services); null when none is left or the CIDR is not IPv4. */
export function freeHost(cidr: string, taken: readonly string[]): string | null {
  const range = parseCidr(cidr);
  if (range === null) return null;
  const used = new Set(taken.map(parseIPv4));
  const start = Math.min(range.first + 10, range.last - 1);
  for (let address = start; address < range.last; address += 1) {
    if (address > range.first && !used.has(address)) return formatIPv4(address);
  }
  for (let address = range.first + 1; address < start; address += 1) {
    if (!used.has(address)) return formatIPv4(address);
  }
  return null;
}
