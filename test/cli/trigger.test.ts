import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli as run } from '../helpers/cli.js';

// The full demo's figures are in bench/RESULTS.md; this short run (25 steps: F1 0.89, 100% of clips
// detected at seed 0) must already detect.
test('demo trigger learns to find the trigger word: per-step F1 and detection accuracy on held-out clips', async () => {
  const { code, out, err } = await run('demo', 'trigger', '--steps', '25', '--test', '60');
  assert.equal(code, 0, err);
  const m = /held-out per-step F1 ([\d.]+), detection accuracy ([\d.]+)%/.exec(out);
  assert.ok(m, out);
  assert.ok(Number(m[1]) > 0.6 && Number(m[2]) > 60, out);
  assert.match((await run('demo', 'trigger', '--steps', '0')).err, /--steps must be an integer/);
});
