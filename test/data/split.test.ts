import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { splitIndices, trainDevTestSplit, TensorDataset } from '../../src/data/index.js';

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

describe('trainDevTestSplit', () => {
  test('fractions: held-out sizes round up (as scikit-learn), train gets the rest, parts are disjoint and cover', () => {
    const s = splitIndices(101, { dev: 0.1, test: 0.2, trainDev: 0.05, seed: 0 });
    assert.deepEqual([s.test.length, s.dev.length, s.trainDev.length, s.train.length], [21, 11, 6, 63]);
    assert.deepEqual(sorted([...s.train, ...s.dev, ...s.test, ...s.trainDev]), Array.from({ length: 101 }, (_, i) => i));
  });

  test('counts, and the same seed gives the same split', () => {
    const a = splitIndices(50, { dev: 5, test: 10, seed: 7 });
    assert.deepEqual([a.train.length, a.dev.length, a.test.length, a.trainDev.length], [35, 5, 10, 0]);
    assert.deepEqual(splitIndices(50, { dev: 5, test: 10, seed: 7 }), a);
    assert.notDeepEqual(splitIndices(50, { dev: 5, test: 10, seed: 8 }).test, a.test);
  });

  test('stratified parts keep each class within one of its exact share', () => {
    const labels = Array.from({ length: 200 }, (_, i) => (i < 120 ? 'a' : i < 180 ? 'b' : 'c'));
    const s = splitIndices(200, { dev: 0.15, test: 0.25, trainDev: 0.1, stratify: labels, seed: 3 });
    for (const [name, part] of Object.entries(s)) {
      for (const [cls, total] of [['a', 120], ['b', 60], ['c', 20]] as const) {
        const count = part.filter((i: number) => labels[i] === cls).length;
        const exact = (total * part.length) / 200;
        assert.ok(Math.abs(count - exact) <= 1, `${name}: class ${cls} has ${count}, expected about ${exact}`);
      }
    }
    const tensorLabels = nb.tensor(labels.map((l) => (l === 'a' ? 0 : l === 'b' ? 1 : 2)));
    const t = splitIndices(200, { dev: 0.15, test: 0.25, trainDev: 0.1, stratify: tensorLabels, seed: 3 });
    assert.deepEqual(t, s);
  });

  test('returns Subsets of the dataset', () => {
    const ds = new TensorDataset(nb.arange(30));
    const { train, dev, test: testSet, trainDev } = trainDevTestSplit(ds, { dev: 0.2, test: 0.2, seed: 1 });
    assert.deepEqual([train.length, dev.length, testSet.length, trainDev.length], [18, 6, 6, 0]);
    assert.equal(dev.get(0)[0].item(), dev.indices[0]);
  });

  test('errors name the problem', () => {
    assert.throws(() => splitIndices(10, { dev: 6, test: 5 }), /test \(5\) \+ dev \(6\) \+ trainDev \(0\) = 11 samples but the dataset has only 10/);
    assert.throws(() => splitIndices(10, { dev: 1.5 }), /neither a fraction in \[0, 1\) nor a whole count/);
    assert.throws(() => splitIndices(10, { dev: 0.2, stratify: [0, 1] }), /stratify has 2 labels but the dataset has 10 samples/);
  });
});
