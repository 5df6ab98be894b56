/**
 * Every op-table sample against PyTorch: outputs and input gradients (for the cotangent
 * w[i] = sin(i + 1)), in float64 and float32. Fixtures: `npm run fixtures`.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../src/index.js';
import { opTable } from '../src/ops/index.js';
import { asList, buildInput, cotangent, type SerializedInput } from './helpers/samples.js';
import { decodeNumber } from './helpers/fixtures.js';

interface Expected {
  outputs: { shape: number[]; dtype: string; values: (number | string)[] }[];
  grads: ((number | string)[] | null)[];
}
interface FixtureSample {
  attrs: object;
  inputs: SerializedInput[];
  float64: Expected;
  float32: Expected;
}
const fixtures = new Map<string, FixtureSample[]>(
  (JSON.parse(readFileSync(new URL('./fixtures/ops.json', import.meta.url), 'utf8')) as { name: string; samples: FixtureSample[] }[]).map(
    (e) => [e.name, e.samples],
  ),
);

const TOLERANCE = { float64: { rtol: 1e-10, atol: 1e-12 }, float32: { rtol: 1e-5, atol: 1e-6 } };

function assertClose(actual: ArrayLike<number>, expected: (number | string)[], dtype: 'float32' | 'float64', scale: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  const { rtol, atol } = TOLERANCE[dtype];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = decodeNumber(expected[i]!);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const ok = a === e || Math.abs(a - e) <= scale * (atol + rtol * Math.abs(e));
    assert.ok(ok, `${what}[${i}]: got ${a}, PyTorch gives ${e}`);
  }
}

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
          const differentiable = entry.differentiable ?? true;
          const inputs = s.inputs.map((i) => buildInput(i, dtype, differentiable));
          const outs = asList(entry.run(inputs, entry.samples[k]!.attrs));
          const expected = s[dtype];
          assert.equal(outs.length, expected.outputs.length, 'number of outputs');
          const scale = entry.tolerance ?? 1;
          outs.forEach((o, j) => {
            const e = expected.outputs[j]!;
            assert.deepEqual(o.shape, e.shape, `output ${j} shape`);
            assert.equal(o.dtype, e.dtype, `output ${j} dtype`);
            assertClose(o.toTypedArray(), e.values, dtype, scale, `output ${j}`);
          });
          if (!differentiable) return;
          const terms = outs.filter((o) => o.requiresGrad).map((o) => o.mul(cotangent(o)).sum());
          if (terms.length === 0) return;
          terms.reduce((a, b) => a.add(b)).backward();
          inputs.forEach((x, i) => {
            const g = expected.grads[i];
            if (g === null || g === undefined) return;
            const actual = x.grad === null ? new Float64Array(g.length) : x.grad.toTypedArray();
            assertClose(actual, g, dtype, scale * 10, `gradient of input ${i}`);
          });
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
