import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertGradCheck, layerTests, loadCases, rand } from './conv-golden.js';

const { nn, F } = nb;

describe('pooling layers against PyTorch', () => layerTests(loadCases('conv-pool.json')));

describe('pooling gradCheck (float64)', () => {
  test('max pooling 1-D, 2-D (overlapping windows, ceilMode) and 3-D', () => {
    assertGradCheck((x) => F.maxPool1d(x!, 3, { stride: 2, padding: 1, ceilMode: true }), [rand([2, 2, 8], 1)]);
    assertGradCheck((x) => F.maxPool2d(x!, [3, 2], { stride: [2, 1], dilation: [1, 2], ceilMode: true }), [rand([1, 2, 6, 5], 2)]);
    assertGradCheck((x) => F.maxPool3d(x!, 2, { padding: [1, 0, 0] }), [rand([1, 1, 3, 4, 2], 3)]);
  });
  test('average pooling 1-D, 2-D and 3-D with every divisor rule', () => {
    assertGradCheck((x) => F.avgPool1d(x!, 3, { stride: 2, padding: 1, ceilMode: true }), [rand([2, 2, 8], 4)]);
    assertGradCheck((x) => F.avgPool2d(x!, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [rand([1, 2, 6, 5], 5)]);
    assertGradCheck((x) => F.avgPool2d(x!, [2, 3], { divisorOverride: 5 }), [rand([3, 4, 6], 6)]);
    assertGradCheck((x) => F.avgPool3d(x!, [2, 2, 1], { stride: 1, padding: [1, 0, 0] }), [rand([1, 1, 3, 3, 2], 7)]);
  });
  test('adaptive pooling', () => {
    assertGradCheck((x) => F.adaptiveAvgPool2d(x!, [3, 2]), [rand([1, 2, 5, 5], 8)]);
    assertGradCheck((x) => F.adaptiveAvgPool1d(x!, 4), [rand([2, 2, 7], 9)]);
    assertGradCheck((x) => F.adaptiveAvgPool3d(x!, [1, 2, 3]), [rand([1, 1, 2, 3, 4], 10)]);
    assertGradCheck((x) => F.adaptiveMaxPool2d(x!, [2, 3]), [rand([1, 2, 5, 7], 11)]);
    assertGradCheck((x) => F.adaptiveMaxPool1d(x!, 3), [rand([2, 7], 12)]);
    assertGradCheck((x) => F.adaptiveMaxPool3d(x!, 2), [rand([1, 1, 3, 3, 4], 13)]);
  });
  test('layers', () => {
    const layers: [{ forward(x: nb.Tensor): nb.Tensor }, number[]][] = [
      [new nn.MaxPool2d(2, { stride: 1 }), [1, 2, 3, 4]],
      [new nn.AvgPool2d(2, { padding: 1 }), [1, 2, 3, 4]],
      [new nn.AdaptiveAvgPool2d([2, null]), [1, 2, 5, 3]],
      [new nn.AdaptiveMaxPool2d(2), [1, 2, 5, 3]],
      [new nn.MaxPool1d(2), [2, 2, 6]],
      [new nn.AvgPool3d(2, { ceilMode: true }), [1, 1, 3, 2, 3]],
    ];
    for (const [layer, shape] of layers) assertGradCheck((x) => layer.forward(x!), [rand(shape, 14)]);
  });
  test('second derivatives through the backward ops', () => {
    const maxSecond = (x: nb.Tensor): nb.Tensor[] => nb.valueAndGrad((a) => F.maxPool2d(a!, 2, { stride: 1 }).square().sum())(x)[1];
    assertGradCheck(maxSecond, [rand([1, 1, 3, 4], 15)]);
    const avgSecond = (x: nb.Tensor): nb.Tensor[] => nb.valueAndGrad((a) => F.avgPool1d(a!, 3, { stride: 2, padding: 1 }).square().sum())(x)[1];
    assertGradCheck(avgSecond, [rand([1, 2, 6], 16)]);
  });
});

describe('pooling behaviour', () => {
  test('max pooling propagates NaN and returns torch-style flat plane indices', () => {
    const x = nb.tensor([[[[1, 5, 2], [NaN, 0, 7]]]], { allowNonFinite: true });
    const { values, indices } = F.maxPool2d(x, [2, 2], { stride: 1, returnIndices: true });
    assert.ok(Number.isNaN(values.toTypedArray()[0]!));
    assert.equal(values.toTypedArray()[1], 7);
    assert.deepEqual(indices.toArray(), [[[[3, 5]]]]);
  });
  test('overlapping windows add their gradients at a shared maximum', () => {
    const x = nb.tensor([[[0, 9, 0, 0]]], { requiresGrad: true });
    F.maxPool1d(x, 2, { stride: 1 }).sum().backward();
    // windows [0, 9], [9, 0], [0, 0]: the shared maximum gets two, the tie in the last window goes to its first element.
    assert.deepEqual(x.grad!.toArray(), [[[0, 2, 1, 0]]]);
  });
  test('unbatched inputs and returnIndices on layers', () => {
    const pool = new nn.MaxPool2d(2, { returnIndices: true });
    const { values, indices } = pool.forward(nb.arange(16).reshape([1, 4, 4]).float());
    assert.deepEqual(values.toArray(), [[[5, 7], [13, 15]]]);
    assert.deepEqual(indices.toArray(), [[[5, 7], [13, 15]]]);
    const adaptive = new nn.AdaptiveMaxPool2d(1, { returnIndices: true }).forward(nb.tensor([[[1, 3], [2, 0]]], { dtype: 'float32' }));
    assert.deepEqual(adaptive.indices.toArray(), [[[1]]]);
    assert.deepEqual(new nn.AvgPool1d(2).forward(nb.tensor([[1, 3, 5, 7]], { dtype: 'float32' })).toArray(), [[2, 6]]);
  });
  test('ceilMode drops a last window that would start in the right padding', () => {
    // in 5, k 2, s 2, pad 1: ceil((5 + 2 - 2) / 2) + 1 = 4, but the 4th window would start at 3 * 2 = 6 >= in + pad, so 3.
    assert.equal(F.maxPool1d(rand([1, 1, 5], 20), 2, { padding: 1, ceilMode: true }).shape[2], 3);
    assert.equal(F.maxPool1d(rand([1, 1, 6], 21), 2, { ceilMode: true, stride: 3 }).shape[2], 2);
    assert.equal(F.avgPool1d(rand([1, 1, 7], 22), 3, { ceilMode: true, stride: 2 }).shape[2], 3);
  });
});

describe('pooling errors', () => {
  test('padding over half the kernel and windows larger than the input', () => {
    assert.throws(() => F.maxPool2d(nb.zeros([1, 1, 4, 4]), 2, { padding: 2 }), /maxPool2d: padding \(\[2, 2\]\) must be at most half the kernel size \(\[2, 2\]\)/);
    assert.throws(
      () => new nn.MaxPool2d(3).forward(nb.zeros([1, 1, 2, 5])),
      /MaxPool2d\(kernelSize=3\): the window \(kernel \[3, 3\], dilation \[1, 1\]\) is larger than the padded input: input \[1, 1, 2, 5\] with padding \[0, 0\] gives output size \[0, 1\]/,
    );
  });
  test('wrong rank, bad sizes and integer input', () => {
    assert.throws(() => new nn.AvgPool2d(2).forward(nb.zeros([4, 4])), /AvgPool2d\(kernelSize=2\): expects input \[N, C, H, W\] or \[C, H, W\], got \[4, 4\] \(2 dims\)/);
    assert.throws(() => F.adaptiveAvgPool2d(nb.zeros([1, 4, 4]), [2, 0]), /adaptiveAvgPool2d: outputSize must hold positive integers \(or null\), got \[2,0\]/);
    assert.throws(() => F.adaptiveMaxPool2d(nb.zeros([1, 4, 4]), [2, 2, 2]), /adaptiveMaxPool2d: outputSize must be an integer or a list of 2/);
    assert.throws(() => F.maxPool1d(nb.zeros([1, 1, 4], { dtype: 'int32' }), 2), /maxPool1d: expects a floating-point input, got dtype int32/);
    assert.throws(() => F.avgPool2d(nb.zeros([1, 1, 4, 4]), 2, { divisorOverride: 0 }), /avgPool2d: divisorOverride must be a non-zero integer, got 0/);
  });
});
