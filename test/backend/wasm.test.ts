/**
 * The WebAssembly backend against the reference cpu backend: it is the default, it runs the
 * kernels it claims, and its results agree with cpu on random data for every layout the ops
 * produce (transposed, batched, broadcast, flipped, sliced), on one thread and on several.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { on } from '../helpers/backends.js';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';
import { kernels } from '../../src/backend/registry.js';

/** Runs fn on the given backend and restores wasm as the default. */
/** |a - b| <= atol + rtol * |b| elementwise, reporting the worst element. */
function assertClose(actual: Tensor, expected: Tensor, what: string, rtol = 1e-5, atol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.toTypedArray();
  const e = expected.toTypedArray();
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i]! - e[i]!) <= atol + rtol * Math.abs(e[i]!);
    assert.ok(ok, `${what}[${i}]: wasm ${a[i]}, cpu ${e[i]}`);
  }
}

/** cpu's matmul accumulates in float64; float32 accumulation over k terms differs by ~k ulps. */
function checkMatmul(a: Tensor, b: Tensor, what: string): void {
  const k = a.shape[a.shape.length - 1] ?? 1;
  const want = on('cpu', () => nb.matmul(a, b));
  const got = nb.matmul(a, b);
  assertClose(got, want, what, 1e-5, 2e-7 * Math.sqrt(k) * 8);
}

after(() => nb.setNumThreads(nb.getNumThreads()));

describe('wasm backend', () => {
  test('is the default backend (cpu under NABLA_BACKEND=cpu) and runs the kernels it claims itself', () => {
    assert.equal(nb.getBackend().name, process.env.NABLA_BACKEND === 'cpu' ? 'cpu' : 'wasm');
    nb.setBackend('wasm');
    const backend = nb.getBackend();
    for (const kernel of ['matmul', 'conv', 'convChain', 'convInputGrad', 'convWeightGrad', 'maxPool', 'avgPool', 'avgPoolBackward', 'adamStep', 'sgdStep', 'unary', 'binary']) {
      assert.ok(backend.kernels.includes(kernel), `${kernel} not among its own kernels: ${backend.kernels.join(', ')}`);
    }
    const info = nb.wasmBackendInfo();
    assert.ok(info !== null);
    assert.ok(info.simd === 'relaxed' || info.simd === 'plain');
  });

  for (const threads of [1, 2]) {
    describe(`matmul agrees with cpu on ${threads} thread(s)`, () => {
      const restore = nb.getNumThreads();
      test('all transpose combinations, sizes around the register tile', () => {
        nb.setNumThreads(threads);
        nb.manualSeed(1);
        for (const [m, k, n] of [[1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 9, 17], [33, 65, 31], [64, 600, 70], [6, 1100, 1030]] as const) {
          for (const transA of [false, true]) {
            for (const transB of [false, true]) {
              const a = transA ? nb.randn([k, m]).t() : nb.randn([m, k]);
              const b = transB ? nb.randn([n, k]).t() : nb.randn([k, n]);
              checkMatmul(a, b, `[${m}x${k}]${transA ? 'T' : ''} @ [${k}x${n}]${transB ? 'T' : ''}`);
            }
          }
        }
        nb.setNumThreads(restore);
      });

      test('large enough to split across threads, in every transpose combination', () => {
        nb.setNumThreads(threads);
        nb.manualSeed(2);
        const [m, k, n] = [75, 150, 420]; // 9.5 MFLOP: over the parallel threshold
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const a = transA ? nb.randn([k, m]).t() : nb.randn([m, k]);
            const b = transB ? nb.randn([n, k]).t() : nb.randn([k, n]);
            checkMatmul(a, b, `large ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`);
          }
        }
        nb.setNumThreads(restore);
      });

      test('batched, broadcast batch dims, transposed batches', () => {
        nb.setNumThreads(threads);
        nb.manualSeed(3);
        checkMatmul(nb.randn([3, 6, 10]), nb.randn([3, 10, 9]), 'bmm');
        checkMatmul(nb.randn([2, 3, 6, 10]), nb.randn([10, 9]), 'broadcast right');
        checkMatmul(nb.randn([6, 10]), nb.randn([2, 3, 10, 9]), 'broadcast left');
        checkMatmul(nb.randn([2, 1, 6, 10]), nb.randn([1, 4, 10, 9]), 'broadcast both');
        checkMatmul(nb.randn([4, 10, 6]).transpose(1, 2), nb.randn([4, 9, 10]).transpose(1, 2), 'transposed batches');
        checkMatmul(nb.randn([6, 4, 10]).transpose(0, 1), nb.randn([4, 10, 9]), 'batch dim not outermost');
        checkMatmul(nb.randn([64, 40, 50]), nb.randn([64, 50, 30]), 'many batches');
        nb.setNumThreads(restore);
      });
    });
  }

  test('flipped, sliced and offset views', () => {
    nb.manualSeed(4);
    const big = nb.randn([40, 50]);
    checkMatmul(nb.flip(big, [1]).narrow(0, 3, 12), nb.randn([50, 7]), 'flipped columns');
    checkMatmul(nb.flip(big, [0, 1]).narrow(0, 3, 12), nb.flip(nb.randn([50, 9]), [0]), 'flipped both');
    checkMatmul(big.narrow(1, 5, 20), big.narrow(0, 10, 20).narrow(1, 2, 6), 'narrow slices of one tensor');
    const huge = nb.randn([300, 300]);
    checkMatmul(huge.narrow(0, 7, 2).narrow(1, 11, 3), huge.narrow(0, 1, 3).narrow(1, 0, 2), 'tiny window of a big tensor');
    checkMatmul(nb.randn([1, 8]).expand([5, 8]), nb.randn([8, 1]).expand([8, 6]), 'expanded operands');
  });

  test('matrix-vector, vector-matrix, dot, empty and zero-depth products', () => {
    nb.manualSeed(5);
    checkMatmul(nb.randn([7, 13]), nb.randn([13]), 'matrix @ vector');
    checkMatmul(nb.randn([13]), nb.randn([13, 5]), 'vector @ matrix');
    checkMatmul(nb.randn([13]), nb.randn([13]), 'dot');
    checkMatmul(nb.zeros([0, 4]), nb.randn([4, 3]), 'no rows');
    const zeroDepth = nb.matmul(nb.zeros([3, 0]), nb.zeros([0, 2]));
    assert.deepEqual(zeroDepth.shape, [3, 2]);
    assert.deepEqual([...zeroDepth.toTypedArray()], [0, 0, 0, 0, 0, 0]);
  });

  test('gradients through matmul (transposed views in backward) agree with cpu', () => {
    nb.manualSeed(6);
    const a0 = nb.randn([2, 37, 45]);
    const b0 = nb.randn([45, 29]);
    const grads = (backend: 'cpu' | 'wasm'): Tensor[] =>
      on(backend, () => {
        const a = a0.detach().requiresGrad_();
        const b = b0.detach().requiresGrad_();
        nb.matmul(a, b).sin().sum().backward();
        return [a.grad!, b.grad!];
      });
    const [ca, cb] = grads('cpu');
    const [wa, wb] = grads('wasm');
    assertClose(wa!, ca!, 'grad a', 1e-4, 1e-4);
    assertClose(wb!, cb!, 'grad b', 1e-4, 1e-4);
  });

  describe('convolution agrees with cpu (output, input and weight gradients)', () => {
    /** Forward and both gradients of conv on one backend, for a fixed cotangent. */
    function convAll(backend: 'cpu' | 'wasm', run: (x: Tensor, w: Tensor) => Tensor, x0: Tensor, w0: Tensor): Tensor[] {
      return on(backend, () => {
        const x = x0.detach().requiresGrad_();
        const w = w0.detach().requiresGrad_();
        const out = run(x, w);
        out.mul(nb.sin(nb.arange(0, out.numel()).reshape(out.shape))).sum().backward();
        return [out.detach(), x.grad!, w.grad!];
      });
    }
    const cases: { name: string; x: number[]; w: number[]; run: (x: Tensor, w: Tensor) => Tensor }[] = [
      { name: 'conv2d 3x3 same', x: [3, 4, 9, 11], w: [5, 4, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'conv2d stride 2, padding, dilation', x: [2, 3, 13, 12], w: [4, 3, 3, 2], run: (x, w) => nb.F.conv2d(x, w, null, { stride: [2, 3], padding: [2, 1], dilation: [2, 1] }) },
      { name: 'conv2d groups', x: [2, 6, 8, 8], w: [9, 2, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { groups: 3, padding: 1 }) },
      { name: 'conv2d 5x5 valid (LeNet)', x: [4, 1, 28, 28], w: [6, 1, 5, 5], run: (x, w) => nb.F.conv2d(x, w) },
      { name: 'conv1d', x: [3, 5, 20], w: [7, 5, 4], run: (x, w) => nb.F.conv1d(x, w, null, { stride: 2, padding: 3 }) },
      { name: 'conv3d', x: [2, 3, 5, 6, 7], w: [4, 3, 2, 3, 2], run: (x, w) => nb.F.conv3d(x, w, null, { padding: [1, 0, 1], stride: [1, 2, 1] }) },
      { name: 'convTranspose2d', x: [2, 4, 5, 6], w: [4, 3, 3, 3], run: (x, w) => nb.F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }) },
      { name: 'conv2d on a non-contiguous input', x: [4, 3, 10, 10], w: [5, 4, 3, 3], run: (x, w) => nb.F.conv2d(x.transpose(0, 1), w, null, { padding: 1 }) },
      // 32 or more input channels per group: stride-1 input gradients run as a forward convolution.
      { name: 'conv2d stride 1, dilation 2, groups 2, 64 channels', x: [1, 64, 11, 13], w: [6, 32, 3, 2], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [3, 1], dilation: 2, groups: 2 }) },
      { name: 'conv3d stride 1, padding over the kernel extent, 32 channels', x: [1, 32, 4, 5, 6], w: [3, 32, 2, 2, 3], run: (x, w) => nb.F.conv3d(x, w, null, { padding: [2, 1, 0] }) },
      { name: 'convTranspose2d stride 1, 32 output channels', x: [2, 4, 7, 6], w: [4, 32, 3, 3], run: (x, w) => nb.F.convTranspose2d(x, w, null, { padding: 1 }) },
      // 3x3 at unit stride with 16 or more channels in and out: Winograd F(2x2, 3x3).
      { name: 'Winograd: 3x3 same, odd output sizes', x: [2, 16, 9, 11], w: [20, 16, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'Winograd: 3x3 valid and padding 2', x: [2, 17, 8, 7], w: [16, 17, 3, 3], run: (x, w) => nb.F.conv2d(nb.F.conv2d(x, w, null, { padding: 2 }), w.narrow(1, 0, 16), null) },
      { name: 'Winograd: more output channels than one packed block of A', x: [1, 16, 5, 6], w: [140, 16, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'Winograd: several chunks per image, input gradient too (32 channels)', x: [1, 32, 21, 70], w: [24, 32, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'conv2d 3x3 same, 40 channels', x: [2, 40, 9, 8], w: [5, 40, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'conv2d 16x16 outputs, wide panels (implicit im2col fast path)', x: [3, 5, 16, 16], w: [7, 5, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'conv1d kernel wider than the packer tap table', x: [2, 2, 100], w: [3, 2, 70], run: (x, w) => nb.F.conv1d(x, w, null, { padding: 2 }) },
      { name: 'kernel larger than the padded input on one side', x: [2, 2, 3, 9], w: [3, 2, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [0, 4] }) },
      // One input channel per group: the depthwise kernel (rows not a multiple of 4 wide, unit and
      // other strides, dilation, several outputs per group, 1-D).
      { name: 'depthwise 3x3, stride 1', x: [2, 8, 9, 11], w: [8, 1, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1, groups: 8 }) },
      { name: 'depthwise 3x3, stride 2', x: [1, 6, 13, 10], w: [6, 1, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 1, groups: 6 }) },
      { name: 'depthwise stride 3, dilation 2, two outputs per group', x: [1, 4, 15, 14], w: [8, 1, 3, 2], run: (x, w) => nb.F.conv2d(x, w, null, { stride: [2, 3], padding: [2, 1], dilation: 2, groups: 4 }) },
      { name: 'depthwise 3x3 (unrolled taps): row dilation 2, stride [3, 2], two outputs per group', x: [1, 3, 17, 15], w: [6, 1, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { stride: [3, 2], padding: [2, 1], dilation: [2, 1], groups: 3 }) },
      { name: 'depthwise 5x5, padding 2, 7x7 plane', x: [1, 3, 7, 7], w: [3, 1, 5, 5], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 2, groups: 3 }) },
      { name: 'depthwise conv1d', x: [2, 5, 30], w: [5, 1, 5], run: (x, w) => nb.F.conv1d(x, w, null, { stride: 2, padding: 2, groups: 5 }) },
      { name: 'depthwise, many channels (threads share them)', x: [1, 96, 30, 30], w: [96, 1, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1, groups: 96 }) },
      // One input channel per group but six or more outputs per group, not 3x3: the products, not the depthwise kernel.
      { name: 'one input channel, 8 outputs 5x5, stride 2, padding 2', x: [3, 1, 13, 11], w: [8, 1, 5, 5], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 2 }) },
      { name: 'groups 3 of one input channel and 6 outputs, 5x3 kernel, dilation 2', x: [2, 3, 15, 9], w: [18, 1, 5, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [1, 2], dilation: 2, groups: 3 }) },
      { name: 'conv1d one input channel, 7 outputs, kernel 5', x: [3, 1, 23], w: [7, 1, 5], run: (x, w) => nb.F.conv1d(x, w, null, { padding: 1 }) },
      // Few output positions per image: the batch's columns form one matrix, one product for all images.
      { name: 'batched products: 3x3 on 1x1 planes', x: [5, 12, 1, 1], w: [7, 12, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'batched products: stride 2 to 2x3 outputs', x: [4, 6, 4, 5], w: [5, 6, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: 1 }) },
      { name: 'batched products: 1x1 stride 2 (a shortcut projection)', x: [3, 8, 6, 6], w: [4, 8, 1, 1], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2 }) },
      { name: 'batched products: dilation 2, 5x5 outputs, 40 channels', x: [3, 40, 9, 9], w: [33, 40, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { dilation: 2 }) },
      // Taps that read only padding are cut from the kernel (3x3 on 1x1 planes keeps its centre).
      { name: 'cut taps: 5x5 padding 2 on 1x1 planes, groups 2', x: [3, 4, 1, 1], w: [6, 2, 5, 5], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 2, groups: 2 }) },
      { name: 'cut taps: conv1d dilation 2 on length 1', x: [4, 5, 1], w: [3, 5, 5], run: (x, w) => nb.F.conv1d(x, w, null, { padding: 4, dilation: 2 }) },
      { name: 'cut taps: conv3d 1x1x5 planes, groups 3 (per-image products)', x: [2, 3, 1, 1, 5], w: [6, 1, 3, 3, 3], run: (x, w) => nb.F.conv3d(x, w, null, { padding: 1, groups: 3 }) },
      { name: 'cut taps: stride 2 over a 1-row input, odd width, 70 outputs', x: [2, 4, 1, 139], w: [5, 4, 5, 3], run: (x, w) => nb.F.conv2d(x, w, null, { stride: 2, padding: [2, 1] }) },
      { name: 'cut taps: uneven [before, after] padding', x: [2, 3, 1, 4], w: [5, 3, 5, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [[2, 2], [0, 2]] }) },
      { name: 'cut taps: convTranspose2d on 1x1 planes', x: [2, 4, 1, 1], w: [4, 3, 3, 3], run: (x, w) => nb.F.convTranspose2d(x, w, null, { padding: 1 }) },
      { name: 'cut taps: 13-tap kernel on 2 rows keeps 3 (padding left over)', x: [2, 3, 2, 3], w: [4, 3, 13, 1], run: (x, w) => nb.F.conv2d(x, w, null, { padding: [6, 0] }) },
      // A batch smaller than twice the threads: each image's product cut into blocks of output
      // positions, or of output channels when there are more of those.
      { name: 'batch 1 forward split by output positions', x: [1, 16, 40, 40], w: [24, 16, 5, 5], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 2 }) },
      { name: 'batch 1 forward split by output channels', x: [1, 128, 6, 6], w: [256, 128, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1 }) },
      { name: 'batch 1 forward split by output channels, groups 2', x: [1, 128, 8, 8], w: [194, 64, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { padding: 1, groups: 2 }) },
      { name: 'batch 1 forward split by output positions, groups 2', x: [1, 64, 24, 23], w: [96, 32, 3, 3], run: (x, w) => nb.F.conv2d(x, w, null, { stride: [1, 2], padding: 1, groups: 2 }) },
      // 1x1 at unit stride without padding: the gemm's products straight from the image.
      { name: 'pointwise 1x1, odd channels and sizes', x: [2, 7, 9, 11], w: [13, 7, 1, 1], run: (x, w) => nb.F.conv2d(x, w) },
      { name: 'pointwise 1x1, batch 1, 40 channels (the input gradient as a forward too)', x: [1, 40, 17, 13], w: [36, 40, 1, 1], run: (x, w) => nb.F.conv2d(x, w) },
      { name: 'pointwise conv1d and conv3d', x: [3, 5, 6, 4, 7], w: [6, 5, 1, 1, 1], run: (x, w) => nb.F.conv3d(x, w).add(nb.F.conv1d(x.flatten(2), w.flatten(2)).reshape([3, 6, 6, 4, 7])) },
    ];
    for (const c of cases) {
      test(c.name, () => {
        nb.manualSeed(11);
        const x = nb.randn(c.x);
        const w = nb.randn(c.w);
        const want = convAll('cpu', c.run, x, w);
        const restore = nb.getNumThreads();
        try {
          for (const threads of [1, 2]) {
            nb.setNumThreads(threads);
            const got = convAll('wasm', c.run, x, w);
            ['output', 'input gradient', 'weight gradient'].forEach((what, i) => assertClose(got[i]!, want[i]!, `${c.name}, ${threads} thread(s): ${what}`, 1e-4, 1e-4));
          }
        } finally {
          nb.setNumThreads(restore);
        }
      });
    }

    for (const threads of [1, 2]) {
      test(`a folded activation and a chain of convolutions agree with cpu (${threads} thread(s))`, () => {
        const restore = nb.getNumThreads();
        nb.setNumThreads(threads);
        try {
          nb.manualSeed(19);
          const x = nb.randn([1, 6, 23, 17]).mul(3);
          const chain = new nb.nn.Sequential(
            new nb.nn.Conv2d(6, 30, 1).foldActivation(0, 6),
            new nb.nn.Conv2d(30, 30, 3, { stride: 2, padding: 1, groups: 30 }).foldActivation(0, 6),
            new nb.nn.Conv2d(30, 7, 1),
            new nb.nn.Conv2d(7, 7, 3, { padding: 1, groups: 7 }).foldActivation(-0.5, Infinity),
            new nb.nn.Conv2d(7, 5, 3, { padding: 2, dilation: 2 }).foldActivation(-0.1, 0.1),
          ).eval();
          const run = (): Tensor => nb.noGrad(() => chain.forward(x));
          const got = run();
          assertClose(got, on('cpu', run), 'chain', 1e-4, 1e-4);
          const values = got.toTypedArray();
          assert.ok(values.some((v) => v === Math.fround(0.1)) && values.some((v) => v === Math.fround(-0.1)) && values.every((v) => Math.abs(v) <= Math.fround(0.1)));
          // One layer alone, with its clamp.
          const one = (): Tensor => nb.noGrad(() => (chain.at(0) as nb.nn.Conv2d).forward(x));
          assertClose(one(), on('cpu', one), 'one conv with a folded ReLU6', 1e-4, 1e-4);
          assert.ok(one().toTypedArray().some((v) => v === 6));
        } finally {
          nb.setNumThreads(restore);
        }
      });
    }

    test('the bias starts each output channel (plain and grouped)', () => {
      nb.manualSeed(17);
      const x = nb.randn([3, 6, 7, 7]);
      for (const groups of [1, 3]) {
        const w = nb.randn([9, 6 / groups, 3, 3]);
        const b = nb.randn([9]);
        const run = (): Tensor => nb.F.conv2d(x, w, b, { padding: 1, groups });
        assertClose(run(), on('cpu', run), `conv with bias, groups ${groups}`, 1e-4, 1e-4);
      }
      // The depthwise kernel starts from the bias; the batch-1 split fills only its block's part; the
      // batched products add it while regrouping.
      for (const [xs, ws, groups] of [[[2, 6, 9, 7], [12, 1, 3, 3], 6], [[1, 128, 6, 6], [256, 128, 3, 3], 1], [[1, 16, 40, 40], [24, 16, 5, 5], 1], [[4, 8, 3, 2], [5, 8, 3, 3], 1]] as const) {
        const [xd, wd, bd] = [nb.randn([...xs]), nb.randn([...ws]), nb.randn([ws[0]])];
        const run = (): Tensor => nb.F.conv2d(xd, wd, bd, { padding: 1, groups });
        assertClose(run(), on('cpu', run), `conv with bias, ${ws[0]} outputs, groups ${groups}`, 1e-4, 1e-4);
      }
      // Winograd adds the bias in its output transform.
      const [xw, ww, bw] = [nb.randn([2, 16, 6, 9]), nb.randn([16, 16, 3, 3]), nb.randn([16])];
      const winograd = (): Tensor => nb.F.conv2d(xw, ww, bw, { padding: 1 });
      assertClose(winograd(), on('cpu', winograd), 'Winograd conv with bias', 1e-4, 1e-4);
    });

    test('the gradient of a sum (one value expanded) is staged as that value everywhere', () => {
      nb.manualSeed(13);
      const x0 = nb.randn([3, 4, 6, 6]);
      const w0 = nb.randn([5, 4, 3, 3]);
      const grads = (backend: 'cpu' | 'wasm'): Tensor[] =>
        on(backend, () => {
          const x = x0.detach().requiresGrad_();
          const w = w0.detach().requiresGrad_();
          nb.F.conv2d(x, w, null, { padding: 1 }).sum().mul(0.5).backward();
          return [x.grad!, w.grad!];
        });
      const want = grads('cpu');
      grads('wasm').forEach((g, i) => assertClose(g, want[i]!, `expanded gradient ${i}`, 1e-4, 1e-4));
    });

    test('the weight gradient does not depend on the thread count', () => {
      nb.manualSeed(14);
      // 31 MFLOP per product: above the size that runs on several threads.
      const x = nb.randn([13, 16, 16, 16]);
      const w = nb.randn([32, 16, 3, 3]);
      const restore = nb.getNumThreads();
      const results = [1, 2, 3].map((threads) => {
        nb.setNumThreads(threads);
        return convAll('wasm', (xx, ww) => nb.F.conv2d(xx, ww, null, { padding: 1 }), x, w).map((t) => [...t.toTypedArray()]);
      });
      nb.setNumThreads(restore);
      assert.deepEqual(results[1], results[0]);
      assert.deepEqual(results[2], results[0]);
    });

    test('a large batch, on all threads', () => {
      nb.manualSeed(12);
      const x = nb.randn([15, 64, 32, 32]);
      const w = nb.randn([1, 64, 3, 3]);
      const run = (xx: Tensor, ww: Tensor): Tensor => nb.F.conv2d(xx, ww, null, { padding: 1 });
      const want = convAll('cpu', run, x, w);
      const got = convAll('wasm', run, x, w);
      ['output', 'input gradient', 'weight gradient'].forEach((what, i) => assertClose(got[i]!, want[i]!, `large batch: ${what}`, 1e-4, 1e-3));
    });
  });

  describe('float32 activations in wasm stay within a few ulp of the reference', () => {
    // Values across the whole range, including where the polynomials switch formulas.
    const grid = Array.from({ length: 4001 }, (_, i) => (i - 2000) / 20);
    const special = [0, -0, 1e-30, -1e-30, 1e-5, -1e-5, 0.6249, 0.6251, 88.7, 88.8, -87.3, -87.4, -103, 200, -200, Infinity, -Infinity, NaN];
    const x = nb.tensor([...grid, ...special], { allowNonFinite: true });
    for (const op of ['relu', 'exp', 'tanh', 'sigmoid'] as const) {
      test(op, () => {
        const got = nb[op](x).toTypedArray();
        const want = on('cpu', () => nb[op](x)).toTypedArray();
        for (let i = 0; i < got.length; i++) {
          const [g, w] = [got[i]!, want[i]!];
          if (Number.isNaN(w)) {
            assert.ok(Number.isNaN(g), `${op}(${x.toTypedArray()[i]}): wasm ${g}, cpu NaN`);
            continue;
          }
          // 4 ulp relative; results below the smallest normal float may flush to zero.
          const ok = g === w || Math.abs(g - w) <= 4.8e-7 * Math.abs(w) || Math.abs(w) < 1.2e-38;
          assert.ok(ok, `${op}(${x.toTypedArray()[i]}): wasm ${g}, cpu ${w}`);
        }
        if (op === 'relu') assert.ok(Object.is(got[grid.length + 1], 0), 'relu(-0) is +0');
      });
    }
    test('clamp (ReLU6, hardtanh) is bit-identical to the reference: NaN kept, -0 at a bound of 0, bounds rounded to float32', () => {
      for (const [min, max] of [[0, 6], [-1, 1], [0.1, null], [null, -0.3], [-1e40, 1e40], [0, 0]] as const) {
        const run = (): Tensor => nb.clamp(x, min, max);
        const [got, want] = [run().toTypedArray(), on('cpu', run).toTypedArray()];
        for (let i = 0; i < got.length; i++) {
          assert.ok(Object.is(got[i], want[i]), `clamp(${x.toTypedArray()[i]}, ${min}, ${max}): wasm ${got[i]}, cpu ${want[i]}`);
        }
      }
      assert.ok(Object.is(nb.F.relu6(x).toTypedArray()[grid.length + 1], -0), 'relu6(-0) is -0, as the reference');
    });
    test('strided and short inputs take the JS path with the same results', () => {
      const m = nb.randn([30, 40]).t();
      assertClose(nb.sigmoid(m), on('cpu', () => nb.sigmoid(m)), 'sigmoid of a transposed view', 5e-7, 0);
      const short = nb.randn([7]);
      assert.deepEqual(nb.tanh(short).toTypedArray(), on('cpu', () => nb.tanh(short)).toTypedArray());
    });
  });

  test('normalize (batch, layer, instance norm statistics) is bit-identical to the reference', () => {
    nb.manualSeed(21);
    const x = nb.randn([3, 5, 4, 6]).mul(3).add(1);
    const same = (a: Tensor, b: Tensor, what: string): void => assert.deepEqual(a.toTypedArray(), b.toTypedArray(), what);
    for (const [name, run] of [
      ['batchNorm2d (kept [C])', () => nb.F.batchNorm(x, null, null, null, null, { training: true })],
      ['layerNorm over the last two dims', () => nb.F.layerNorm(x, [4, 6])],
      ['groupNorm with a group per channel (kept [N, C])', () => nb.F.groupNorm(x, 5)],
      ['groupNorm', () => nb.F.groupNorm(x.narrow(1, 0, 4), 2)],
      ['batchNorm1d on [N, C]', () => nb.F.batchNorm(x.reshape([15, 24]), null, null, null, null, { training: true })],
      ['batchNorm2d on a transposed view (the reference)', () => nb.F.batchNorm(x.transpose(2, 3), null, null, null, null, { training: true })],
    ] as const) {
      same(run(), on('cpu', run), name);
    }
    // The statistics too: the running mean and variance a training batch norm keeps.
    const stats = (): Tensor[] => {
      const bn = new nb.nn.BatchNorm2d(5);
      bn.forward(x);
      return [bn.getBuffer('running_mean')!, bn.getBuffer('running_var')!];
    };
    const [got, want] = [stats(), on('cpu', stats)];
    same(got[0]!, want[0]!, 'running mean');
    same(got[1]!, want[1]!, 'running variance');
  });

  describe('max pooling equals the reference (values and argmax indices)', () => {
    const cases: { name: string; x: number[]; run: (x: Tensor) => nb.ValuesIndices }[] = [
      { name: '2x2 stride 2 (LeNet)', x: [4, 6, 28, 28], run: (x) => nb.F.maxPool2d(x, 2, { returnIndices: true }) },
      { name: '2x2 stride 2, odd width (vector and lane-by-lane windows in a row)', x: [2, 3, 9, 21], run: (x) => nb.F.maxPool2d(x, 2, { returnIndices: true }) },
      { name: '3x2 stride (1, 2)', x: [2, 2, 7, 18], run: (x) => nb.F.maxPool2d(x, [3, 2], { stride: [1, 2], returnIndices: true }) },
      { name: '3x3 stride 2, padding 1, ceil mode', x: [2, 3, 11, 13], run: (x) => nb.F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, returnIndices: true }) },
      { name: 'dilation 2', x: [2, 2, 12, 12], run: (x) => nb.F.maxPool2d(x, 3, { stride: 1, dilation: 2, returnIndices: true }) },
      { name: '1-d', x: [3, 4, 25], run: (x) => nb.F.maxPool1d(x, 4, { stride: 3, padding: 2, returnIndices: true }) },
      { name: '3-d', x: [2, 2, 5, 6, 7], run: (x) => nb.F.maxPool3d(x, 2, { stride: [1, 2, 2], returnIndices: true }) },
    ];
    for (const c of cases) {
      test(c.name, () => {
        nb.manualSeed(31);
        // Rounded values make ties common; NaN and -Infinity test the comparison rule.
        const values = nb.randn(c.x).mul(2).round().toTypedArray() as Float32Array;
        for (let i = 0; i < values.length; i += 37) values[i] = i % 74 === 0 ? NaN : -Infinity;
        const x = nb.tensor(Array.from(values), { allowNonFinite: true }).reshape(c.x);
        const got = c.run(x);
        const want = on('cpu', () => c.run(x));
        assert.deepEqual(got.values.toTypedArray(), want.values.toTypedArray());
        assert.deepEqual(got.indices.toTypedArray(), want.indices.toTypedArray());
        // The backward scatters each gradient to its argmax, overlapping windows summing in order.
        const cotangent = nb.randn(got.values.shape);
        const grad = (): string[] => {
          const leaf = x.detach().requiresGrad_();
          c.run(leaf).values.backward(cotangent);
          return [...leaf.grad!.toTypedArray()].map(String);
        };
        assert.deepEqual(grad(), on('cpu', grad), 'input gradient');
      });
    }
  });

  describe('average pooling equals the reference, forward and backward, bit for bit', () => {
    const cases: { name: string; x: number[]; run: (x: Tensor) => Tensor }[] = [
      { name: '2x2 stride 2', x: [4, 6, 28, 28], run: (x) => nb.F.avgPool2d(x, 2) },
      { name: '3x3 stride 2, padding 1, ceil mode', x: [2, 3, 11, 13], run: (x) => nb.F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }) },
      { name: 'padding not counted', x: [2, 2, 9, 10], run: (x) => nb.F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }) },
      { name: 'divisor override, overlapping windows', x: [3, 4, 6], run: (x) => nb.F.avgPool2d(x, [2, 3], { stride: 1, divisorOverride: 5 }) },
      { name: '1-d', x: [3, 4, 25], run: (x) => nb.F.avgPool1d(x, 4, { stride: 3, padding: 2 }) },
      { name: '3-d', x: [2, 2, 5, 6, 7], run: (x) => nb.F.avgPool3d(x, 2, { stride: [1, 2, 2], padding: [1, 0, 1] }) },
    ];
    for (const c of cases) {
      test(c.name, () => {
        nb.manualSeed(32);
        const x = nb.randn(c.x);
        assert.deepEqual(c.run(x).toTypedArray(), on('cpu', () => c.run(x)).toTypedArray());
        const cotangent = nb.randn(c.run(x).shape);
        const grad = (): Float32Array => {
          const leaf = x.detach().requiresGrad_();
          c.run(leaf).backward(cotangent);
          return leaf.grad!.toTypedArray() as Float32Array;
        };
        assert.deepEqual(grad(), on('cpu', grad), 'input gradient');
      });
    }
  });

  test('softmax and logSoftmax along the last dim stay within a few ulp of the reference, NaN and infinite rows included', () => {
    nb.manualSeed(18);
    for (const len of [1, 3, 4, 10, 37]) {
      const x = nb.randn([6, len]).mul(10);
      for (const log of [false, true]) {
        const run = (): Tensor => (log ? nb.logSoftmax(x, -1) : nb.softmax(x, -1));
        assertClose(run(), on('cpu', run), `${log ? 'logSoftmax' : 'softmax'} len ${len}`, 1e-5, 1e-6);
      }
    }
    const special = nb.tensor([[1, NaN, 2], [Infinity, 0, 1], [-Infinity, 0, 1], [-Infinity, -Infinity, -Infinity]], { allowNonFinite: true });
    for (const log of [false, true]) {
      const run = (): number[] => [...(log ? nb.logSoftmax(special, 1) : nb.softmax(special, 1)).toTypedArray()];
      const want = on('cpu', run);
      run().forEach((v, i) => {
        const w = want[i]!;
        const ok = Number.isFinite(w) ? Math.abs(v - w) <= 1e-6 * (1 + Math.abs(w)) : String(v) === String(w);
        assert.ok(ok, `special rows (${log ? 'log' : 'plain'})[${i}]: wasm ${v}, cpu ${w}`);
      });
    }
  });

  test('large same-shape arithmetic in wasm is bit-identical to the reference', () => {
    nb.manualSeed(19);
    const n = 20001;
    const special = [0, -0, NaN, Infinity, -Infinity, 1e-40, -3];
    const withSpecial = (t: Tensor): Tensor => nb.cat([t, nb.tensor(special, { allowNonFinite: true })]);
    const a = withSpecial(nb.randn([n]).mul(100));
    const b = withSpecial(nb.randn([n]));
    const cases: [string, () => Tensor][] = [
      ['add', () => a.add(b)],
      ['sub', () => a.sub(b)],
      ['mul', () => a.mul(b)],
      ['div', () => a.div(b)],
      // relu's backward: the gradient a where relu's output is positive.
      ['reluBackward', () => {
        const x = b.detach().requiresGrad_();
        nb.relu(x).backward(a);
        return x.grad!;
      }],
    ];
    for (const [name, run] of cases) {
      assert.deepEqual([...run().toTypedArray()].map(String), [...on('cpu', run).toTypedArray()].map(String), name);
    }
  });

  test('contiguous copies of transposed matrices equal the reference', () => {
    nb.manualSeed(41);
    for (const [r, c] of [[256, 784], [67, 131], [3, 5000], [1, 9000]] as const) {
      const t = nb.randn([c, r]).t();
      assert.deepEqual(nb.contiguous(t).toTypedArray(), on('cpu', () => nb.contiguous(t)).toTypedArray(), `[${r}, ${c}]`);
    }
    const batch = nb.randn([3, 40, 50]).transpose(1, 2);
    assert.deepEqual(nb.contiguous(batch).toTypedArray(), on('cpu', () => nb.contiguous(batch)).toTypedArray(), 'batched');
  });

  describe('fused Adam step is bit-identical to the composed tensor ops', () => {
    const variants: { name: string; make: (params: Tensor[]) => nb.optim.Optimizer }[] = [
      { name: 'Adam', make: (ps) => new nb.optim.Adam(ps, { lr: 1e-2 }) },
      { name: 'Adam weightDecay amsgrad', make: (ps) => new nb.optim.Adam(ps, { lr: 3e-3, weightDecay: 0.1, amsgrad: true }) },
      { name: 'Adam maximize', make: (ps) => new nb.optim.Adam(ps, { lr: 1e-3, maximize: true, betas: [0.8, 0.99] }) },
      { name: 'AdamW', make: (ps) => new nb.optim.AdamW(ps, { lr: 1e-2, weightDecay: 0.05 }) },
      { name: 'AdamW amsgrad', make: (ps) => new nb.optim.AdamW(ps, { lr: 1e-2, amsgrad: true, eps: 1e-6 }) },
    ];
    for (const variant of variants) {
      for (const dtype of ['float32', 'float64'] as const) {
        test(`${variant.name} ${dtype}`, () => {
          const trajectory = (backend: 'cpu' | 'wasm'): number[] =>
            on(backend, () => {
              nb.manualSeed(21);
              const w = nb.randn([7, 5], { dtype }).requiresGrad_();
              const b = nb.randn([5], { dtype }).requiresGrad_();
              const opt = variant.make([w, b]);
              for (let step = 0; step < 5; step++) {
                // Gradients set directly, so only the update itself differs between backends.
                w.grad = nb.randn([7, 5], { dtype });
                b.grad = nb.randn([5], { dtype }).mul(1e-3);
                opt.step();
              }
              return [...w.toTypedArray(), ...b.toTypedArray()];
            });
          assert.deepEqual(trajectory('wasm'), trajectory('cpu'));
        });
      }
    }
    test('the wasm backend offers the fused kernel', () => {
      assert.ok(nb.getBackend().kernels.includes('adamStep'));
    });
  });

  describe('fused SGD step is bit-identical to the composed tensor ops', () => {
    const variants: { name: string; options: Partial<nb.optim.SGDOptions> & { lr: number } }[] = [
      { name: 'plain', options: { lr: 0.1 } },
      { name: 'momentum', options: { lr: 0.05, momentum: 0.9 } },
      { name: 'momentum, dampening, weight decay', options: { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 1e-2 } },
      { name: 'nesterov, weight decay 1', options: { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1 } },
      { name: 'maximize, momentum 1', options: { lr: 0.02, momentum: 1, maximize: true } },
    ];
    for (const variant of variants) {
      test(variant.name, () => {
        const trajectory = (backend: 'cpu' | 'wasm'): number[] =>
          on(backend, () => {
            nb.manualSeed(22);
            const w = nb.randn([9, 7]).requiresGrad_();
            const b = nb.randn([7]).requiresGrad_();
            const opt = new nb.optim.SGD([w, b], variant.options);
            for (let step = 0; step < 4; step++) {
              w.grad = nb.randn([9, 7]);
              b.grad = nb.randn([7]).mul(1e-3);
              opt.step();
            }
            const buffer = opt.state.get(w)?.momentum_buffer as Tensor | null | undefined;
            return [...w.toTypedArray(), ...b.toTypedArray(), ...(buffer ? buffer.toTypedArray() : [])];
          });
        assert.deepEqual(trajectory('wasm'), trajectory('cpu'));
      });
    }
    test('the wasm backend offers the fused kernel, and SGD steps through it', () => {
      assert.ok(nb.getBackend().kernels.includes('sgdStep'));
      const table = kernels();
      const sgdStep = table.sgdStep!;
      let calls = 0;
      table.sgdStep = (...args) => {
        calls++;
        return sgdStep(...args);
      };
      try {
        const w = nb.randn([3, 4]).requiresGrad_();
        const opt = new nb.optim.SGD([w], { lr: 0.1, momentum: 0.9 });
        w.grad = nb.ones([3, 4]);
        opt.step();
        opt.step();
        assert.equal(calls, 2);
      } finally {
        table.sgdStep = sgdStep;
      }
    });
  });

  test('float64 and int32 products use the reference kernel exactly', () => {
    nb.manualSeed(7);
    const a = nb.randn([9, 11], { dtype: 'float64' });
    const b = nb.randn([11, 4], { dtype: 'float64' });
    assert.deepEqual([...nb.matmul(a, b).toTypedArray()], [...on('cpu', () => nb.matmul(a, b)).toTypedArray()]);
    const ia = nb.randint(-5, 5, [4, 6]);
    const ib = nb.randint(-5, 5, [6, 3]);
    assert.deepEqual([...nb.matmul(ia, ib).toTypedArray()], [...on('cpu', () => nb.matmul(ia, ib)).toTypedArray()]);
  });

  test("linear's bias goes into the product: batched, and with no input features", () => {
    nb.manualSeed(15);
    for (const [shape, inFeatures] of [[[7, 300], 300], [[2, 9, 33], 33], [[4, 0], 0]] as const) {
      const x = nb.randn([...shape]);
      const w = nb.randn([70, inFeatures]);
      const b = nb.randn([70]);
      const want = on('cpu', () => nb.F.linear(x, w, b));
      assertClose(nb.F.linear(x, w, b), want, `linear ${JSON.stringify(shape)}`, 1e-5, 2e-7 * Math.sqrt(inFeatures + 1) * 8);
    }
  });

  test('a sum keeping one block of dims of a large tensor (a bias gradient) is the reference sum exactly', () => {
    nb.manualSeed(16);
    const x = nb.randn([30, 7, 11, 9]);
    for (const dims of [[0], [0, 1], [0, 2, 3], [2, 3], [3], [0, 3], [1, 2, 3], [0, 1, 2, 3]]) {
      assert.deepEqual([...x.sum(dims).toTypedArray()], [...on('cpu', () => x.sum(dims)).toTypedArray()], `sum over ${dims.join(', ')}`);
    }
    const expanded = nb.tensor(0.37).expand([30, 7, 11, 9]);
    assert.deepEqual([...expanded.sum([0, 2, 3]).toTypedArray()], [...on('cpu', () => expanded.sum([0, 2, 3])).toTypedArray()], 'an expanded value');
  });

  test('a sum of everything is the reference sum exactly (its eight running sums), for any length and layout', () => {
    nb.manualSeed(17);
    for (const n of [1, 7, 8, 9, 16384, 16391, 70001]) {
      const x = nb.randn([n]).mul(100);
      assert.equal(x.sum().item(), on('cpu', () => x.sum()).item(), `${n} elements`);
    }
    const strided = nb.randn([300, 70]).t();
    assert.equal(strided.sum().item(), on('cpu', () => strided.sum()).item(), 'a transposed view');
    const values = nb.tensor([1e8, 1, -1e8, 1, 0.5, 0.25, 3, -3, 2], { dtype: 'float64' });
    // (s0 + s4) + (s2 + s6) + ((s1 + s5) + (s3 + s7)), s0 = 1e8 + 2.
    assert.equal(values.sum().item(), 1e8 + 2 + 0.5 + (-1e8 + 3) + (1 + 0.25 + (1 - 3)));
  });

  test('one thread and several give bit-identical results', () => {
    nb.manualSeed(8);
    const a = nb.randn([150, 200]);
    const b = nb.randn([200, 300]);
    const restore = nb.getNumThreads();
    nb.setNumThreads(1);
    const single = nb.matmul(a, b).toTypedArray();
    // Lowering the count leaves the extra workers asleep; raising it again wakes them.
    for (const threads of [2, 4, 3, 1, 4]) {
      nb.setNumThreads(threads);
      assert.deepEqual(nb.matmul(a, b).toTypedArray(), single, `${threads} threads`);
    }
    nb.setNumThreads(restore);
  });

  test('a linear layer large enough for several threads: bias written while B is packed, the same on any thread count', () => {
    nb.manualSeed(10);
    const x = nb.randn([203, 160]);
    const w = nb.randn([170, 160]);
    const bias = nb.randn([170]);
    const restore = nb.getNumThreads();
    nb.setNumThreads(1);
    const single = nb.linear(x, w, bias);
    assertClose(single, on('cpu', () => nb.linear(x, w, bias)), 'linear', 1e-5, 2e-7 * Math.sqrt(160) * 8);
    for (const threads of [2, 3]) {
      nb.setNumThreads(threads);
      assert.deepEqual(nb.linear(x, w, bias).toTypedArray(), single.toTypedArray(), `${threads} threads`);
    }
    nb.setNumThreads(restore);
  });

  test('WebAssembly memory stays flat over repeated calls', () => {
    const a = nb.randn([128, 256]);
    const b = nb.randn([256, 64]);
    nb.matmul(a, b);
    const before = nb.wasmBackendInfo()!.memoryBytes;
    for (let i = 0; i < 200; i++) nb.matmul(a, b);
    assert.equal(nb.wasmBackendInfo()!.memoryBytes, before);
  });

  test("linear's gradients equal the composed x @ weight^T + bias's, the weight's arriving contiguous", () => {
    nb.manualSeed(9);
    const x = nb.randn([2, 5, 7]);
    const run = (fused: boolean): Tensor[] => {
      const w = nb.randn([3, 7], { generator: new nb.Generator(1) }).requiresGrad_();
      const b = nb.randn([3], { generator: new nb.Generator(2) }).requiresGrad_();
      const y = fused ? nb.linear(x, w, b) : nb.matmul(x, w.transpose(0, 1)).add(b);
      y.mul(y).sum().backward();
      return [y.detach(), w.grad!, b.grad!];
    };
    const [yFused, gwFused, gbFused] = run(true);
    const [yComposed, gwComposed, gbComposed] = run(false);
    assertClose(yFused!, yComposed!, 'output');
    assertClose(gwFused!, gwComposed!, 'weight grad');
    assertClose(gbFused!, gbComposed!, 'bias grad');
    assert.ok(gwFused!.isContiguous());
    assertClose(nb.linear(nb.ones([7]), nb.ones([3, 7])), nb.full([3], 7), 'unbatched, no bias');
  });

  test('resident arrays: zeroed float32 views on wasm memory, used in place by Adam, blocks reused and merged when freed', () => {
    const runtime = WasmRuntime.create();
    assert.ok(runtime !== undefined);
    if (!runtime.shared) {
      assert.equal(runtime.residentZeros(10), null, 'private memory has no resident arrays');
      return;
    }
    const a = runtime.residentZeros(10)!;
    const b = runtime.residentZeros(1000)!;
    const c = runtime.residentZeros(10)!;
    assert.ok(a.every((v) => v === 0) && b.length === 1000);
    assert.equal(a.buffer, b.buffer);
    assert.ok(a.byteOffset + a.byteLength <= b.byteOffset && b.byteOffset + b.byteLength <= c.byteOffset, 'blocks do not overlap');
    assert.equal(runtime.residentAddress(b, 3), b.byteOffset + 12);
    assert.equal(runtime.residentAddress(new Float32Array(4), 0), -1);
    // What the finalizer does once a and b are collected: their blocks merge and take a bigger array.
    const release = (runtime as unknown as { releaseResident(block: { at: number; bytes: number }): void }).releaseResident.bind(runtime);
    release({ at: b.byteOffset, bytes: c.byteOffset - b.byteOffset });
    release({ at: a.byteOffset, bytes: b.byteOffset - a.byteOffset });
    const merged = runtime.residentZeros(1010)!;
    assert.equal(merged.byteOffset, a.byteOffset);
    assert.ok(merged.every((v) => v === 0));
    // Freed in address order instead, a block merges with the one before it.
    const [d, e, f] = [runtime.residentZeros(32)!, runtime.residentZeros(32)!, runtime.residentZeros(32)!];
    release({ at: d.byteOffset, bytes: e.byteOffset - d.byteOffset });
    release({ at: e.byteOffset, bytes: f.byteOffset - e.byteOffset });
    assert.equal(runtime.residentZeros(64)!.byteOffset, d.byteOffset);

    const p = nb.randn([300], { requiresGrad: true });
    const opt = new nb.optim.Adam([p]);
    p.grad = nb.ones([300]);
    opt.step();
    const expAvg = opt.state.get(p)!.exp_avg as Tensor;
    assert.notEqual(nb.getBackend().kernels.indexOf('residentZeros'), -1);
    assert.ok(expAvg.data.buffer instanceof SharedArrayBuffer, 'Adam state lives in wasm memory');
    assert.ok(Math.abs(expAvg.toTypedArray()[0]! - 0.1) < 1e-7);
  });

  test('Adam keeps the parameters it steps in wasm memory: views and the wrapped tensor follow, kernels read them in place, results match the reference', () => {
    const run = (backend: 'cpu' | 'wasm'): { p: Tensor; wrapped: Tensor; view: Tensor; y: Tensor } =>
      on(backend, () => {
        nb.manualSeed(3);
        const wrapped = nb.randn([6, 5]);
        const p = new nb.nn.Parameter(wrapped);
        const view = p.t();
        const opt = new nb.optim.Adam([p], { lr: 0.1 });
        const x = nb.randn([4, 5]);
        for (let i = 0; i < 3; i++) {
          opt.zeroGrad();
          nb.linear(x, p).square().sum().backward();
          opt.step();
        }
        return { p, wrapped, view, y: nb.linear(x, p).detach() };
      });
    const wasm = run('wasm');
    const cpu = run('cpu');
    if (WasmRuntime.create()?.shared === true) assert.ok(wasm.p.data.buffer instanceof SharedArrayBuffer, 'the parameter lives in wasm memory');
    assert.deepEqual([...wasm.wrapped.toTypedArray()], [...wasm.p.toTypedArray()], 'the tensor Parameter wrapped shares the storage');
    assert.deepEqual([...wasm.view.toTypedArray()], [...wasm.p.t().toTypedArray()], 'a view taken before the first step follows it');
    assertClose(wasm.p, cpu.p, 'the same steps as the reference (its products round differently)', 1e-5, 1e-5);
    assertClose(wasm.y, cpu.y, 'a product read from the resident weight', 1e-6, 1e-6);
  });

  test('setNumThreads rejects bad counts', () => {
    assert.throws(() => nb.setNumThreads(0), /setNumThreads: expected a positive integer, got 0/);
    assert.throws(() => nb.setNumThreads(1.5), /setNumThreads: expected a positive integer, got 1.5/);
  });
});
