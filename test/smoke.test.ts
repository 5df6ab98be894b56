import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../src/index.js';

test('autograd through mul and sum', () => {
  const x = nb.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32', requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [[2, 4, 6], [8, 10, 12]]);
});
