import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { data } = nb;

test('WeightedRandomSampler: frequencies follow the weights (chi-square), seeded, with replacement', () => {
  const weights = [1, 2, 3, 4, 0];
  const n = 20000;
  const sampler = new data.WeightedRandomSampler(weights, n, true, { seed: 3 });
  assert.equal(sampler.length, n);
  const draws = [...sampler];
  assert.equal(draws.length, n);
  const counts = weights.map((_, k) => draws.filter((i) => i === k).length);
  assert.equal(counts[4], 0, 'a zero weight is never drawn');
  const expected = weights.slice(0, 4).map((w) => (n * w) / 10);
  // 3 degrees of freedom: 11.34 is the 1% critical value.
  const chi = expected.reduce((s, e, k) => s + (counts[k]! - e) ** 2 / e, 0);
  assert.ok(chi < 11.34, `chi-square ${chi}, counts ${counts}`);
  assert.deepEqual([...new data.WeightedRandomSampler(weights, 50, true, { seed: 3 })], [...new data.WeightedRandomSampler(weights, 50, true, { seed: 3 })]);
  // Each epoch draws afresh.
  assert.notDeepEqual([...sampler].slice(0, 50), draws.slice(0, 50));
});

test('WeightedRandomSampler without replacement: each index at most once; argument errors', () => {
  const sampler = new data.WeightedRandomSampler(nb.tensor([0.1, 0.2, 0.3, 0.4]), 4, false, { seed: 1 });
  assert.deepEqual([...sampler].sort(), [0, 1, 2, 3]);
  // The heaviest index comes first most often.
  let first3 = 0;
  const s = new data.WeightedRandomSampler([0.1, 0.2, 0.3, 0.4], 1, false, { seed: 2 });
  for (let k = 0; k < 2000; k++) first3 += [...s][0] === 3 ? 1 : 0;
  assert.ok(Math.abs(first3 / 2000 - 0.4) < 0.04, `${first3}`);
  assert.throws(() => new data.WeightedRandomSampler([1, 0, 1], 3, false), /cannot draw 3 samples without replacement from 2 indices/);
  assert.throws(() => new data.WeightedRandomSampler([1, -1], 2), /weights\[1\] is -1/);
  assert.throws(() => new data.WeightedRandomSampler([0, 0], 2), /every weight is 0/);
  assert.throws(() => new data.WeightedRandomSampler([1], 0), /numSamples must be a positive integer/);
  assert.throws(() => new data.WeightedRandomSampler([1], 1, true, { sed: 1 } as never), /unknown option 'sed'/);
});

test('DataLoader with a sampler: balanced batches from imbalanced classes; excludes shuffle', () => {
  const labels = nb.tensor([...Array(90).fill(0), ...Array(10).fill(1)], { dtype: 'int32' });
  const x = nb.arange(100).reshape([100, 1]);
  const sampler = new data.WeightedRandomSampler(data.classBalancedWeights(labels), 4000, true, { seed: 0 });
  const loader = new data.DataLoader(new data.TensorDataset(x, labels), { batchSize: 100, sampler });
  assert.equal(loader.length, 40);
  let ones = 0;
  for (const [, y] of loader) ones += (y as nb.Tensor).sum().item();
  assert.ok(Math.abs(ones / 4000 - 0.5) < 0.03, `${ones}`);
  assert.throws(() => new data.DataLoader(new data.TensorDataset(x, labels), { sampler, shuffle: true }), /mutually exclusive with shuffle/);
  const outside = new data.DataLoader(new data.TensorDataset(x, labels), { sampler: new data.WeightedRandomSampler(new Array(200).fill(1), 5, true, { seed: 0 }) });
  assert.throws(() => [...outside], /the sampler gave index \d+, outside the dataset's 0\.\.99/);
});

test('classBalancedWeights, oversample and undersample', () => {
  const labels = ['a', 'b', 'a', 'a', 'c', 'a'];
  assert.deepEqual(data.classBalancedWeights(labels), [0.25, 1, 0.25, 0.25, 1, 0.25]);
  const over = data.oversample(labels, { seed: 1 });
  assert.equal(over.length, 12);
  const classOf = (i: number) => labels[i];
  for (const c of ['a', 'b', 'c']) assert.equal(over.filter((i) => classOf(i) === c).length, 4);
  for (let i = 0; i < labels.length; i++) assert.ok(over.includes(i), `every sample kept (${i})`);
  const under = data.undersample(labels, { seed: 1 });
  assert.equal(under.length, 3);
  assert.deepEqual(under.map(classOf).sort(), ['a', 'b', 'c']);
  assert.equal(new Set(under).size, 3);
  assert.deepEqual(data.undersample(labels, { seed: 1 }), under);
  assert.throws(() => data.oversample(nb.zeros([2, 2])), /labels must be 1-D/);
});

test("classWeights is scikit-learn's compute_class_weight('balanced') and feeds crossEntropy's weight", () => {
  // /usr/bin/python3: compute_class_weight('balanced', classes=np.arange(3), y=[0,0,0,0,0,0,0,2,2,1,0,2]) = [0.5, 4.0, 1.3333333333333333]
  const labels = nb.tensor([0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 0, 2], { dtype: 'int32' });
  const weights = data.classWeights(labels);
  assert.deepEqual(Array.from(weights.toTypedArray()), [0.5, 4, Math.fround(4 / 3)]);
  assert.equal(weights.dtype, 'float32');
  // With these weights every class carries the same total weight in the loss.
  const logits = nb.zeros([12, 3]);
  assert.ok(Math.abs(nb.F.crossEntropy(logits, labels, { weight: weights }).item() - Math.log(3)) < 1e-6);
  assert.throws(() => data.classWeights([0, 2]), /classWeights: class 1 has no sample/);
  assert.throws(() => data.classWeights([0, 1], { numClasses: 1 }), /numClasses must be an integer above the largest label 1, got 1/);
  assert.throws(() => data.classWeights([0, 1.5]), /labels must be class indices .* got 1.5/);
  assert.throws(() => data.classWeights([]), /labels are empty/);
  assert.throws(() => data.classWeights([0, 1], { numclasses: 3 } as never), /unknown option 'numclasses'.*did you mean 'numClasses'/);
});
