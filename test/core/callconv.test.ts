/** Issue 10's calling convention: options objects, tensor bounds, alpha, rounding modes, PyTorch spellings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { F, nn } = nb;

test('F.leakyRelu(x, {negativeSlope}) applies the slope (it gave NaN), with a did-you-mean for a typo', () => {
  const x = nb.tensor([-2, 0.5]);
  assert.deepEqual(F.leakyRelu(x, { negativeSlope: 0.25 }).toArray(), [-0.5, 0.5]);
  assert.deepEqual(x.leakyRelu(0.25).toArray(), [-0.5, 0.5]);
  assert.throws(() => F.leakyRelu(x, { negativeSlop: 0.2 } as never), {
    message: "unknown option 'negativeSlop' for F.leakyRelu; did you mean 'negativeSlope'?",
  });
  assert.throws(() => F.leakyRelu(x, { negativeSlope: '0.2' } as never), /F.leakyRelu: option 'negativeSlope' must be a number, got string '0.2'/);
});

test('clamp takes {min, max} and tensor bounds with broadcasting and torch gradients (both returned x unchanged)', () => {
  const x = nb.tensor([-2, 0.5, 3]);
  assert.deepEqual(nb.clamp(x, { min: 0, max: 1 }).toArray(), [0, 0.5, 1]);
  assert.deepEqual(x.clamp({ max: 1 }).toArray(), [-2, 0.5, 1]);
  const xg = nb.tensor([[-2, 0.5, 3], [0, 2, 1]], { requiresGrad: true });
  const lo = nb.tensor([-1, 1, 0], { requiresGrad: true });
  const hi = nb.tensor([[2], [1.5]], { requiresGrad: true });
  const y = nb.clamp(xg, lo, hi);
  assert.deepEqual(y.toArray(), [[-1, 1, 2], [0, 1.5, 1]]);
  y.sum().backward();
  assert.deepEqual(xg.grad!.toArray(), [[0, 0, 0], [1, 0, 1]]);
  assert.deepEqual(lo.grad!.toArray(), [1, 1, 0]);
  assert.deepEqual(hi.grad!.toArray(), [[1], [1]]);
  assert.throws(() => nb.clamp(x, { min: 'a' } as never), /clamp: option 'min' must be a number or a Tensor or null, got string 'a'/);
});

test('add/sub alpha and div roundingMode follow torch (they were ignored)', () => {
  const a = nb.tensor([1.5, 2]);
  const b = nb.tensor([10, 20]).float();
  assert.deepEqual(nb.add(a, b, { alpha: 2 }).toArray(), [21.5, 42]);
  assert.deepEqual(a.sub(b, 0.5).toArray(), [-3.5, -8]);
  const i = nb.tensor([-7, 7], { dtype: 'int32' });
  assert.deepEqual(nb.div(i, 2, { roundingMode: 'trunc' }).toArray(), [-3, 3]);
  assert.equal(nb.div(i, 2, { roundingMode: 'trunc' }).dtype, 'int32');
  assert.deepEqual(nb.div(i, 2, 'floor').toArray(), [-4, 3]);
  assert.deepEqual(nb.div(nb.tensor([-7.5]), 2, { roundingMode: 'trunc' }).toArray(), [-3]);
  assert.throws(() => nb.add(i, i, { alpha: 0.5 }), /add: alpha must be an integer for int32 operands/);
  assert.throws(() => nb.div(i, 0, { roundingMode: 'trunc' }), /div: integer division by zero/);
  assert.throws(() => nb.div(a, b, { roundingMode: 'round' } as never), /div: option 'roundingMode' must be 'trunc' or 'floor' or null/);
});

test('optional arguments positionally or in a final options object', () => {
  const x = nb.arange(24).float().reshape([2, 3, 4]);
  assert.deepEqual(x.sum({ dim: 1, keepdim: true }).shape, [2, 1, 4]);
  assert.deepEqual(nb.sum(x, 1, { keepdim: true }).toArray(), x.sum(1, true).toArray());
  assert.deepEqual(nb.mean(x, { dim: [0, 2] }).shape, [3]);
  assert.deepEqual(x.max({ dim: 2 }).indices.toArray(), [[3, 3, 3], [3, 3, 3]]);
  assert.deepEqual(nb.argmax(x, { dim: 1, keepdim: true }).shape, [2, 1, 4]);
  assert.equal(nb.norm(x, { p: 1 }).item(), 276);
  assert.deepEqual(nb.cat([x, x], { dim: 1 }).shape, [2, 6, 4]);
  assert.deepEqual(nb.stack([x, x], { dim: -1 }).shape, [2, 3, 4, 2]);
  assert.deepEqual(nb.tril(nb.ones([3, 3]), { diagonal: -1 }).sum().item(), 3);
  assert.deepEqual(nb.topk(x, 2, { dim: 1, largest: false }).values.shape, [2, 2, 4]);
  assert.deepEqual((x.sort({ dim: 2, descending: true }).values.toArray() as number[][][])[0], [[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8]]);
  assert.deepEqual(x.var({ dim: 2, unbiased: false }).shape, [2, 3]);
  assert.equal(F.dropout(x, { p: 0.5, training: false }), x);
  assert.deepEqual(F.softplus(x, { beta: 2 }).shape, [2, 3, 4]);
  const w = nb.randn([5, 3, 3]);
  const bias = nb.randn([5]);
  const conv = F.conv1d(x, w, { bias, stride: 1, padding: 1 });
  assert.deepEqual(conv.toArray(), F.conv1d(x, w, bias, { padding: 1 }).toArray());
  assert.throws(() => x.sum({ dim: 1, keepDim: true } as never), { message: "unknown option 'keepDim' for sum; did you mean 'keepdim'?" });
  const loose = <T>(fn: T): ((...args: unknown[]) => unknown) => fn as unknown as (...args: unknown[]) => unknown;
  assert.throws(() => loose(nb.sum)(x, 1, true, 2), /sum: too many arguments/);
  assert.throws(() => loose(nb.cat)([x, x], { dim: 1 }, 3), /cat: too many arguments/);
  assert.throws(() => F.conv1d(x, w, { bias, padding: 1, strides: 2 } as never), /unknown option 'strides' for F.conv1d; did you mean 'stride'\?/);
});

test('layer constructors reject unknown and wrong-typed options (an unknown LSTM option failed only at state-dict loading)', () => {
  assert.throws(() => new nn.LSTM(8, 16, { numLayer: 2 } as never), { message: "unknown option 'numLayer' for LSTM; did you mean 'numLayers'?" });
  assert.throws(() => new nn.Linear(4, 3, { bias: 'no' } as never), /Linear: option 'bias' must be true or false, got string 'no'/);
  assert.throws(() => new (nn.Conv2d as unknown as new (...args: unknown[]) => unknown)(1, 2, 3, { padding: 1 }, 5), /Conv2d: too many arguments/);
  assert.throws(() => new nn.ReLU({ inplace: true } as never), { message: "unknown option 'inplace' for ReLU; it takes no options" });
  assert.throws(() => new nn.CrossEntropyLoss({ label_smoothing: 0.1 } as never), /did you mean 'labelSmoothing'/);
  assert.equal(new nn.LeakyReLU({ negativeSlope: 0.2 }).negativeSlope, 0.2);
  assert.equal(new nn.Dropout({ p: 0.1 }).p, 0.1);
});

test('PyTorch spellings: nn.utils clipping, F.pad, F.oneHot, F.klDiv', () => {
  assert.equal(nn.utils.clipGradNorm, nb.optim.clipGradNorm);
  assert.equal(F.pad, nb.pad);
  assert.equal(F.oneHot, nb.oneHot);
  assert.deepEqual(F.pad(nb.ones([2]), [1, 1], { value: 5 }).toArray(), [5, 1, 1, 5]);
  assert.deepEqual(F.oneHot(nb.tensor([1], { dtype: 'int32' }), { numClasses: 3 }).toArray(), [[0, 1, 0]]);
  const p = nb.tensor([[0.25, 0.75]]);
  assert.equal(F.klDiv(p.log(), p, { reduction: 'batchmean' }).item(), 0);
});

test('creation functions check their options (a misspelt dtype or an unknown seed key is not silently ignored) and products take no extra arguments', () => {
  const loose = nb as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.throws(() => nb.zeros([2], { dtyp: 'float64' } as never), /unknown option 'dtyp' for zeros; did you mean 'dtype'\?/);
  assert.throws(() => nb.rand([2], { seed: 1 } as never), /unknown option 'seed' for rand; valid options: dtype, requiresGrad, generator/);
  assert.throws(() => nb.randn([2], { generator: 1 } as never), /randn: option 'generator' must be a Generator/);
  assert.throws(() => nb.tensor([1], { requiresgrad: true } as never), /did you mean 'requiresGrad'/);
  assert.throws(() => nb.arange(3, { dtyp: 'float32' } as never), /unknown option 'dtyp' for arange/);
  assert.throws(() => loose.arange!(0, 3, 1, {}, 9), /arange: too many arguments/);
  for (const name of ['zeros', 'ones', 'rand', 'randn']) assert.throws(() => loose[name]!([2], {}, 5), new RegExp(`${name}: too many arguments`));
  for (const name of ['matmul', 'mm', 'bmm', 'dot', 'outer']) assert.throws(() => loose[name]!(nb.ones([2, 2]), nb.ones([2, 2]), 5), new RegExp(`${name}: too many arguments`));
  assert.throws(() => loose.linear!(nb.ones([1, 2]), nb.ones([3, 2]), null, 9), /linear: too many arguments/);
  assert.equal(nb.zeros([2], { dtype: 'float64', requiresGrad: true }).requiresGrad, true);
  assert.deepEqual(nb.rand([3], { generator: new nb.Generator(1) }).toArray(), nb.rand([3], { generator: new nb.Generator(1) }).toArray());
});
