/** New element ids: a kind prefix and a short random part, matching the server's id pattern
 * (a letter, then up to 47 letters, digits, `_` or `-`). */

export const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function newId(
  prefix: string,
  taken: (id: string) => boolean = () => false,
  random: () => number = Math.random,
): string {
  for (;;) {
    let suffix = "";
    for (let i = 0; i < 6; i += 1) suffix += ALPHABET[Math.floor(random() * ALPHABET.length)];
    const id = `${prefix}-${suffix}`;
    if (!taken(id)) return id;
  }
}
