/**
 * The activations of ops/activation.ts beyond the op-table goldens (test/ops-golden.test.ts) and
 * the module goldens (test/nn/layers.test.ts): one-sided gradients at the kinks, argument errors,
 * module state and the Tensor methods.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, F } from '../../src/index.js';

function gradAt(fn: (x: nb.Tensor) => nb.Tensor, values: number[]): number[] {
  const x = nb.tensor(values, { dtype: 'float64', requiresGrad: true });
  fn(x).sum().backward();
  return Array.from(x.grad!.toTypedArray());
}

describe('activation gradients at the kinks are PyTorch\'s', () => {
  test('hardswish: 0 below -3, x / 3 + 1/2 on [-3, 3] (so -0.5 at -3 and 1.5 at 3), 1 above', () => {
    // torch's scalar (and CUDA) kernel; its vectorised CPU loop gives 1 at exactly 3.
    assert.deepEqual(gradAt(F.hardswish, [-3.5, -3, 0, 3, 3.5]), [0, -0.5, 0.5, 1.5, 1]);
    assert.deepEqual(Array.from(F.hardswish(nb.tensor([-3, 3, 4], { dtype: 'float64' })).toTypedArray()), [-0, 3, 4]);
  });

  test('hardsigmoid: 1/6 (rounded through float32, as torch) strictly inside (-3, 3), 0 at and beyond', () => {
    assert.deepEqual(gradAt(F.hardsigmoid, [-3, -2.9, 0, 2.9, 3]), [0, Math.fround(1 / 6), Math.fround(1 / 6), Math.fround(1 / 6), 0]);
  });

  test('hardtanh and relu6 pass no gradient at their bounds; clamp does', () => {
    assert.deepEqual(gradAt((x) => F.hardtanh(x), [-1, 0, 1]), [0, 1, 0]);
    assert.deepEqual(gradAt(F.relu6, [0, 3, 6]), [0, 1, 0]);
    assert.deepEqual(gradAt((x) => x.clamp(0, 6), [0, 3, 6]), [1, 1, 1]);
  });

  test('shrinks and threshold pass no gradient on their closed dead zones', () => {
    assert.deepEqual(gradAt((x) => F.softshrink(x, 0.5), [-0.5, 0, 0.5, 0.6]), [0, 0, 0, 1]);
    assert.deepEqual(gradAt((x) => F.hardshrink(x, 0.5), [-0.6, -0.5, 0.5]), [1, 0, 0]);
    assert.deepEqual(gradAt((x) => F.threshold(x, 0.5, 9), [0.5, 0.7]), [0, 1]);
    assert.deepEqual(Array.from(F.threshold(nb.tensor([0.5, 0.7]), 0.5, 9).toTypedArray()), [9, Math.fround(0.7)]);
  });

  test('celu and prelu at 0 take the negative branch\'s slope', () => {
    assert.deepEqual(gradAt((x) => F.celu(x, 2), [0]), [1]);
    const w = nb.tensor([0.25], { dtype: 'float64', requiresGrad: true });
    assert.deepEqual(gradAt((x) => F.prelu(x, w), [0, 1]), [0.25, 1]);
  });

  test('NaN inputs give torch 1.13\'s outputs and gradients', () => {
    const nanCases: [string, (x: nb.Tensor) => nb.Tensor, number, number][] = [
      ['hardswish', F.hardswish, NaN, 1],
      ['hardsigmoid', F.hardsigmoid, NaN, 0],
      ['relu6', F.relu6, NaN, 1],
      ['hardtanh', (x) => F.hardtanh(x), NaN, 1],
      ['softshrink', (x) => F.softshrink(x), 0, 1],
      ['hardshrink', (x) => F.hardshrink(x), NaN, 1],
      ['threshold', (x) => F.threshold(x, 0.5, -2), NaN, 1],
      ['celu', (x) => F.celu(x), NaN, 1],
      ['logsigmoid', F.logsigmoid, NaN, NaN],
      ['mish', F.mish, NaN, NaN],
      ['prelu', (x) => F.prelu(x, nb.tensor([0.25], { dtype: 'float64' })), NaN, 0.25],
    ];
    for (const [name, fn, out, grad] of nanCases) {
      const x = nb.tensor([NaN], { dtype: 'float64', requiresGrad: true, allowNonFinite: true });
      const y = fn(x);
      y.sum().backward();
      assert.deepEqual([y.item(), x.grad!.item()], [out, grad], name);
    }
  });

  test('logsigmoid, mish and silu stay finite for large |x|', () => {
    const x = nb.tensor([-1000, 1000], { dtype: 'float64' });
    assert.deepEqual(Array.from(F.logsigmoid(x).toTypedArray()), [-1000, 0]);
    assert.deepEqual(Array.from(F.mish(x).toTypedArray()), [-0, 1000]);
    assert.deepEqual(Array.from(F.silu(x).toTypedArray()), [-0, 1000]);
    assert.deepEqual(gradAt(F.logsigmoid, [-1000, 1000]), [1, 0]);
    assert.deepEqual(gradAt(F.mish, [1000]), [1]);
  });

  test('second derivatives exist (backward is written in tensor ops)', () => {
    for (const fn of [F.silu, F.mish, F.logsigmoid, F.hardswish]) {
      const x = nb.tensor([-1.3, 0.4, 2.2], { dtype: 'float64', requiresGrad: true });
      const firstOrder = (y: nb.Tensor): nb.Tensor =>
        nb.enableGrad(() => {
          const leaf = y.requiresGrad ? y : y.detach().requiresGrad_();
          return nb.autogradGrad([fn(leaf).sum()], [leaf], { createGraph: true })[0]!;
        });
      const check = nb.gradCheck(firstOrder, [x]);
      assert.ok(check.passed, `${check.relativeError}`);
    }
  });
});

describe('activation argument errors', () => {
  test('non-float and non-tensor inputs name the op', () => {
    assert.throws(() => F.silu(nb.tensor([1, 2], { dtype: 'int32' })), { message: 'silu: expected a floating-point tensor, got dtype int32 with shape [2]' });
    assert.throws(() => F.glu([1, 2] as unknown as nb.Tensor), /glu: expected input to be a Tensor, got object/);
    assert.throws(() => F.prelu(nb.ones([2, 3]), [0.25] as unknown as nb.Tensor), /prelu: expected weight to be a Tensor/);
  });

  test('numeric options are checked', () => {
    const x = nb.ones([2, 4]);
    assert.throws(() => F.hardtanh(x, 1, -1), { message: 'hardtanh: maxVal (-1) must be >= minVal (1)' });
    assert.throws(() => F.hardtanh(x, '0' as unknown as number), /hardtanh: minVal must be a number, got string/);
    assert.throws(() => F.celu(x, 0), /celu: alpha must not be 0/);
    assert.throws(() => F.softshrink(x, -0.1), { message: 'softshrink: lambd must be >= 0, got -0.1' });
    assert.throws(() => F.hardshrink(x, NaN), /hardshrink: lambd must be a number, got NaN/);
    assert.throws(() => (F.threshold as (x: nb.Tensor, t: number) => nb.Tensor)(x, 0.5), /threshold: value must be a number, got undefined/);
  });

  test('glu needs an even dimension; prelu one weight or one per channel', () => {
    assert.throws(() => F.glu(nb.ones([2, 3])), { message: 'glu: halving dimension must be even, but dimension 1 is size 3 (input shape [2, 3])' });
    assert.throws(() => F.glu(nb.ones([2, 4]), 2), /glu: dim 2 is out of range for a tensor of rank 2/);
    assert.throws(() => F.glu(nb.tensor(1.5)), /glu: does not support 0-dim tensors/);
    assert.deepEqual(F.glu(nb.ones([6, 2]), 0).shape, [3, 2]);
    assert.throws(() => F.prelu(nb.ones([2, 4, 5]), nb.ones([3])), /prelu: weight has 3 parameters but the input \(shape \[2, 4, 5\]\) has 4 channels/);
    assert.throws(() => F.prelu(nb.ones([2, 4]), nb.ones([2, 2])), /prelu: weight must be a scalar or 1-D tensor, got shape \[2, 2\]/);
    assert.throws(() => F.prelu(nb.ones([6]), nb.ones([6])), /prelu: weight has 6 parameters but the input \(shape \[6\]\) has 1 channels/);
  });

  test('module constructors check their options', () => {
    assert.throws(() => new nn.Hardtanh(2, 1), /Hardtanh: maxVal \(1\) must be >= minVal \(2\)/);
    assert.throws(() => new nn.Hardtanh('a' as unknown as number), /Hardtanh: minVal must be a number, got string 'a'/);
    assert.throws(() => new nn.CELU(0), /CELU: alpha must be a nonzero number, got 0/);
    assert.throws(() => new nn.Softshrink(-1), /Softshrink: lambd must be a number >= 0, got number -1/);
    assert.throws(() => new nn.GLU(0.5), /GLU: dim must be an integer, got number 0.5/);
    assert.throws(() => new nn.PReLU(0), /PReLU: numParameters must be a positive integer, got 0/);
    assert.throws(() => new nn.Threshold(0.5, undefined as unknown as number), /Threshold: value must be a number, got undefined/);
  });
});

describe('activation modules and methods', () => {
  test('PReLU holds weight [numParameters] filled with init; state-dict key "weight"', () => {
    const m = new nn.PReLU(3, 0.1);
    assert.deepEqual(Object.keys(m.stateDict()), ['weight']);
    assert.deepEqual(m.weight.shape, [3]);
    assert.ok(m.weight.toTypedArray().every((v) => v === Math.fround(0.1)));
    assert.equal(m.toString(), 'PReLU(numParameters=3)');
    assert.equal(new nn.PReLU(1, 0.25, { dtype: 'float64' }).weight.dtype, 'float64');
    const y = m.forward(nb.tensor([[[-1], [2], [-3]]], { dtype: 'float32' }));
    assert.deepEqual(Array.from(y.toTypedArray()), [Math.fround(-0.1), 2, Math.fround(Math.fround(0.1) * -3)]);
  });

  test('modules print their options in camelCase', () => {
    assert.equal(new nn.Hardtanh(-0.5, 2).toString(), 'Hardtanh(minVal=-0.5, maxVal=2)');
    assert.equal(new nn.GLU().toString(), 'GLU(dim=-1)');
    assert.equal(new nn.Threshold(0.1, 20).toString(), 'Threshold(threshold=0.1, value=20)');
    assert.equal(new nn.Hardswish().toString(), 'Hardswish()');
  });

  test('Tensor methods and top-level functions where torch has them', () => {
    const x = nb.tensor([-1, -0.2, 0.3, 2]);
    assert.deepEqual(Array.from(x.hardshrink(0.5).toTypedArray()), [-1, 0, 0, 2]);
    assert.deepEqual(Array.from(x.prelu(nb.tensor([0.5])).toTypedArray()), [-0.5, Math.fround(-0.1), Math.fround(0.3), 2]);
    assert.deepEqual(Array.from(nb.threshold(x, 0, 5).toTypedArray()), [5, 5, Math.fround(0.3), 2]);
    assert.equal(nb.celu, F.celu);
  });
});
