/** Read-out: item(), toArray(), toTypedArray(), and toString() against torch's printing. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';

interface FormatCase {
  name: string;
  shape: number[];
  dtype: nb.DType;
  values: (number | boolean | string)[];
  requiresGrad: boolean;
  expected: string;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/core-format.json', import.meta.url), 'utf8')) as { cases: FormatCase[] };

const decode = (v: number | boolean | string): number =>
  typeof v === 'boolean' ? Number(v) : typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;

function build(c: FormatCase): nb.Tensor {
  const values = c.values.map(decode);
  const data = c.dtype === 'float32' ? Float32Array.from(values) : c.dtype === 'float64' ? Float64Array.from(values) : c.dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
  return nb.Tensor.fromData(data, c.shape, c.dtype).requiresGrad_(c.requiresGrad);
}

describe('toString matches torch', () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      assert.equal(build(c).toString(), c.expected);
    });
  }

  test('a non-contiguous view prints its logical order', () => {
    const m = nb.tensor([[1.5, 2], [3, 4]]).t();
    assert.equal(m.toString(), 'tensor([[1.5000, 3.0000],\n        [2.0000, 4.0000]])');
  });

  test('gradFn names the op that made the tensor', () => {
    const x = nb.tensor([1.5, 2], { requiresGrad: true });
    assert.equal(x.mul(2).toString(), 'tensor([3., 4.], gradFn=<mul>)');
    assert.equal(x.sum().toString(), 'tensor(3.5000, gradFn=<sum>)');
  });

  test('String(tensor) and template literals use the same format', () => {
    const x = nb.tensor([1, 2]);
    assert.equal(String(x), 'tensor([1, 2])');
    assert.equal(`${x}`, 'tensor([1, 2])');
  });
});

describe('item, toArray, toTypedArray', () => {
  test('item() of one-element tensors of each dtype', () => {
    assert.equal(nb.tensor(2.5).item(), 2.5);
    assert.equal(nb.tensor([[7]]).item(), 7);
    assert.equal(nb.tensor(true).item(), 1);
    assert.equal(nb.tensor([0.1]).item(), Math.fround(0.1));
    assert.equal(nb.tensor([0.1], { dtype: 'float64' }).item(), 0.1);
    assert.equal(nb.arange(6).reshape([2, 3]).select(1, 2).narrow(0, 1, 1).item(), 5);
  });

  test('toArray() nests by shape and gives booleans for bool tensors', () => {
    assert.deepEqual(nb.tensor(3).toArray(), 3);
    assert.deepEqual(nb.arange(6).reshape([2, 3]).toArray(), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(nb.arange(8).reshape([2, 2, 2]).permute([2, 0, 1]).toArray(), [[[0, 2], [4, 6]], [[1, 3], [5, 7]]]);
    assert.deepEqual(nb.tensor([[true, false]]).toArray(), [[true, false]]);
    assert.deepEqual(nb.zeros([2, 0]).toArray(), [[], []]);
    assert.deepEqual(nb.zeros([0, 2]).toArray(), []);
  });

  test('toTypedArray() is a contiguous copy of the right type', () => {
    const x = nb.arange(6, { dtype: 'float64' }).reshape([2, 3]).t();
    const data = x.toTypedArray();
    assert.ok(data instanceof Float64Array);
    assert.deepEqual(Array.from(data), [0, 3, 1, 4, 2, 5]);
    data[0] = 99;
    assert.equal(x.toArray().toString(), '0,3,1,4,2,5', 'writing the copy leaves the tensor alone');
    assert.ok(nb.tensor([1]).toTypedArray() instanceof Int32Array);
    assert.ok(nb.tensor([1.5]).toTypedArray() instanceof Float32Array);
    assert.ok(nb.tensor([true]).toTypedArray() instanceof Uint8Array);
  });
});
