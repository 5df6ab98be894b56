import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { strideProbe } from '../helpers/gradients.js';

test('unbind: unused pieces get zero gradient, and repeated backward passes do not leak slots', () => {
  const x = nb.arange(6, { dtype: 'float64' }).reshape(3, 2).requiresGrad_();
  const [a, , c] = nb.unbind(x);
  const loss = a!.mul(2).sum().add(c!.square().sum());
  loss.backward();
  assert.deepEqual(x.grad!.toArray(), [[2, 2], [0, 0], [8, 10]]);
  x.grad = null;
  a!.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [[1, 1], [0, 0], [0, 0]]);
});

test('unbind: second derivatives flow through the stacked gradient', () => {
  const x = nb.tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
  const [r0, r1] = x.unbind(1);
  const y = r0!.pow(3).sum().add(r1!.pow(2).sum());
  const [g] = nb.autogradGrad([y], [x], { createGraph: true });
  const [gg] = nb.autogradGrad([g!.sum()], [x]);
  assert.deepEqual(gg!.toArray(), [[6, 2], [18, 2]]);
});

test('unbind without grad gives plain views and rejects 0-d input', () => {
  const x = nb.zeros([2, 3]);
  const parts = x.unbind(1);
  assert.equal(parts.length, 3);
  assert.deepEqual(parts[0]!.shape, [2]);
  assert.throws(() => nb.unbind(nb.tensor(1)), /unbind: a zero-dimensional tensor/);
});

test("unbind of a permuted view: the gradient comes back in the source's memory layout, with the right values", () => {
  const x = nb.arange(2 * 3 * 5, { dtype: 'float64' }).reshape(2, 3, 5).requiresGrad_();
  const seen: { strides?: readonly number[] } = {};
  const y = strideProbe(x.permute(2, 0, 1), seen); // [5, 2, 3], strides [1, 15, 5]
  const pieces = nb.unbind(y, 1);
  const weights = nb.arange(15, { dtype: 'float64' }).reshape(5, 3);
  pieces[0]!.mul(weights).sum().add(pieces[1]!.square().sum()).backward();
  // Laid out as y is (a view of a dense [2, 3, 5]), so the permute's backward is a view too.
  assert.deepEqual(seen.strides, y.strides);
  const expected = nb.stack([weights, pieces[1]!.detach().mul(2)], 1);
  assert.deepEqual(x.grad!.toArray(), expected.permute(1, 2, 0).toArray());
});
