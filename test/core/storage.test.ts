import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

describe('Storage.relocate', () => {
  test('every tensor sharing the storage reads and writes the new array', () => {
    const t = nb.tensor([1, 2, 3, 4, 5, 6], { dtype: 'float32' });
    const view = t.reshape([2, 3]).t();
    const next = new Float32Array(6);
    t.storage.relocate(next);
    assert.equal(t.data, next);
    assert.deepEqual([...next], [1, 2, 3, 4, 5, 6]);
    t.mul_(2);
    assert.deepEqual([...view.toTypedArray()], [2, 8, 4, 10, 6, 12]);
  });

  test('an array of another type or length is an error', () => {
    const t = nb.tensor([1, 2, 3], { dtype: 'float32' });
    assert.throws(() => t.storage.relocate(new Float32Array(4)), /Storage\.relocate: expected a Float32Array of length 3, got a Float32Array of length 4/);
    assert.throws(() => t.storage.relocate(new Float64Array(3)), /Storage\.relocate: expected a Float32Array of length 3, got a Float64Array of length 3/);
  });
});
