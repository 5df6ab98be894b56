import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';

/** Reads test/fixtures/<name>, turning "NaN"/"Infinity" strings back into numbers. */
export function loadFixture<T>(name: string): T {
  const text = readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
  return JSON.parse(text, (_, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as T;
}

type Nested = number | Nested[];

/** Deep numeric comparison with an absolute + relative tolerance; NaN equals NaN. */
export function assertClose(actual: Nested, expected: Nested, tol = 1e-10, path = 'value'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${String(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length ${actual.length} vs ${expected.length}`);
    expected.forEach((e, i) => assertClose((actual as Nested[])[i]!, e, tol, `${path}[${i}]`));
    return;
  }
  assert.equal(typeof actual, 'number', `${path}: expected a number`);
  const a = actual as number;
  if (Number.isNaN(expected)) return assert.ok(Number.isNaN(a), `${path}: expected NaN, got ${a}`);
  if (!Number.isFinite(expected)) return assert.equal(a, expected, path);
  assert.ok(Math.abs(a - expected) <= tol * (1 + Math.abs(expected)), `${path}: ${a} vs expected ${expected}`);
}
