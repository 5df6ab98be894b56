import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertGradCheck, layerTests, loadCases, rand } from './conv-golden.js';

const { nn, F } = nb;

describe('convolution layers against PyTorch', () => layerTests(loadCases('conv-conv.json')));

describe('convolution gradCheck (float64)', () => {
  test('conv1d with stride, same padding and bias', () => {
    assertGradCheck((x, w, b) => F.conv1d(x!, w!, b, { stride: 2, padding: 'same' }), [rand([2, 2, 7], 1), rand([3, 2, 3], 2), rand([3], 3)]);
  });
  test('conv2d with groups, dilation and asymmetric padding', () => {
    assertGradCheck(
      (x, w, b) => F.conv2d(x!, w!, b, { padding: [[0, 1], [1, 0]], dilation: [2, 1], groups: 2 }),
      [rand([1, 4, 5, 4], 4), rand([2, 2, 2, 3], 5), rand([2], 6)],
    );
  });
  test('conv2d depthwise on an unbatched input', () => {
    assertGradCheck((x, w) => F.conv2d(x!, w!, null, { stride: [2, 1], padding: 1, groups: 3 }), [rand([3, 5, 4], 7), rand([3, 1, 3, 2], 8)]);
  });
  test('conv3d', () => {
    assertGradCheck((x, w, b) => F.conv3d(x!, w!, b, { padding: 'full' }), [rand([1, 2, 3, 2, 3], 9), rand([2, 2, 2, 2, 1], 10), rand([2], 11)]);
  });
  test('convTranspose1d/2d/3d', () => {
    assertGradCheck((x, w, b) => F.convTranspose1d(x!, w!, b, { stride: 2, padding: 1, outputPadding: 1 }), [rand([2, 2, 4], 12), rand([2, 3, 3], 13), rand([3], 14)]);
    assertGradCheck(
      (x, w) => F.convTranspose2d(x!, w!, null, { stride: [2, 1], groups: 2, dilation: [1, 2] }),
      [rand([1, 4, 3, 2], 15), rand([4, 1, 2, 2], 16)],
    );
    assertGradCheck((x, w) => F.convTranspose3d(x!, w!, null, { stride: 2 }), [rand([1, 2, 2, 2, 1], 17), rand([2, 1, 2, 1, 2], 18)]);
  });
  test('layers with respect to their input', () => {
    const layers: [nb.nn.Module & { forward(x: nb.Tensor): nb.Tensor }, number[]][] = [
      [new nn.Conv1d(2, 3, 2, { dtype: 'float64', padding: 'same', stride: 2 }), [2, 2, 5]],
      [new nn.Conv2d(2, 2, 3, { dtype: 'float64', padding: 1, paddingMode: 'reflect' }), [1, 2, 4, 3]],
      [new nn.Conv3d(2, 2, 2, { dtype: 'float64', groups: 2 }), [1, 2, 3, 2, 2]],
      [new nn.ConvTranspose2d(2, 3, 2, { dtype: 'float64', stride: 2 }), [1, 2, 2, 3]],
    ];
    for (const [layer, shape] of layers) assertGradCheck((x) => layer.forward(x!), [rand(shape, 19)]);
  });
  test('second derivatives (backward of the backward kernels)', () => {
    const secondOrder = (x: nb.Tensor, w: nb.Tensor): nb.Tensor[] =>
      nb.valueAndGrad((a, b) => F.conv2d(a!, b!, null, { stride: 2, padding: 1, groups: 2 }).square().sum())(x, w)[1];
    assertGradCheck(secondOrder, [rand([1, 4, 4, 3], 20), rand([2, 2, 2, 2], 21)]);
    const transposed = (x: nb.Tensor, w: nb.Tensor): nb.Tensor[] =>
      nb.valueAndGrad((a, b) => F.convTranspose1d(a!, b!, null, { stride: 2 }).square().sum())(x, w)[1];
    assertGradCheck(transposed, [rand([1, 2, 3], 22), rand([2, 2, 2], 23)]);
  });
});

describe('padding modes', () => {
  test("'same' keeps ceil(in / stride) and puts the odd padding at the end, as TensorFlow", () => {
    const x = rand([1, 2, 8, 7], 30);
    const w = rand([3, 2, 3, 2], 31);
    const same = F.conv2d(x, w, null, { stride: 2, padding: 'same' });
    assert.deepEqual(same.shape, [1, 3, 4, 4]);
    // H: total (4 - 1) * 2 + 3 - 8 = 1 -> (0, 1); W: (4 - 1) * 2 + 2 - 7 = 1 -> (0, 1).
    const explicit = F.conv2d(nb.pad(x, [0, 1, 0, 1]), w, null, { stride: 2 });
    assert.deepEqual(same.toArray(), explicit.toArray());
    for (const size of [5, 6, 7, 9, 10]) {
      for (const stride of [1, 2, 3]) {
        const out = F.conv1d(rand([1, 1, size], size), rand([1, 1, 4], 1), null, { stride, padding: 'same', dilation: 2 });
        assert.equal(out.shape[2], Math.ceil(size / stride), `size ${size}, stride ${stride}`);
      }
    }
  });
  test("'valid' and 'full' follow O = (I - F + Pstart + Pend) / S + 1", () => {
    const x = rand([1, 1, 9], 32);
    const w = rand([1, 1, 4], 33);
    assert.deepEqual(F.conv1d(x, w, null, { padding: 'valid' }).shape, [1, 1, 6]);
    assert.deepEqual(F.conv1d(x, w, null, { padding: 'full' }).shape, [1, 1, 12]);
    assert.deepEqual(F.conv1d(x, w, null, { padding: 'full', stride: 2, dilation: 2 }).shape, [1, 1, 8]);
  });
});

describe('default initialization and state dict', () => {
  test('Conv2d weight and bias lie in U(-1/sqrt(fanIn), 1/sqrt(fanIn)) with torch layouts', () => {
    const conv = new nn.Conv2d(6, 8, [3, 2], { groups: 2 });
    assert.deepEqual(conv.weight.shape, [8, 3, 3, 2]);
    assert.deepEqual(conv.bias!.shape, [8]);
    const bound = 1 / Math.sqrt(3 * 3 * 2);
    for (const p of [conv.weight, conv.bias!]) {
      const values = Array.from(p.toTypedArray());
      assert.ok(values.every((v) => Math.abs(v) <= bound), 'inside the bound');
      assert.ok(Math.max(...values.map(Math.abs)) > 0.5 * bound, 'spread over the range');
    }
    assert.deepEqual(Object.keys(new nn.Conv1d(2, 3, 3, { bias: false }).stateDict()), ['weight']);
  });
  test('ConvTranspose2d weight is [in, out / groups, kh, kw] with fanIn from its second dim', () => {
    const conv = new nn.ConvTranspose2d(4, 6, 3, { groups: 2 });
    assert.deepEqual(conv.weight.shape, [4, 3, 3, 3]);
    const bound = 1 / Math.sqrt(3 * 3 * 3);
    assert.ok(Array.from(conv.bias!.toTypedArray()).every((v) => Math.abs(v) <= bound));
    assert.deepEqual(Object.keys(conv.stateDict()), ['weight', 'bias']);
  });
  test('float64 layers and repr', () => {
    const conv = new nn.Conv3d(2, 4, 3, { dtype: 'float64', stride: 2, padding: 'same' });
    assert.equal(conv.weight.dtype, 'float64');
    assert.equal(conv.forward(rand([1, 2, 5, 5, 5], 40)).shape.join(','), '1,4,3,3,3');
    assert.match(String(conv), /Conv3d\(2, 4, kernelSize=\[3, 3, 3\], stride=\[2, 2, 2\], padding='same'\)/);
  });
});

describe('convolution errors', () => {
  const conv = new nn.Conv2d(3, 16, 3);
  test('wrong channel count and rank name the layer and the expected input', () => {
    assert.throws(
      () => conv.forward(nb.zeros([8, 1, 28, 28])),
      { message: 'Conv2d(3 -> 16, k=3) expects input [N, 3, H, W] or [3, H, W], got [8, 1, 28, 28]: 1 channel where 3 expected' },
    );
    assert.throws(() => conv.forward(nb.zeros([8, 784])), /Conv2d\(3 -> 16, k=3\) expects input \[N, 3, H, W\] or \[3, H, W\], got \[8, 784\]: 2 dims where 3 or 4 expected/);
    assert.throws(() => new nn.Conv1d(2, 4, [3, 1]).forward(nb.zeros([1, 2, 5])), /Conv1d: kernelSize must be an integer or a list of 1 integers/);
  });
  test('a kernel larger than the padded input', () => {
    assert.throws(
      () => conv.forward(nb.zeros([1, 3, 2, 5])),
      /conv2d: the kernel \(size 3\) is larger than the padded input \(2 \+ padding 0 \+ 0 = 2\) in spatial dim 0/,
    );
    assert.throws(
      () => F.conv1d(nb.zeros([1, 1, 5]), nb.zeros([1, 1, 3]), null, { dilation: 3, padding: 0 }),
      /the kernel \(size 3, 7 with dilation 3\) is larger than the padded input/,
    );
  });
  test('groups that do not divide the channels', () => {
    assert.throws(() => new nn.Conv2d(4, 6, 3, { groups: 4 }), /Conv2d: outChannels \(6\) must be divisible by groups \(4\)/);
    assert.throws(
      () => F.conv2d(nb.zeros([1, 6, 5, 5]), nb.zeros([4, 3, 3, 3]), null, { groups: 4 }),
      /conv2d: groups=4 must divide both the input channels \(6\) and the output channels \(4\)/,
    );
    assert.throws(
      () => F.conv2d(nb.zeros([1, 6, 5, 5]), nb.zeros([4, 2, 3, 3]), null, { groups: 2 }),
      /conv2d: weight \[4, 2, 3, 3\] expects 4 input channels \(2 per group x 2 groups\), but the input \[1, 6, 5, 5\] has 6/,
    );
  });
  test('bad options, bias and dtypes', () => {
    assert.throws(() => new nn.Conv2d(3, 4, 3, { padding: 'half' as 'same' }), /Conv2d: option 'padding' must be an integer, a list of them, \[before, after\] pairs, 'valid', 'same' or 'full', got string 'half'/);
    assert.throws(() => F.conv2d(nb.zeros([1, 1, 4, 4]), nb.zeros([1, 1, 2, 2]), null, { stride: 0 }), /conv2d: stride must be 2 integers >= 1, got \[0, 0\]/);
    assert.throws(() => F.conv1d(nb.zeros([1, 1, 4]), nb.zeros([2, 1, 2]), nb.zeros([3])), /conv1d: bias must have shape \[2\]/);
    assert.throws(() => F.conv1d(nb.zeros([1, 1, 4]), nb.zeros([2, 1, 2], { dtype: 'float64' })), /conv1d: input, weight and bias must share one floating-point dtype, got input float32, weight float64/);
    assert.throws(() => conv.forward(nb.zeros([1, 3, 5, 5], { dtype: 'float64' })), /Conv2d\(3 -> 16, k=3\) got input of dtype float64 but its weights are float32/);
    assert.throws(() => F.conv2d(nb.zeros([5, 5]), nb.zeros([1, 1, 2, 2])), /conv2d: expects input \[N, C, H, W\] or \[C, H, W\], got \[5, 5\] \(2 dims\)/);
  });
  test('transposed convolution: channels, outputPadding and unreachable outputSize', () => {
    const up = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1 });
    assert.throws(() => up.forward(nb.zeros([1, 2, 3, 3])), /ConvTranspose2d\(4 -> 2, k=3\) expects input \[N, 4, H, W\] or \[4, H, W\], got \[1, 2, 3, 3\]: 2 channels where 4 expected/);
    assert.throws(() => F.convTranspose1d(nb.zeros([1, 1, 3]), nb.zeros([1, 1, 3]), null, { stride: 2, outputPadding: 2 }), /outputPadding \(2\) must be smaller than either stride \(2\) or dilation \(1\)/);
    assert.deepEqual(up.forward(nb.zeros([1, 4, 3, 3]), [6, 5]).shape, [1, 2, 6, 5]);
    assert.throws(() => up.forward(nb.zeros([1, 4, 3, 3]), [7, 5]), /outputSize \[7, 5\] is not reachable from input \[1, 4, 3, 3\]: spatial dim 0 must be between 5 and 6/);
  });
});
