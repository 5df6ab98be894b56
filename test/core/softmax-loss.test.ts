/**
 * softmax, logSoftmax, the class-index losses and relu's one-pass gradient are primitives with
 * hand-written backward formulas: edge cases against PyTorch's values, and second derivatives
 * by gradCheck.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { F } from '../../src/index.js';

const f64 = (values: nb.Nested<number>): nb.Tensor => nb.tensor(values, { dtype: 'float64', allowNonFinite: true });
const labels = (values: number[]): nb.Tensor => nb.tensor(values, { dtype: 'int32' });

function assertDoubleBackward(name: string, fn: (x: nb.Tensor) => nb.Tensor, x: nb.Tensor): void {
  // gradCheck of x -> d(sum(fn(x) * w))/dx checks the backward formula's own derivative.
  const w = nb.randn(fn(x).shape, { dtype: 'float64', generator: new nb.Generator(3) });
  const result = nb.gradCheck((t) => nb.grad((u: nb.Tensor) => fn(u).mul(w).sum())(t)[0]!, [x]);
  assert.ok(result.passed, `${name}: relative error ${result.relativeError}, worst ${JSON.stringify(result.worst)}`);
}

describe('softmax and logSoftmax', () => {
  test('rows with NaN or an infinite maximum are NaN, a -Infinity entry gets probability 0 (as torch)', () => {
    // torch.softmax / torch.log_softmax of these rows along dim 1.
    const rows: [number[], number[], number[]][] = [
      [[Infinity, 1], [NaN, NaN], [NaN, NaN]],
      [[-Infinity, -Infinity], [NaN, NaN], [NaN, NaN]],
      [[NaN, 1], [NaN, NaN], [NaN, NaN]],
      [[-Infinity, 1], [0, 1], [-Infinity, 0]],
    ];
    for (const [row, soft, logSoft] of rows) {
      for (const dtype of ['float32', 'float64'] as const) {
        const x = f64([row]).to(dtype);
        assert.deepEqual(x.softmax(1).toArray(), [soft], `softmax of ${row}`);
        assert.deepEqual(x.logSoftmax(1).toArray(), [logSoft], `logSoftmax of ${row}`);
      }
    }
  });

  test('large logits do not overflow; a 0-dim input is a row of one', () => {
    const x = f64([[1000, 1000 + Math.log(3)]]);
    const [p0, p1] = (x.softmax(1).toArray() as number[][])[0]!;
    assert.ok(Math.abs(p0! - 0.25) < 1e-12 && Math.abs(p1! - 0.75) < 1e-12, `softmax gives ${p0}, ${p1}`);
    assert.ok(Math.abs((x.logSoftmax(1).toArray() as number[][])[0]![0]! - Math.log(0.25)) < 1e-12);
    assert.equal(f64(2.5).softmax(0).item(), 1);
    assert.equal(f64(2.5).logSoftmax(-1).item(), 0);
  });

  test('second derivatives (gradCheck of the gradient)', () => {
    const x = nb.randn([3, 4], { dtype: 'float64', generator: new nb.Generator(1) });
    assertDoubleBackward('softmax dim 1', (t) => t.softmax(1), x);
    assertDoubleBackward('softmax dim 0', (t) => t.softmax(0), x);
    assertDoubleBackward('logSoftmax dim 1', (t) => t.logSoftmax(1), x);
    assertDoubleBackward('logSoftmax dim 0 of a transposed view', (t) => t.t().logSoftmax(0), x);
  });
});

describe('crossEntropy and nllLoss on class indices', () => {
  const x = nb.randn([5, 4], { dtype: 'float64', generator: new nb.Generator(2) });
  const target = labels([0, 3, 1, 3, 2]);
  const weight = f64([0.5, 2, 1, 1.5]);

  test('second derivatives for every reduction, with class weights and an ignored class', () => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      assertDoubleBackward(`crossEntropy ${reduction}`, (t) => F.crossEntropy(t, target, { reduction, weight, ignoreIndex: 3 }), x);
      assertDoubleBackward(`nllLoss ${reduction}`, (t) => F.nllLoss(t.logSoftmax(1), target, { reduction, weight }), x);
    }
    const image = nb.randn([2, 3, 2, 2], { dtype: 'float64', generator: new nb.Generator(4) });
    assertDoubleBackward('crossEntropy [N, C, H, W]', (t) => F.crossEntropy(t, labels([0, 2, 1, 1, 2, 0, 0, 1]).reshape([2, 2, 2])), image);
    assertDoubleBackward('crossEntropy unbatched', (t) => F.crossEntropy(t, labels([2]).reshape([])), f64([0.3, -1, 2]));
  });

  test('every target ignored: the mean is NaN and the gradient zero, as torch', () => {
    const logits = f64([[1, 2, 3]]).requiresGrad_();
    const loss = F.crossEntropy(logits, labels([1]), { ignoreIndex: 1 });
    assert.ok(Number.isNaN(loss.item()));
    loss.backward();
    assert.deepEqual(logits.grad!.toArray(), [[0, 0, 0]]);
  });

  test('the crossEntropy gradient is softmax minus the one-hot target, over the batch size', () => {
    const logits = f64([[0, Math.log(3)], [Math.log(2), Math.log(2)]]).requiresGrad_();
    F.crossEntropy(logits, labels([1, 0])).backward();
    const g = logits.grad!.toArray() as number[][];
    const expected = [[0.25 / 2, (0.75 - 1) / 2], [(0.5 - 1) / 2, 0.5 / 2]];
    g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) < 1e-15, `grad[${i}][${j}] = ${v}`)));
  });

  test('class weights that require grad are refused with a hint (torch defines no gradient for them)', () => {
    const w = f64([1, 1, 1, 1]).requiresGrad_();
    assert.throws(() => F.crossEntropy(x, target, { weight: w }), /crossEntropy: class weights .* constants .* weight\.detach\(\)/);
    assert.throws(() => F.nllLoss(x, target, { weight: w }), /nllLoss: class weights/);
    assert.doesNotThrow(() => nb.noGrad(() => F.crossEntropy(x, target, { weight: w })));
  });
});

describe("relu's gradient", () => {
  test('is g where the output is positive, 0 elsewhere (NaN output included), in one op', () => {
    const x = f64([-2, -0, 0, 0.5, 3, NaN]).requiresGrad_();
    const y = x.relu();
    y.backward(f64([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(x.grad!.toArray(), [0, 0, 0, 4, 5, 0]);
    assert.equal(y.gradFn!.name, 'relu');
  });

  test('second derivatives: the gradient of the gradient flows through the mask', () => {
    const x = f64([[-1.5, 0.7, 2], [0.3, -0.2, 1.1]]);
    assertDoubleBackward('relu', (t) => t.relu().mul(t), x);
    // d/dg of relu's gradient is the same mask: gradCheck with respect to the cotangent.
    const g = f64([[0.5, -1, 2], [1, 1, -3]]);
    const leaf = x.detach().requiresGrad_();
    const gradOf = (c: nb.Tensor): nb.Tensor => nb.enableGrad(() => nb.autogradGrad([leaf.relu()], [leaf], { gradOutputs: [c], createGraph: true })[0]!);
    const result = nb.gradCheck((c) => gradOf(c!), [g]);
    assert.ok(result.passed, `relative error ${result.relativeError}`);
  });
});
