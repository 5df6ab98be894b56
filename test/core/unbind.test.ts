import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

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
