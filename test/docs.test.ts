/**
 * Every ```ts block in README.md and docs/*.md runs, and prints what its comments say. Blocks
 * import 'nabla' (mapped to the source tree) or paths relative to a folder one level below the
 * repository root.
 *
 * A one-line `console.log(...); // value` whose comment starts like a value (a number, `[`, `{`, a
 * quote, true/false/null/undefined/NaN/Infinity) must print that value: whitespace next to brackets
 * and commas is ignored, a number in the comment matches a printed number that rounds to it at the
 * comment's precision, and `...` stands for anything. Other comments (`// close to 3`) describe and
 * are not compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { expectedValue, matchesComment } from './helpers/printed.js';

const root = new URL('..', import.meta.url).pathname;
const runDir = join(root, '.docs-run');
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

/** What each checked console.log call printed, by the number of its expectation. */
const printedBy = new Map<number, string[]>();
let expectationCount = 0;
(globalThis as { __docsExpect?: (id: number, ...args: unknown[]) => void }).__docsExpect = (id, ...args) => {
  const list = printedBy.get(id) ?? [];
  list.push(format(...args));
  printedBy.set(id, list);
};

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  blocks.forEach((code, i) => {
    test(`${file} example ${i + 1} runs and prints what it says`, async () => {
      const expectations: { id: number; line: string; comment: string }[] = [];
      const instrumented = code
        .split('\n')
        .map((line) => {
          const m = /^(\s*)console\.log\((.*)\);\s*\/\/ (.*)$/.exec(line);
          if (!m || expectedValue(m[3]!) === null) return line;
          const id = expectationCount++;
          expectations.push({ id, line: line.trim(), comment: m[3]! });
          return `${m[1]}(globalThis as any).__docsExpect(${id}, ${m[2]});`;
        })
        .join('\n');
      const source = instrumented
        .replace(/from 'nabla\/node'/g, "from '../src/node.js'")
        .replace(/from 'nabla'/g, "from '../src/index.js'");
      const path = join(runDir, `${file.replace(/[/.]/g, '_')}_${i + 1}.ts`);
      writeFileSync(path, source);
      const log = console.log;
      console.log = () => {};
      try {
        await import(pathToFileURL(path).href);
      } finally {
        console.log = log;
      }
      for (const { id, line, comment } of expectations) {
        for (const printed of printedBy.get(id) ?? []) {
          assert.ok(matchesComment(printed, comment), `${file} example ${i + 1}: \`${line}\` printed '${printed}'`);
        }
      }
    });
  });
}
