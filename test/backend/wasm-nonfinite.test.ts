/**
 * Results never depend on which kernel is fast, non-finite inputs included: every fast path of
 * the wasm backend (Winograd forward, input and weight gradients; implicit im2col; the input
 * gradient as a forward convolution; col2im and im2col gradients; the gemm; fused LSTM and GRU
 * kernels; pooling; softmax and sums) is compared with the reference backend on inputs holding
 * +Inf, -Inf and NaN: the same elements are +Inf, -Inf and NaN, and the finite ones agree.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { on } from '../helpers/backends.js';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';

const skip = nb.wasmBackendInfo() === null ? 'SKIPPED: WebAssembly SIMD unavailable' : false;

/**
 * +Inf, -Inf or NaN elements agree exactly; finite ones within tol relative to 1 + |reference|.
 * Returns how many reference elements are not finite.
 */
function assertSameNonFinite(actual: Tensor, expected: Tensor, what: string, tol = 1e-4): number {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  const e = expected.toTypedArray();
  let nonFinite = 0;
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [Number(a[i]), Number(e[i])];
    if (!Number.isFinite(y)) nonFinite++;
    const ok = Number.isFinite(y) ? Number.isFinite(x) && Math.abs(x - y) <= tol * (1 + Math.abs(y)) : Object.is(x, y);
    if (!ok) assert.fail(`${what}[${i}]: wasm ${x}, reference ${y}`);
  }
  return nonFinite;
}

type Special = 'inf' | '-inf' | 'nan' | 'mixed';
const SPECIALS: Special[] = ['inf', '-inf', 'nan', 'mixed'];
const VALUES: Record<Exclude<Special, 'mixed'>, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };

/** randn(shape) with `count` elements (spread over the tensor) set to the special value(s). */
function spiked(shape: readonly number[], special: Special, count = 1): Tensor {
  const values = nb.randn(shape).toTypedArray() as Float32Array;
  for (let k = 0; k < count; k++) {
    const at = Math.floor(((k + 0.37) * values.length) / count);
    values[at] = special === 'mixed' ? [Infinity, -Infinity, NaN][k % 3]! : VALUES[special];
  }
  return nb.tensor(Array.from(values), { allowNonFinite: true }).reshape(shape);
}

/** The output and the inputs' gradients of run on one backend, for a given cotangent. */
function allOf(backend: 'cpu' | 'wasm', inputs: Tensor[], run: (...xs: Tensor[]) => Tensor, cotangent: (shape: readonly number[]) => Tensor): Tensor[] {
  return on(backend, () => {
    const leaves = inputs.map((x) => x.detach().requiresGrad_());
    const out = run(...leaves);
    out.backward(cotangent(out.shape));
    return [out.detach(), ...leaves.map((x) => x.grad!)];
  });
}

interface Case {
  name: string;
  inputs: number[][];
  run: (...xs: Tensor[]) => Tensor;
}

/**
 * Each case three ways per special value: the value in the first input, in the second input
 * (weights), and in the output's gradient. Outputs and gradients are compared.
 */
function checkCase(c: Case): void {
  let nonFinite = 0;
  for (const special of SPECIALS) {
    const targets = [...c.inputs.map((_, i) => `input ${i}`), 'output gradient'];
    targets.forEach((target, t) => {
      nb.manualSeed(21 + t);
      const inputs = c.inputs.map((shape, i) => (i === t ? spiked(shape, special, special === 'mixed' ? 3 : 1) : nb.randn(shape)));
      const seed = 40 + t;
      const cotangent = (shape: readonly number[]): Tensor => {
        nb.manualSeed(seed);
        return target === 'output gradient' ? spiked(shape, special, special === 'mixed' ? 3 : 1) : nb.randn(shape);
      };
      const want = allOf('cpu', inputs, c.run, cotangent);
      const got = allOf('wasm', inputs, c.run, cotangent);
      const names = ['output', ...c.inputs.map((_, i) => `gradient of input ${i}`)];
      got.forEach((g, i) => {
        // The output does not see a non-finite output gradient.
        if (target === 'output gradient' && i === 0) return;
        nonFinite += assertSameNonFinite(g, want[i]!, `${c.name}, ${special} in ${target}: ${names[i]}`);
      });
    });
  }
  assert.ok(nonFinite > 0, `${c.name}: no result was non-finite`);
}

describe('non-finite values take the reference results on every fast path', { skip }, () => {
  const convCases: Case[] = [
    // 3x3, unit stride, 16+ channels: Winograd forward and weight gradient; 32 input channels: the
    // input gradient runs as a forward convolution, itself by Winograd.
    { name: 'Winograd conv2d (16 -> 16)', inputs: [[1, 16, 7, 8], [16, 16, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
    { name: 'Winograd conv2d (32 -> 16), valid', inputs: [[2, 32, 6, 6], [16, 32, 3, 3]], run: (x, w) => nb.F.conv2d(x, w) },
    // Implicit im2col forward; col2im input gradient; im2col weight gradient.
    { name: 'conv2d 3 -> 4 channels, stride 2, padding', inputs: [[2, 3, 7, 7], [4, 3, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 1 }) },
    { name: 'conv2d groups', inputs: [[1, 4, 6, 6], [6, 2, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1, groups: 2 }) },
    // 32+ input channels, not 3x3: the input gradient as a forward convolution by implicit im2col.
    { name: 'conv2d 32 -> 4 channels, 2x3 kernel, dilation 2', inputs: [[1, 32, 7, 8], [4, 32, 2, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1, dilation: 2 }) },
    { name: 'conv1d', inputs: [[2, 3, 12], [4, 3, 3]], run: (x, w) => nb.F.conv1d(x, w, null, { padding: 1 }) },
    // Taps that read only padding cut from the kernel (the reference multiplies them by zeros).
    { name: 'conv2d 3x3 on 1x1 planes (centre tap only)', inputs: [[3, 5, 1, 1], [4, 5, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
    { name: 'conv2d 3x3 on 1x1 planes, weights checked in several blocks', inputs: [[2, 30, 1, 1], [48, 30, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
    { name: 'conv2d 5x5 on 1-row planes, groups 2', inputs: [[2, 4, 1, 6], [4, 2, 5, 5]], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [2, 0], groups: 2 }) },
    // One input channel per group: the depthwise forward.
    { name: 'depthwise conv2d, stride 2', inputs: [[1, 4, 9, 9], [4, 1, 3, 3]], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 1, groups: 4 }) },
  ];
  for (const c of convCases) test(c.name, () => checkCase(c));

  const others: Case[] = [
    { name: 'matmul', inputs: [[7, 13], [13, 5]], run: (a, b) => nb.matmul(a, b) },
    { name: 'batched matmul, transposed operand', inputs: [[2, 9, 6], [2, 11, 6]], run: (a, b) => nb.matmul(a, b.transpose(1, 2)) },
    { name: 'linear with bias', inputs: [[5, 10], [7, 10], [7]], run: (x, w, b) => nb.F.linear(x, w, b) },
    { name: 'max pooling', inputs: [[2, 3, 8, 8]], run: (x) => nb.F.maxPool2d(x, 2) },
    { name: 'average pooling', inputs: [[2, 3, 8, 8]], run: (x) => nb.F.avgPool2d(x, 3, { stride: 2, padding: 1 }) },
    { name: 'softmax', inputs: [[6, 9]], run: (x) => nb.softmax(x, -1) },
    { name: 'batch norm statistics (JS loops for a kept block of dims)', inputs: [[3, 4, 5]], run: (x) => nb.F.batchNorm(x, null, null, null, null, { training: true }) },
    { name: 'layer norm statistics', inputs: [[3, 4, 5]], run: (x) => nb.F.layerNorm(x, [5]) },
    { name: 'a linear layer on [T, B, D] (one product over all rows)', inputs: [[3, 4, 6], [5, 6]], run: (x, w) => nb.F.linear(x, w) },
    { name: 'clamp (ReLU6)', inputs: [[8, 16]], run: (x) => nb.F.relu6(x) },
    { name: 'sums (wasm from 16k elements)', inputs: [[128, 130]], run: (x) => x.add(x).sum(0) },
    {
      name: 'LSTM (fused sequence kernels), hidden 8',
      inputs: [[4, 2, 5], [1, 2, 8]],
      run: (x, h0) => {
        nb.manualSeed(3);
        const lstm = new nb.nn.LSTM(5, 8);
        return lstm.forward(x, [h0, nb.zeros([1, 2, 8])])[0];
      },
    },
    {
      name: 'LSTMCell (fused cell kernels, forward and backward), hidden 8',
      inputs: [[3, 5], [3, 8]],
      run: (x, h) => {
        nb.manualSeed(3);
        const [h1, c1] = new nb.nn.LSTMCell(5, 8).forward(x, [h, nb.zeros([3, 8])]);
        return h1.add(c1);
      },
    },
    {
      name: 'GRU (fused cell), hidden 8',
      inputs: [[4, 2, 5], [1, 2, 8]],
      run: (x, h0) => {
        nb.manualSeed(3);
        return new nb.nn.GRU(5, 8).forward(x, h0)[0];
      },
    },
  ];
  for (const c of others) test(c.name, () => checkCase(c));
});

test('finite values near float32\'s largest do not overflow in Winograd\'s transforms', { skip }, () => {
  // Inputs of +-2e38 with weights of ~0.01: the direct sums stay finite, while Winograd's input
  // transform (sums of four inputs) would overflow at every output.
  nb.manualSeed(30);
  const x = nb.randn([1, 16, 8, 8]).sign().mul(2e38);
  const w = nb.randn([16, 16, 3, 3]).mul(0.01);
  const run = (): Tensor => nb.F.conv2d(x, w, null, { padding: 1 });
  const got = run().toTypedArray();
  const want = on('cpu', run).toTypedArray();
  for (let i = 0; i < want.length; i++) {
    const [a, e] = [Number(got[i]), Number(want[i])];
    if (!(Number.isFinite(a) && Math.abs(a - e) <= 1e-4 * Math.abs(e) + 1e-6 * 2e38)) assert.fail(`output[${i}]: wasm ${a}, reference ${e}`);
  }
});

test('allWithinF32 finds one +Inf, -Inf, NaN or too large a value at any position, in the vector body and the tail', { skip }, () => {
  const runtime = WasmRuntime.create({ singleThreaded: true })!;
  for (let n = 1; n <= 11; n++) {
    runtime.beginCall('test');
    const at = runtime.alloc(n * 4);
    const view = runtime.f32.subarray(at >>> 2, (at >>> 2) + n);
    view.fill(3.4e38);
    assert.equal(runtime.exports.allWithinF32(at, n, Infinity), 1, `${n} large finite floats`);
    assert.equal(runtime.exports.allWithinF32(at, n, 3.4e38), 0, `${n} floats of 3.4e38, bound 3.4e38`);
    for (let i = 0; i < n; i++) {
      view.fill(-1.5);
      view[i] = -2;
      assert.equal(runtime.exports.allWithinF32(at, n, 2), 0, `-2 at ${i} of ${n}, bound 2`);
      assert.equal(runtime.exports.allWithinF32(at, n, 2.5), 1, `-2 at ${i} of ${n}, bound 2.5`);
      for (const value of [Infinity, -Infinity, NaN]) {
        view.fill(-1.5);
        view[i] = value;
        assert.equal(runtime.exports.allWithinF32(at, n, Infinity), 0, `${value} at ${i} of ${n}`);
      }
    }
  }
});
