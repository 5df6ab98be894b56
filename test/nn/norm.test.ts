import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { assertGradCheck, layerTests, loadCases, rand } from './conv-golden.js';

const { nn, F } = nb;

describe('normalization layers against PyTorch', () => layerTests(loadCases('conv-norm.json')));

describe('normalization gradCheck (float64)', () => {
  test('batchNorm in training (batch statistics) and evaluation (running statistics)', () => {
    assertGradCheck((x, w, b) => F.batchNorm(x!, null, null, w, b, { training: true }), [rand([3, 2, 2, 2], 1), rand([2], 2), rand([2], 3)]);
    assertGradCheck((x) => F.batchNorm(x!, null, null, null, null, { training: true, eps: 1e-3 }), [rand([4, 3], 4)]);
    const mean = rand([2], 5);
    const variance = rand([2], 6).abs().add(0.5);
    assertGradCheck((x, w, b) => F.batchNorm(x!, mean, variance, w, b), [rand([2, 2, 3], 7), rand([2], 8), rand([2], 9)]);
  });
  test('layerNorm, groupNorm and localResponseNorm', () => {
    assertGradCheck((x, w, b) => F.layerNorm(x!, [2, 3], w, b), [rand([2, 2, 3], 10), rand([2, 3], 11), rand([2, 3], 12)]);
    assertGradCheck((x, w, b) => F.groupNorm(x!, 2, w, b), [rand([2, 4, 3], 13), rand([4], 14), rand([4], 15)]);
    assertGradCheck((x) => F.localResponseNorm(x!, 3, { alpha: 0.5, beta: 0.6, k: 1.5 }), [rand([2, 4, 3], 16)]);
    assertGradCheck((x) => F.localResponseNorm(x!, 2, { alpha: 0.3 }), [rand([1, 3, 2, 2], 17)]);
  });
  test('second derivatives through the normalize primitive (batch, layer and group norm)', () => {
    // gradCheck of x -> d(sum(f(x) * w))/dx: checks the backward formula's own derivative.
    const secondOrder = (f: (x: nb.Tensor) => nb.Tensor, shape: number[], seed: number): void => {
      const w = rand(shape, seed + 100);
      assertGradCheck((x) => nb.grad((u: nb.Tensor) => f(u).mul(w).sum())(x!)[0]!, [rand(shape, seed)]);
    };
    const weight = rand([3], 30);
    const bias = rand([3], 31);
    secondOrder((x) => F.batchNorm(x, null, null, weight, bias, { training: true }), [4, 3, 2], 32);
    secondOrder((x) => F.batchNorm(x, null, null, null, null, { training: true, eps: 0.1 }), [5, 3], 33);
    secondOrder((x) => F.layerNorm(x, [3], weight, bias), [2, 4, 3], 34);
    secondOrder((x) => F.groupNorm(x, 3, weight, bias), [2, 3, 4], 35);
  });
  test('dropout2d with a fixed mask', () => {
    assertGradCheck((x) => F.dropout2d(x!, 0.5, true, new nb.Generator(3)), [rand([2, 4, 2, 2], 18)]);
  });
  test('layers with respect to their input', () => {
    const bn = new nn.BatchNorm2d(2, { dtype: 'float64' });
    const layers: [{ forward(x: nb.Tensor): nb.Tensor }, number[]][] = [
      [bn, [2, 2, 2, 2]],
      [new nn.BatchNorm1d(3, { dtype: 'float64', trackRunningStats: false }), [4, 3]],
      [new nn.LayerNorm(4, { dtype: 'float64' }), [3, 4]],
      [new nn.GroupNorm(2, 4, { dtype: 'float64' }), [2, 4, 3]],
      [new nn.LocalResponseNorm(2, { alpha: 0.5 }), [1, 3, 4]],
    ];
    for (const [layer, shape] of layers) assertGradCheck((x) => layer.forward(x!), [rand(shape, 19)]);
    bn.eval();
    assertGradCheck((x) => bn.forward(x!), [rand([2, 2, 2, 2], 20)]);
  });
});

describe('batch norm running statistics', () => {
  test('training updates running mean and unbiased variance by momentum; eval uses them', () => {
    const bn = new nn.BatchNorm1d(1, { dtype: 'float64', momentum: 0.5, affine: false });
    const x = nb.tensor([[1], [2], [3], [6]], { dtype: 'float64' });
    bn.forward(x);
    const state = bn.stateDict();
    assert.deepEqual(state.running_mean!.toArray(), [0.5 * 0 + 0.5 * 3]);
    // unbiased variance of [1, 2, 3, 6] is 14 / 3
    assert.ok(Math.abs((state.running_var!.toArray() as number[])[0]! - (0.5 + 0.5 * (14 / 3))) < 1e-12);
    assert.equal(state.num_batches_tracked!.item(), 1);
    bn.eval();
    const y = bn.forward(nb.tensor([[1.5]], { dtype: 'float64' }));
    assert.ok(Math.abs(y.item() - 0 / Math.sqrt(0.5 + 0.5 * (14 / 3) + 1e-5)) < 1e-12);
    assert.equal(bn.stateDict().num_batches_tracked!.item(), 1, 'eval does not count batches');
  });
  test('stateDict keys for every option combination', () => {
    assert.deepEqual(Object.keys(new nn.BatchNorm2d(3).stateDict()), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    assert.deepEqual(Object.keys(new nn.BatchNorm2d(3, { affine: false }).stateDict()), ['running_mean', 'running_var', 'num_batches_tracked']);
    assert.deepEqual(Object.keys(new nn.BatchNorm2d(3, { trackRunningStats: false }).stateDict()), ['weight', 'bias']);
    assert.deepEqual(Object.keys(new nn.LayerNorm([2, 3], { elementwiseAffine: false }).stateDict()), []);
    assert.deepEqual(Object.keys(new nn.GroupNorm(1, 3).stateDict()), ['weight', 'bias']);
  });
  test('resetRunningStats and conversion to float64 keep the buffers in use', () => {
    const bn = new nn.BatchNorm2d(2);
    bn.forward(rand([2, 2, 2, 2], 30).float());
    bn.double();
    bn.forward(rand([2, 2, 2, 2], 31));
    assert.equal(bn.stateDict().running_mean!.dtype, 'float64');
    assert.equal(bn.stateDict().num_batches_tracked!.item(), 2);
    bn.resetRunningStats();
    assert.deepEqual(bn.stateDict().running_var!.toArray(), [1, 1]);
    assert.equal(bn.stateDict().num_batches_tracked!.item(), 0);
  });
});

describe('dropout2d', () => {
  test('zeroes whole channels and scales the others by 1 / (1 - p)', () => {
    const x = nb.ones([8, 16, 3, 3]);
    const y = F.dropout2d(x, 0.25, true, new nb.Generator(7));
    const perChannel = y.reshape([8 * 16, 9]);
    let dropped = 0;
    for (const row of perChannel.toArray() as number[][]) {
      const first = row[0]!;
      assert.ok(row.every((v) => v === first), 'a channel is kept or dropped as a whole');
      assert.ok(first === 0 || Math.abs(first - 1 / 0.75) < 1e-6);
      if (first === 0) dropped++;
    }
    assert.ok(dropped > 16 && dropped < 50, `about a quarter of 128 channels dropped, got ${dropped}`);
  });
  test('is the identity in eval mode and for unbatched input keeps channels whole', () => {
    const layer = new nn.Dropout2d(0.5);
    const x = rand([2, 3, 2, 2], 40).float();
    layer.eval();
    assert.equal(layer.forward(x), x);
    const unbatched = F.dropout2d(nb.ones([6, 2, 2]), 0.5, true, new nb.Generator(1)).reshape([6, 4]).toArray() as number[][];
    assert.ok(unbatched.every((row) => row.every((v) => v === row[0])));
    assert.deepEqual(F.dropout2d(nb.ones([1, 2, 1, 1]), 1).toArray(), [[[[0]], [[0]]]]);
  });
});

describe('normalization errors', () => {
  test('wrong rank or channel count name the layer', () => {
    assert.throws(
      () => new nn.BatchNorm2d(3).forward(nb.zeros([8, 1, 28, 28])),
      { message: 'BatchNorm2d(3) expects input [N, 3, H, W], got [8, 1, 28, 28]: 1 channel where 3 expected' },
    );
    assert.throws(() => new nn.BatchNorm1d(4).forward(nb.zeros([2, 4, 3, 3])), /BatchNorm1d\(4\) expects input \[N, 4\] or \[N, 4, L\], got \[2, 4, 3, 3\]: 4 dims where 2 or 3 expected/);
    assert.throws(() => new nn.LayerNorm([3, 4]).forward(nb.zeros([2, 4, 3])), /LayerNorm\(\[3, 4\]\) expects input \[\*, 3, 4\] \(ending with the normalized shape\), got \[2, 4, 3\]/);
    assert.throws(() => new nn.GroupNorm(2, 4).forward(nb.zeros([2, 6, 3])), /GroupNorm\(2, 4\) expects input \[N, 4, \*\], got \[2, 6, 3\]: 6 channels where 4 expected/);
    assert.throws(() => F.localResponseNorm(nb.zeros([2, 3]), 2), /localResponseNorm: expects input \[N, C, \.\.\.\] with at least 3 dims, got \[2, 3\]/);
    assert.throws(() => F.dropout2d(nb.zeros([2, 3]), 0.5), /dropout2d: expects input \[N, C, H, W\] or \[C, H, W\], got \[2, 3\]/);
  });
  test('one value per channel in training, and eval without running statistics', () => {
    assert.throws(() => new nn.BatchNorm1d(3).forward(nb.zeros([1, 3])), /batchNorm: expected more than 1 value per channel when training, got input \[1, 3\]/);
    assert.throws(() => F.batchNorm(nb.zeros([2, 3]), null, null), /batchNorm: running statistics are needed when not training/);
  });
  test('bad options', () => {
    assert.throws(() => new nn.GroupNorm(3, 4), /GroupNorm: numChannels \(4\) must be divisible by numGroups \(3\)/);
    assert.throws(() => new nn.BatchNorm2d(3, { momentum: 2 }), /BatchNorm2d: momentum must be in \[0, 1\] or null/);
    assert.throws(() => F.groupNorm(nb.zeros([2, 4, 3]), 3), /groupNorm: numGroups \(3\) must be a positive integer dividing the 4 channels/);
    assert.throws(() => F.layerNorm(nb.zeros([2, 3]), [3], nb.zeros([4])), /layerNorm: weight must have shape \[3\], got \[4\]/);
    assert.throws(() => new nn.Dropout2d(1.5), /Dropout2d: p must be a number in \[0, 1\], got number 1.5/);
  });
});
