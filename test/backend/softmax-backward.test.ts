/**
 * The softmaxBackward kernel (softmax's gradient in one pass per row) against the four tensor ops
 * it replaces, y (g - sum(g y)), bit for bit: any axis, views, odd sizes, masked (-Infinity)
 * scores, non-finite gradients, float32 and float64, on each backend and thread count; and the
 * recorded backward (createGraph) still differentiates again.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { on } from '../helpers/backends.js';

const backends = nb.listBackends().includes('wasm') ? (['wasm', 'cpu'] as const) : (['cpu'] as const);

function values(n: number, seed: number, special: number[]): number[] {
  const u = new Float64Array(n);
  new nb.Generator(seed).fillDoubles(u);
  return Array.from(u, (v, i) => (special.length > 0 && i % 11 === 4 ? special[i % special.length]! : (v - 0.5) * 10));
}

/** Values with -0 and NaN told apart from 0 and each other's bits left aside. */
const exact = (t: nb.Tensor): (number | string)[] => Array.from(t.toTypedArray() as ArrayLike<number>, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));

describe('softmaxBackward kernel', () => {
  for (const backend of backends) {
    for (const threads of [1, 2]) {
      test(`${backend}, ${threads} thread(s): equals mul(y, sub(g, sum(mul(g, y)))) bit for bit`, () => {
        nb.setNumThreads(threads);
        try {
          on(backend, () => {
            const cases: [number[], number][] = [[[3, 5], 1], [[3, 5], 0], [[2, 3, 7], 1], [[4, 1, 129], -1], [[64, 17, 33], 2], [[1, 1], 1], [[5, 0, 3], 2], [[6, 4], -1]];
            for (const [shape, dim] of cases) {
              const n = shape.reduce((a, b) => a * b, 1);
              for (const dtype of ['float32', 'float64'] as const) {
                for (const layout of ['contiguous', 'transposed g', 'expanded g', 'masked scores', 'non-finite g'] as const) {
                  const scores = nb.tensor(values(n, n + 3, layout === 'masked scores' ? [-Infinity] : []), { dtype, allowNonFinite: true }).reshape(shape);
                  let g = nb.tensor(values(n, n + 4, layout === 'non-finite g' ? [NaN, Infinity, -Infinity, 0, -0] : []), { dtype, allowNonFinite: true }).reshape(shape);
                  if (layout === 'transposed g' && shape.length >= 2) g = g.reshape([...shape].reverse()).transpose(0, -1).contiguous().transpose(0, -1).reshape([...shape].reverse()).transpose(0, -1);
                  if (layout === 'expanded g') g = nb.full([1, ...shape.slice(1)], 0.75, { dtype }).expand(shape);
                  const x = scores.clone().requiresGrad_();
                  const y = nb.softmax(x, dim);
                  y.backward(g);
                  const yd = y.detach();
                  const axis = dim < 0 ? dim + shape.length : dim;
                  const composed = nb.mul(yd, nb.sub(g, nb.sum(nb.mul(g, yd), axis, true)));
                  assert.deepEqual(exact(x.grad!), exact(composed), `${shape} dim ${dim} ${dtype} ${layout}`);
                }
              }
            }
          });
        } finally {
          nb.setNumThreads(nb.wasmBackendInfo()?.threads ?? 1);
        }
      });
    }
  }

  test('a recorded backward (createGraph) keeps the tensor-op form and differentiates again', () => {
    const weights = nb.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    const x = nb.tensor([[0.5, -1, 2], [0, 3, 1]], { dtype: 'float64' });
    const firstOrder = (t: nb.Tensor): nb.Tensor =>
      nb.enableGrad(() => {
        const leaf = t.requiresGrad ? t : t.detach().requiresGrad_();
        return nb.autogradGrad([nb.softmax(leaf, 1).mul(weights).sum()], [leaf], { createGraph: true })[0]!;
      });
    const check = nb.gradCheck(firstOrder, [x]);
    assert.ok(check.passed, `${check.relativeError}`);
  });

  test('softmax still rejects junk', () => {
    assert.throws(() => nb.softmax(nb.tensor([1, 2], { dtype: 'int32' }), 0), /softmax: expected a floating-point tensor/);
  });
});
