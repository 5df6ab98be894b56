import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-tune-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('nabla tune prints a results file as the table toString gives, and writes its charts', async () => {
  const results = await nb.tune.run({
    space: { lr: nb.tune.logUniform(1e-4, 1), layers: nb.tune.choice([1, 2, 3]) },
    objective: (p) => (Math.log10(p.lr as number) + 2) ** 2 + (p.layers as number),
    numTrials: 6,
    seed: 3,
    metric: 'dev error',
  });
  const file = join(dir, 'results.json');
  writeFileSync(file, JSON.stringify(results.toJSON()));
  const r = await runCli('tune', file, '--plots', join(dir, 'plots'));
  assert.equal(r.code, 0, r.err);
  // Durations are stored, so the printed table is exactly the in-memory one.
  assert.ok(r.out.startsWith(results.toString()), r.out);
  assert.match(r.out, /random\(6\), minimising dev error: 6 trials/);
  assert.match(r.out, new RegExp(`best: trial ${results.best()!.id}`));
  for (const name of ['params.svg', 'best-so-far.svg']) {
    const svg = join(dir, 'plots', name);
    assert.ok(existsSync(svg), `${name} written`);
    assert.ok(readFileSync(svg, 'utf8').startsWith('<svg'));
    assert.match(r.out, new RegExp(`wrote .*${name}`));
  }
});

test('nabla tune: missing, unreadable or foreign files and unknown options are errors', async () => {
  const missing = await runCli('tune');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nabla tune needs a results file/);
  const absent = await runCli('tune', join(dir, 'absent.json'));
  assert.match(absent.err, /tune: cannot read .*absent\.json as JSON/);
  const foreign = join(dir, 'foreign.json');
  writeFileSync(foreign, JSON.stringify({ trials: [] }));
  assert.match((await runCli('tune', foreign)).err, /not a tune results file \(expected format 'nabla\.tune\/1'\)/);
  assert.match((await runCli('tune', foreign, '--plot', 'x')).err, /unknown option --plot \(options: --plots\)/);
  assert.match((await runCli('tune', foreign, 'extra')).err, /unexpected argument 'extra'/);
});
