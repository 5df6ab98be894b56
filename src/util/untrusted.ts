/**
 * Helpers for names and values that come from files or users: records whose keys may be
 * `__proto__`, `constructor` or `toString`, and short previews for error messages, so a hostile
 * input can neither change a prototype nor make a message (or the stack) as large as itself.
 */

/**
 * Sets `record[key] = value` as an own, enumerable data property. Plain assignment with the key
 * `__proto__` would replace the record's prototype instead and the entry would be lost.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A plain object holding `entries` as own properties (any key, `__proto__` included). */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const record: Record<string, T> = {};
  for (const [key, value] of entries) setOwn(record, key, value);
  return record;
}

/** `record[key]` only when it is the record's own property (never an inherited `constructor`). */
export function getOwn<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Longest text of an untrusted value an error message repeats. */
export const PREVIEW_CHARS = 80;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** A string quoted as JSON, cut to PREVIEW_CHARS characters (then '...'). */
export function quoteShort(text: string, max = PREVIEW_CHARS): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}...` : JSON.stringify(text);
}

/**
 * A short, JSON-like description of any value: nesting deeper than 3 levels shows as [...] / {...}
 * and the whole text stops at PREVIEW_CHARS characters, so the work is bounded whatever the input
 * (JSON.stringify on a 5,000-deep array overflows the stack).
 */
export function preview(value: unknown, max = PREVIEW_CHARS): string {
  let budget = max + 1;
  const walk = (v: unknown, depth: number): string => {
    if (budget <= 0) return '';
    let out: string;
    if (typeof v === 'string') out = quoteShort(v, Math.max(0, budget));
    else if (typeof v === 'number' || typeof v === 'boolean' || v === null) out = String(v);
    else if (typeof v === 'bigint') out = `${v}n`;
    else if (v === undefined) out = 'undefined';
    else if (typeof v !== 'object') out = `a ${typeof v}`;
    else if (Array.isArray(v)) {
      if (depth >= 3) out = v.length === 0 ? '[]' : '[...]';
      else {
        const parts: string[] = [];
        for (let i = 0; i < v.length && budget > 0; i++) {
          const part = walk(v[i], depth + 1);
          budget -= part.length + 2;
          parts.push(part);
        }
        out = `[${parts.join(', ')}${parts.length < v.length ? ', ...' : ''}]`;
      }
    } else if (depth >= 3) out = '{...}';
    else {
      const parts: string[] = [];
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length && budget > 0; i++) {
        const key = keys[i]!;
        const part = `${quoteShort(key, 20)}: ${walk((v as Record<string, unknown>)[key], depth + 1)}`;
        budget -= part.length + 2;
        parts.push(part);
      }
      out = `{${parts.join(', ')}${parts.length < keys.length ? ', ...' : ''}}`;
    }
    return out;
  };
  return clip(walk(value, 0), max);
}
