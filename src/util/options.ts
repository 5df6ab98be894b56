/** The toolkits' options-object check: an object, and no key outside the ones the function takes. */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error(`${op}: options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}' (options: ${known.join(', ')})`);
  }
}
