/** Reading the golden fixtures that the scripts/gen_*.py generators write into test/fixtures/. */
import { readFileSync } from 'node:fs';

/** The parsed JSON of test/fixtures/<name>. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export { decodeNumber } from './numbers.js';
