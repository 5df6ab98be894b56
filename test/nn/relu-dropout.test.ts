/**
 * reluDropout, the feed-forward block's relu and dropout as one op: the same values, random draws
 * and gradients as dropout(relu(x)), bit for bit, on both backends and in float32 and float64.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { reluDropout } from '../../src/ops/nn.js';
import { on } from '../helpers/backends.js';

/** Random values with zeros of both signs, NaN and infinities sprinkled in. */
function awkward(n: number, seed: number, shift = 0): Float64Array {
  const out = new Float64Array(n);
  new nb.Generator(seed).fillDoubles(out);
  const special = [0, -0, NaN, Infinity, -Infinity, 3.4e38, -3.4e38];
  return out.map((u, i) => (i % 13 === 5 ? special[(i + shift) % special.length]! : (u - 0.5) * 8));
}

/** The values with their bits (NaN as one value: Math.max may return another NaN's sign bit than the reference relu). */
const bitsOf = (t: nb.Tensor): (number | string)[] =>
  Array.from(t.toTypedArray() as ArrayLike<number>, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
const backends = nb.listBackends().includes('wasm') ? (['wasm', 'cpu'] as const) : (['cpu'] as const);

describe('reluDropout', () => {
  for (const backend of backends) {
    test(`${backend}: equals dropout(relu(x)) forward, backward and in its draws (odd sizes, views, non-finite values, float32 and float64)`, () => {
      on(backend, () => {
        for (const [shape, p] of [[[1], 0.5], [[7], 0.1], [[3, 5, 9], 0.3], [[4099], 0.9], [[2, 4096 + 3], 0.1]] as [number[], number][]) {
          const n = shape.reduce((a, b) => a * b, 1);
          for (const dtype of ['float32', 'float64'] as const) {
            for (const view of ['contiguous', 'transposed'] as const) {
              if (view === 'transposed' && shape.length < 2) continue;
              const what = `${shape} p ${p} ${dtype} ${view}`;
              const run = (fusedOp: boolean, values: Float64Array): [nb.Tensor, Uint32Array] => {
                const g = new nb.Generator(42);
                const base = nb.tensor(Array.from(values), { dtype, allowNonFinite: true });
                const x = view === 'contiguous' ? base.reshape(shape) : base.reshape([...shape].reverse()).transpose(0, -1);
                const y = fusedOp ? reluDropout(x, p, true, g) : nb.F.dropout(nb.relu(x), { p, generator: g });
                return [y, g.getState()];
              };
              const [y1, s1] = run(true, awkward(n, n));
              const [y2, s2] = run(false, awkward(n, n));
              assert.deepEqual(bitsOf(y1), bitsOf(y2), what);
              assert.deepEqual(s1, s2, `draws: ${what}`);
              // Gradients, with zeros of both signs, NaN, infinities and values whose product
              // with 1 / (1 - p) overflows float32, in x and in the incoming gradient; recorded
              // (createGraph, the tensor-op form) and not (one pass).
              const grads = nb.tensor(Array.from(awkward(n, n + 1, 5)), { dtype, allowNonFinite: true }).reshape(shape);
              for (const createGraph of [false, true]) {
                const backward = (fusedOp: boolean): nb.Tensor => {
                  const leaf = nb.tensor(Array.from(awkward(n, n + 2)), { dtype, allowNonFinite: true }).reshape(shape).requiresGrad_();
                  const g = new nb.Generator(7);
                  const y = fusedOp ? reluDropout(leaf, p, true, g) : nb.F.dropout(nb.relu(leaf), { p, generator: g });
                  return nb.autogradGrad([y], [leaf], { gradOutputs: [grads], createGraph })[0]!;
                };
                assert.deepEqual(bitsOf(backward(true)), bitsOf(backward(false)), `gradient${createGraph ? ' (recorded)' : ''}: ${what}`);
              }
            }
          }
        }
      });
    });
  }

  test('outside training, and with p 0 or 1, it is relu then dropout', () => {
    const x = nb.tensor([-1, -0, 2, NaN], { allowNonFinite: true });
    assert.deepEqual([...reluDropout(x, 0.5, false).toTypedArray()], [0, 0, 2, NaN]);
    assert.deepEqual([...reluDropout(x, 0, true).toTypedArray()], [0, 0, 2, NaN]);
    assert.deepEqual([...reluDropout(x, 1, true).toTypedArray()], [0, 0, 0, NaN]);
    assert.ok(Object.is(reluDropout(x, 0.5, false).toTypedArray()[1], 0), 'relu(-0) is +0');
  });

  test('rejects what is not a floating-point tensor', () => {
    assert.throws(() => reluDropout(nb.tensor([1, 2], { dtype: 'int32' }), 0.5, true), /reluDropout: expected a floating-point tensor/);
    assert.throws(() => reluDropout([1, 2] as unknown as nb.Tensor, 0.5, true), /reluDropout/);
  });

  test('TransformerEncoderLayer and TransformerDecoderLayer in training: the fused feed-forward gives the step relu then Dropout gives', () => {
    const x = nb.randn([5, 3, 16]);
    const memory = nb.randn([4, 3, 16]);
    for (const kind of ['encoder', 'decoder'] as const) {
      const build = (activation?: (t: nb.Tensor) => nb.Tensor): nb.nn.Module => {
        nb.manualSeed(3);
        const options = { dimFeedforward: 24, ...(activation === undefined ? {} : { activation }) };
        return kind === 'encoder' ? new nb.nn.TransformerEncoderLayer(16, 2, options) : new nb.nn.TransformerDecoderLayer(16, 2, options);
      };
      // A custom activation function that is relu takes the composed path (relu op, then Dropout).
      const fusedLayer = build();
      const plain = build((t) => nb.relu(t));
      const step = (layer: nb.nn.Module): nb.Tensor => {
        nb.manualSeed(11);
        const y = kind === 'encoder' ? (layer as nb.nn.TransformerEncoderLayer).forward(x) : (layer as nb.nn.TransformerDecoderLayer).forward(x, memory);
        y.sum().backward();
        return y;
      };
      assert.deepEqual(bitsOf(step(fusedLayer)), bitsOf(step(plain)), kind);
      const grads = (layer: nb.nn.Module): (number | string)[] => [...layer.parameters()].flatMap((p) => bitsOf(p.grad!));
      assert.deepEqual(grads(fusedLayer), grads(plain), `${kind}: parameter gradients`);
    }
  });
});
