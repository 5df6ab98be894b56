import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { DataLoader, TensorDataset, defaultCollate, toTensors, type AsyncDataset, type Dataset } from '../../src/data/index.js';

const n = 23;
const ds = new TensorDataset(nb.arange(n * 2).reshape([n, 2]).float(), nb.arange(n));

function epochLabels(loader: Iterable<nb.Tensor[]>): number[][] {
  return [...loader].map(([, y]) => y!.toArray() as number[]);
}

describe('DataLoader', () => {
  test('a fixed seed gives the same batches every run, and a new order each epoch', () => {
    const a = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const b = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 42 });
    const a1 = epochLabels(a);
    assert.deepEqual(a1, epochLabels(b));
    const a2 = epochLabels(a);
    assert.deepEqual(a2, epochLabels(b));
    assert.notDeepEqual(a1, a2);
    assert.notDeepEqual(a1.flat(), Array.from({ length: n }, (_, i) => i));
  });

  test('every sample appears exactly once per epoch; features stay with their labels', () => {
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 });
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      for (const [x, y] of loader) {
        const labels = y.toArray() as number[];
        assert.deepEqual(x.toArray(), labels.map((i) => [2 * i, 2 * i + 1]));
        seen.push(...labels);
      }
      assert.deepEqual([...seen].sort((p, q) => p - q), Array.from({ length: n }, (_, i) => i));
    }
  });

  test('batch sizes, length and dropLast', () => {
    const keep = new DataLoader(ds, { batchSize: 5 });
    assert.equal(keep.length, 5);
    assert.deepEqual([...keep].map(([x]) => x.shape[0]), [5, 5, 5, 5, 3]);
    assert.deepEqual(epochLabels(keep).flat(), Array.from({ length: n }, (_, i) => i));
    const drop = new DataLoader(ds, { batchSize: 5, dropLast: true, shuffle: true, seed: 0 });
    assert.equal(drop.length, 4);
    const sizes = [...drop].map(([x]) => x.shape[0]);
    assert.deepEqual(sizes, [5, 5, 5, 5]);
  });

  test('default batch size is 1, as PyTorch', () => {
    const loader = new DataLoader(ds);
    assert.equal(loader.length, n);
    assert.deepEqual([...loader][0]![0].shape, [1, 2]);
  });

  test('custom collate and structured samples', () => {
    const records: Dataset<{ id: number; weight: number; pair: [nb.Tensor, boolean] }> = {
      length: 3,
      get: (i) => ({ id: i, weight: i / 2, pair: [nb.full([2], i), i % 2 === 0] }),
    };
    const [batch] = [...new DataLoader(records, { batchSize: 3 })];
    assert.deepEqual(batch!.id.toArray(), [0, 1, 2]);
    assert.equal(batch!.id.dtype, 'int32');
    assert.equal(batch!.weight.dtype, 'float32');
    assert.deepEqual(batch!.pair[0].toArray(), [[0, 0], [1, 1], [2, 2]]);
    assert.deepEqual(batch!.pair[1].toArray(), [true, false, true]);
    const sums = [...new DataLoader(records, { batchSize: 2, collate: (s) => s.reduce((t, r) => t + r.id, 0) })];
    assert.deepEqual(sums, [1, 2]);
  });

  test('async iteration, including datasets whose get returns a promise', async () => {
    const slow: AsyncDataset<[nb.Tensor, number]> = {
      length: 5,
      get: async (i) => [nb.full([3], i), i],
    };
    const seen: number[] = [];
    for await (const [x, y] of new DataLoader(slow, { batchSize: 2 })) {
      assert.equal(x.shape[1], 3);
      seen.push(...(y.toArray() as number[]));
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.throws(() => [...new DataLoader(slow, { batchSize: 2 })], /for await/);
    const fromSync: number[] = [];
    for await (const [, y] of new DataLoader(ds, { batchSize: 10, shuffle: true, seed: 42 })) fromSync.push(...(y.toArray() as number[]));
    assert.deepEqual(fromSync, epochLabels(new DataLoader(ds, { batchSize: 10, shuffle: true, seed: 42 })).flat());
  });

  test('clear errors for bad options and unbatchable samples', () => {
    assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
    assert.throws(() => new DataLoader(ds, { seed: 1, generator: new nb.Generator(1) }), /either a generator or a seed/);
    assert.throws(() => defaultCollate([nb.zeros([2]), nb.zeros([3])]), /sample 0 has shape \[2\] but sample 1 has shape \[3\].*custom collate/);
    assert.throws(() => defaultCollate([new Map()]), /don't know how to batch/);
  });

  test('toTensors collects a whole dataset', () => {
    const [x, y] = toTensors(ds);
    assert.deepEqual(x.shape, [n, 2]);
    assert.deepEqual(y.shape, [n]);
  });
});
