/**
 * Every ```ts block in README.md and docs/*.md runs. Blocks import 'nabla' (mapped to the
 * source tree) or paths relative to a folder one level below the repository root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const runDir = join(root, '.docs-run');
const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  blocks.forEach((code, i) => {
    test(`${file} example ${i + 1} runs`, async () => {
      const source = code
        .replace(/from 'nabla\/node'/g, "from '../src/node.js'")
        .replace(/from 'nabla'/g, "from '../src/index.js'");
      const path = join(runDir, `${file.replace(/[/.]/g, '_')}_${i + 1}.ts`);
      writeFileSync(path, source);
      const log = console.log;
      const printed: string[] = [];
      console.log = (...args: unknown[]) => printed.push(args.join(' '));
      try {
        await import(pathToFileURL(path).href);
      } finally {
        console.log = log;
      }
      assert.ok(true, printed.join('\n'));
    });
  });
}
