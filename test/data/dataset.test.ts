import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { ConcatDataset, randomSplit, Subset, TensorDataset, type Dataset } from '../../src/data/index.js';

const xs = nb.arange(20).reshape([10, 2]).float();
const ys = nb.arange(10);

describe('TensorDataset', () => {
  test('get returns the i-th row of every tensor', () => {
    const ds = new TensorDataset(xs, ys);
    assert.equal(ds.length, 10);
    const [x, y] = ds.get(3);
    assert.deepEqual(x.toArray(), [6, 7]);
    assert.equal(y.item(), 3);
  });

  test('getBatch gathers rows in the given order', () => {
    const [x, y] = new TensorDataset(xs, ys).getBatch([4, 0]);
    assert.deepEqual(x.toArray(), [[8, 9], [0, 1]]);
    assert.deepEqual(y.toArray(), [4, 0]);
  });

  test('rejects tensors of different lengths and bad indices', () => {
    assert.throws(() => new TensorDataset(xs, nb.arange(9)), /same size in dim 0.*\[10, 2\].*\[9\]/);
    assert.throws(() => new TensorDataset(xs, ys).get(10), /index 10 is out of range for a dataset of 10 samples/);
    assert.throws(() => new TensorDataset(nb.tensor(1)), /0-dim/);
  });
});

describe('Subset and ConcatDataset', () => {
  test('Subset maps indices and keeps the batch fast path', () => {
    const sub = new Subset(new TensorDataset(xs, ys), [9, 2, 5]);
    assert.equal(sub.length, 3);
    assert.equal(sub.get(1)[1].item(), 2);
    assert.deepEqual(sub.getBatch!([2, 0])[1].toArray(), [5, 9]);
    assert.throws(() => new Subset(new TensorDataset(xs, ys), [10]), /Subset: index 10 is out of range/);
  });

  test('ConcatDataset indexes across the parts', () => {
    const a: Dataset<string> = { length: 2, get: (i) => `a${i}` };
    const b: Dataset<string> = { length: 3, get: (i) => `b${i}` };
    const ds = new ConcatDataset([a, b, { length: 0, get: () => 'never' }, a]);
    assert.equal(ds.length, 7);
    assert.deepEqual(Array.from({ length: 7 }, (_, i) => ds.get(i)), ['a0', 'a1', 'b0', 'b1', 'b2', 'a0', 'a1']);
    assert.throws(() => ds.get(7), /out of range/);
  });
});

describe('randomSplit', () => {
  const ds = new TensorDataset(ys);
  const members = (parts: Subset<unknown>[]): number[] => parts.flatMap((p) => [...p.indices]).sort((a, b) => a - b);

  test('counts: disjoint parts covering the dataset, same for the same seed', () => {
    const parts = randomSplit(ds, [3, 7], { seed: 1 });
    assert.deepEqual(parts.map((p) => p.length), [3, 7]);
    assert.deepEqual(members(parts), Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(randomSplit(ds, [3, 7], { seed: 1 })[0]!.indices, parts[0]!.indices);
    assert.notDeepEqual(randomSplit(ds, [3, 7], { seed: 2 })[0]!.indices, parts[0]!.indices);
  });

  test('fractions: floor each, remainder round-robin (as torch.utils.data.random_split)', () => {
    assert.deepEqual(randomSplit(ds, [0.33, 0.33, 0.34], { seed: 0 }).map((p) => p.length), [4, 3, 3]);
    assert.deepEqual(randomSplit(ds, [0.5, 0.5], { seed: 0 }).map((p) => p.length), [5, 5]);
  });

  test('lengths that fit neither rule are an error', () => {
    assert.throws(() => randomSplit(ds, [3, 3]), /counts summing to the dataset's length 10, or fractions summing to 1/);
  });
});
