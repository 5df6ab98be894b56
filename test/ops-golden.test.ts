/**
 * Every op-table sample against PyTorch: outputs and input gradients (for the cotangent
 * w[i] = sin(i + 1)), in float64 and float32. Fixtures: `npm run fixtures`. The comparison lives
 * in helpers/golden.ts, which the browser test (test/browser/) runs in Chromium too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../src/index.js';
import { opTable } from '../src/ops/index.js';
import { readFixture } from './helpers/fixtures.js';
import { opSampleMismatches, type FixtureSample, type OpFixture } from './helpers/golden.js';

const fixtures = new Map<string, FixtureSample[]>(readFixture<OpFixture[]>('ops.json').map((e) => [e.name, e.samples]));

describe('ops match PyTorch', () => {
  for (const entry of opTable) {
    const samples = fixtures.get(entry.name);
    test(`${entry.name} has fixtures`, () => {
      assert.ok(samples, `no fixture for '${entry.name}': run npm run fixtures`);
      assert.equal(samples.length, entry.samples.length, `fixture for '${entry.name}' is stale: run npm run fixtures`);
    });
    if (!samples) continue;
    for (const dtype of ['float64', 'float32'] as const) {
      samples.forEach((s, k) => {
        test(`${entry.name} #${k} ${dtype}`, () => {
          assert.deepEqual(opSampleMismatches(entry, s, k, dtype), []);
        });
      });
    }
  }
});

test('float32 and float64 inputs give outputs of their own dtype', () => {
  const x = nb.tensor([1, 2], { dtype: 'float64' });
  assert.equal(x.exp().dtype, 'float64');
  assert.equal(x.float().exp().dtype, 'float32');
});
