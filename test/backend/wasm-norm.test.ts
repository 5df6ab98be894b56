/**
 * Normalization on the wasm backend (src/backend/wasm/norm.ts: float32 fast paths for contiguous
 * operands) against the reference kernels: bit for bit, for every layout, odd sizes, a strided
 * or offset input, float64 and nonfinite values; and the fused backward against the tensor-op
 * formula it replaced.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { on } from '../helpers/backends.js';
import { kernels } from '../../src/backend/registry.js';
import { blockLayout } from '../../src/backend/wasm/norm.js';

const { F } = nb;

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Object.is(actual[i], expected[i]), `${what}[${i}]: wasm ${actual[i]}, cpu ${expected[i]}`);
  }
}

/**
 * normalize and normalizeBackward on x over axes, without and with a weight and a bias (per
 * position of the kept dims and of the normalized dims), on both backends, bit for bit.
 */
function checkKernels(x: Tensor, axes: number[], what: string): void {
  const eps = 1e-5;
  const statShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const grad = nb.randn(x.shape, { dtype: x.dtype });
  for (const along of ['kept', 'normalized'] as const) {
    const size = x.shape.reduce((n, d, i) => (axes.includes(i) === (along === 'normalized') ? n * d : n), 1);
    const [weight, bias] = [nb.randn([size], { dtype: x.dtype }), nb.randn([size], { dtype: x.dtype })];
    for (const [w, b] of [[null, null], [weight, bias], [weight, null], [null, bias]] as const) {
      const run = (): Record<string, number[]> => {
        const { values, mean, variance } = kernels().normalize(x, axes, eps, { weight: w, bias: b, along });
        const stat = (v: Float64Array): Tensor => nb.tensor(Array.from(v), { dtype: 'float64', allowNonFinite: true }).reshape(statShape);
        const backward = kernels().normalizeBackward(grad, x, stat(mean), stat(variance.map((v) => 1 / Math.sqrt(v + eps))), axes, w, along);
        return {
          values: [...values], mean: [...mean], variance: [...variance],
          dx: [...backward.grad], weightGrad: [...backward.weightGrad], biasGrad: [...backward.biasGrad],
        };
      };
      const fast = on('wasm', run);
      const reference = on('cpu', run);
      for (const key of Object.keys(reference)) {
        sameBits(fast[key]!, reference[key]!, `${what} (${along}, weight ${w !== null}, bias ${b !== null}) ${key}`);
      }
    }
  }
}

describe('normalization on the wasm backend', () => {
  test('blockLayout finds the [outer, groups, inner] blocks and rejects other layouts', () => {
    assert.deepEqual(blockLayout([32, 64, 8, 8], [0, 2, 3]), { outer: 32, groups: 64, inner: 64 });
    assert.deepEqual(blockLayout([16, 128, 256], [2]), { outer: 1, groups: 2048, inner: 256 });
    assert.deepEqual(blockLayout([6, 2], [0]), { outer: 6, groups: 2, inner: 1 });
    assert.deepEqual(blockLayout([1, 3, 1, 5], [0, 1, 3]), { outer: 15, groups: 1, inner: 1 });
    assert.equal(blockLayout([3, 5, 4], [1]), null);
    assert.equal(blockLayout([2, 3, 4, 5], [0, 2]), null);
  });

  test('normalize and its backward equal the reference bit for bit (odd sizes, every axes layout)', () => {
    const cases: [number[], number[]][] = [
      [[3, 5, 7, 9], [0, 2, 3]], // batch norm, 2-D
      [[7, 3, 11], [0, 2]], // batch norm, 1-D
      [[9, 5], [0]], // batch norm on [N, C]
      [[2, 1, 5, 1], [0, 2, 3]], // one channel, size-1 dims
      [[5, 7, 13], [2]], // layer norm
      [[4, 3, 5, 6], [1, 2, 3]], // layer norm over three dims
      [[2, 3, 35], [2]], // group norm after its reshape
      [[3, 5, 4], [1]], // a middle axis: the reference runs
      [[4, 6], []], // nothing normalized
    ];
    for (const [shape, axes] of cases) checkKernels(nb.randn(shape).mul(3).add(1), axes, `${shape} over ${axes}`);
  });

  test('strided, offset and float64 inputs, and nonfinite values, give the reference results', () => {
    checkKernels(nb.randn([5, 3, 7, 4]).transpose(1, 2), [0, 2, 3], 'transposed');
    checkKernels(nb.randn([6, 4, 9]).narrow(0, 1, 4).narrow(2, 2, 5), [0, 2], 'narrowed');
    checkKernels(nb.randn([6, 4, 9]).narrow(0, 2, 3), [0, 2], 'offset, contiguous');
    checkKernels(nb.randn([3, 4, 5], { dtype: 'float64' }), [0, 2], 'float64');
    const special = nb.randn([4, 3, 5]);
    const data = special.data as Float32Array;
    data[2] = Infinity;
    data[20] = NaN;
    data[41] = -Infinity;
    checkKernels(special, [0, 2], 'nonfinite');
    checkKernels(nb.full([4, 3, 5], 3e38, { dtype: 'float32' }).add(nb.randn([4, 3, 5]).mul(1e37)), [0, 2], 'huge values');
  });

  test('batchNorm, layerNorm and groupNorm forward and gradients equal the reference bit for bit', () => {
    const runs: [string, number[], (x: Tensor, w: Tensor, b: Tensor) => Tensor, number][] = [
      ['batchNorm', [6, 5, 3, 7], (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), 5],
      ['layerNorm', [3, 4, 9], (x, w, b) => F.layerNorm(x, [9], w, b), 9],
      ['groupNorm', [3, 6, 5], (x, w, b) => F.groupNorm(x, 3, w, b), 6],
    ];
    for (const [name, shape, f, features] of runs) {
      const inputs = [nb.randn(shape), nb.randn([features]), nb.randn([features])];
      const g = nb.randn(shape);
      const run = (): number[][] => {
        const [x, w, b] = inputs.map((t) => t.detach().requiresGrad_());
        const y = f(x!, w!, b!);
        y.backward(g);
        return [y, x!.grad!, w!.grad!, b!.grad!].map((t) => [...t.toTypedArray()]);
      };
      const fast = on('wasm', run);
      const reference = on('cpu', run);
      fast.forEach((values, i) => sameBits(values, reference[i]!, `${name} output/grad ${i}`));
    }
  });

  test('the fused backward agrees with the tensor-op formula that a recorded backward uses (input, weight, bias)', () => {
    const cases: [string, number[], number, (x: Tensor, w: Tensor, b: Tensor) => Tensor][] = [
      ['batchNorm', [8, 4, 5, 5], 4, (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true })],
      ['layerNorm', [3, 5, 6], 6, (x, w, b) => F.layerNorm(x, [6], w, b)],
      ['layerNorm over two dims', [3, 5, 6], 30, (x, w, b) => F.layerNorm(x, [5, 6], w.reshape([5, 6]), b.reshape([5, 6]))],
    ];
    for (const [name, shape, features, f] of cases) {
      const inputs = [nb.randn(shape, { dtype: 'float64' }), nb.randn([features], { dtype: 'float64' }), nb.randn([features], { dtype: 'float64' })];
      const g = nb.randn(shape, { dtype: 'float64' });
      const gradients = (createGraph: boolean): Tensor[] => {
        const [x, w, b] = inputs.map((t) => t.detach().requiresGrad_());
        f(x!, w!, b!).backward(g, { createGraph });
        return [x!.grad!, w!.grad!, b!.grad!];
      };
      const fused = gradients(false);
      const recorded = gradients(true);
      fused.forEach((t, k) => {
        const [a, e] = [t.toTypedArray(), recorded[k]!.toTypedArray()];
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - e[i]!) <= 1e-12, `${name} grad ${k}[${i}]: fused ${a[i]}, recorded ${e[i]}`);
      });
    }
  });
});
