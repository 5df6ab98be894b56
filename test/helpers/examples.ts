/**
 * Registers a test per example that runs it in its short mode (NABLA_EXAMPLE_SHORT=1) and checks the
 * result its header states. The examples are split over several test files (every `parts`-th one,
 * alphabetically) so the runner's two slots run them side by side instead of one after another.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../../examples/', import.meta.url);

/** The example files of part `part` (0-based) out of `parts`. */
export function exampleFiles(part: number, parts: number): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .filter((_, i) => i % parts === part);
}

export function testExamples(part: number, parts: number): void {
  for (const file of exampleFiles(part, parts)) {
    test(`examples/${file} prints the short-mode result its header states`, () => {
      const source = readFileSync(new URL(file, dir), 'utf8');
      const stated = /Short mode \(the test runs it\): (.*)/.exec(source)?.[1];
      assert.ok(stated !== undefined, `${file} has no "Short mode (the test runs it): ..." line`);
      const printed = execFileSync(process.execPath, ['--import', 'tsx', new URL(file, dir).pathname], {
        env: { ...process.env, NABLA_EXAMPLE_SHORT: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      for (const claim of stated.split(', ')) assert.ok(printed.includes(claim), `${file}: expected "${claim}" in:\n${printed}`);
    });
  }
}
