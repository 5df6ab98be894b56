/** Small helpers the text toolkit's files share. */

/** Throws for an options argument that is not an object or names an option the function does not know. */
export function checkOptions(name: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') throw new Error(`${name}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${name}: unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

/** The byte arrays joined into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
