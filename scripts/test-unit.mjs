/**
 * `npm run test:unit`: every test/**\/*.test.ts, two files at a time, the slowest first (listed in
 * test/slowest-first.txt) so the two slots finish together. `node --test <files>` sorts its files
 * alphabetically whatever order they are given in, so this uses node:test's run(), which keeps it.
 * Run it with `node --import tsx` (the test processes inherit the flag). Exits 1 if any test fails.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(`${root}test`, { recursive: true })
  .map((f) => `test/${f}`)
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const slowest = readFileSync(`${root}test/slowest-first.txt`, 'utf8').split('\n').filter((l) => l !== '');
const unknown = slowest.filter((f) => !existsSync(`${root}${f}`) || !all.includes(f));
if (unknown.length > 0) throw new Error(`test/slowest-first.txt names test files that do not exist: ${unknown.join(', ')}`);
const files = [...slowest, ...all.filter((f) => !slowest.includes(f))].map((f) => `${root}${f}`);

const stream = run({ files, concurrency: 2 });
stream.on('test:fail', (event) => {
  if (!event.todo) process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
