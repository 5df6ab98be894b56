import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const snrOf = (clean: nb.Tensor, noisy: nb.Tensor, dims: number[]) => {
  const noise = noisy.sub(clean);
  return clean.square().mean(dims).div(noise.square().mean(dims)).log().mul(10 / Math.LN10);
};

test('mixAtSnr: the mixture has the requested SNR per waveform (last dim) and per image', () => {
  nb.manualSeed(0);
  const clean = nb.randn([3, 1000], { dtype: 'float64' }).mul(nb.tensor([[1], [5], [0.1]], { dtype: 'float64' }));
  const noise = nb.randn([3, 1000], { dtype: 'float64' });
  const noisy = nb.data.mixAtSnr(clean, noise, 10);
  for (const v of snrOf(clean, noisy, [-1]).toTypedArray()) assert.ok(Math.abs(v - 10) < 1e-9, `${v}`);
  // Per-waveform SNRs broadcast: [3, 1] against the [3, 1] powers.
  const varied = nb.data.mixAtSnr(clean, noise, nb.tensor([[0], [5], [20]], { dtype: 'float64' }));
  assert.deepEqual(Array.from(snrOf(clean, varied, [-1]).toTypedArray(), (v) => Math.round(v * 1e9) / 1e9), [0, 5, 20]);
  const images = nb.rand([2, 3, 8, 8], { dtype: 'float64' });
  const mixed = nb.data.mixAtSnr(images, nb.randn([2, 3, 8, 8], { dtype: 'float64' }), -3, { dims: [1, 2, 3] });
  for (const v of snrOf(images, mixed, [1, 2, 3]).toTypedArray()) assert.ok(Math.abs(v + 3) < 1e-9, `${v}`);
});

test('mixAtSnr: errors for mismatched shapes, silent noise, bad SNR, unknown options', () => {
  const x = nb.ones([4]);
  assert.throws(() => nb.data.mixAtSnr(x, nb.ones([5]), 0), /noise has shape \[5\] but signal has \[4\]/);
  assert.throws(() => nb.data.mixAtSnr(x, nb.zeros([4]), 0), /noise is silent/);
  assert.throws(() => nb.data.mixAtSnr(x, x, NaN), /snrDb must be a finite number/);
  assert.throws(() => nb.data.mixAtSnr(x, x, 0, { dim: [0] } as never), /unknown option 'dim'/);
});
