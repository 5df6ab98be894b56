/**
 * Comparing what an example printed with the value its `// comment` states (test/docs.test.ts;
 * examples/ follow the same rule).
 */

/** The comment as an expected value, or null when it is a description rather than a value. */
export function expectedValue(comment: string): string | null {
  const c = comment.trim();
  return /^(-?\d|-?\.\d|\[|\{|'|"|true\b|false\b|null\b|undefined\b|NaN\b|-?Infinity\b)/.test(c) ? c : null;
}

/** Drops whitespace next to brackets, braces, commas and colons, and folds the rest to one space. */
function normalize(s: string): string {
  return s.trim().replace(/\s+/g, ' ').replace(/\s*([[\]{}(),:])\s*/g, '$1');
}

const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/gi;

/** Whether `printed` shows the value `comment` states, numbers rounded to the comment's precision. */
export function matchesComment(printed: string, comment: string): boolean {
  const expected = normalize(comment);
  const numbers: string[] = [];
  const pattern = expected
    .split('...')
    .map((part) =>
      part
        .split(NUMBER)
        .map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .reduce((acc, text, k) => (k === 0 ? text : `${acc}(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:e[+-]?\\d+)?|NaN|-?Infinity)${text}`), ''),
    )
    .join('.*');
  for (const part of expected.split('...')) numbers.push(...(part.match(NUMBER) ?? []));
  const m = new RegExp(`^${pattern}$`, 'i').exec(normalize(printed));
  if (!m) return false;
  return numbers.every((text, k) => {
    const got = Number(m[k + 1]);
    const want = Number(text);
    if (got === want) return true;
    const decimals = /\.(\d+)/.exec(text.toLowerCase().split('e')[0]!)?.[1]?.length ?? 0;
    const exponent = /e([+-]?\d+)/i.exec(text)?.[1];
    const unit = 10 ** (-decimals + (exponent === undefined ? 0 : Number(exponent)));
    return Math.abs(got - want) <= unit / 2 + 1e-12 * Math.abs(want);
  });
}
