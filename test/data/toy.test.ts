import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const rows = (t: nb.Tensor) => {
  const v = Array.from(t.toTypedArray(), (a) => Math.round(a * 1e6) / 1e6 + 0); // + 0 turns -0 into 0
  return Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i]!, v[2 * i + 1]!]);
};

test('makeMoons without shuffle or noise: sklearn make_moons points (upper half circle, then the shifted lower one)', () => {
  const { features, labels } = nb.data.makeMoons(6, { shuffle: false });
  assert.deepEqual(features.shape, [6, 2]);
  assert.equal(features.dtype, 'float32');
  assert.equal(labels.dtype, 'int32');
  assert.deepEqual(rows(features), [[1, 0], [0, 1], [-1, 0], [0, 0.5], [1, -0.5], [2, 0.5]]);
  assert.deepEqual(Array.from(labels.toTypedArray()), [0, 0, 0, 1, 1, 1]);
  // An odd total gives the extra sample to class 1 (n // 2 outer), a pair gives the counts.
  assert.deepEqual(Array.from(nb.data.makeMoons(5, { shuffle: false }).labels.toTypedArray()), [0, 0, 1, 1, 1]);
  assert.deepEqual(rows(nb.data.makeMoons([1, 2], { shuffle: false }).features), [[1, 0], [0, 0.5], [2, 0.5]]);
});

test('makeCircles without shuffle or noise: the unit circle then the circle of radius factor, endpoint excluded', () => {
  const { features, labels } = nb.data.makeCircles(8, { shuffle: false, factor: 0.5 });
  assert.deepEqual(rows(features), [[1, 0], [0, 1], [-1, 0], [0, -1], [0.5, 0], [0, 0.5], [-0.5, 0], [0, -0.5]]);
  assert.deepEqual(Array.from(labels.toTypedArray()), [0, 0, 0, 0, 1, 1, 1, 1]);
  const radii = nb.data.makeCircles(7, { shuffle: false }).features.square().sum(1).sqrt();
  assert.deepEqual(Array.from(radii.toTypedArray(), (r) => Math.round(r * 1e6) / 1e6), [1, 1, 1, 0.8, 0.8, 0.8, 0.8]);
});

test('makeMoons/makeCircles shuffle points and labels together, seeded; noise has the requested std', () => {
  const plain = nb.data.makeCircles(40, { shuffle: false });
  const a = nb.data.makeCircles(40, { seed: 3 });
  const b = nb.data.makeCircles(40, { seed: 3 });
  assert.deepEqual(rows(a.features), rows(b.features));
  assert.notDeepEqual(rows(a.features), rows(plain.features));
  // Same points, still paired with their labels: class 1's points are on radius 0.8.
  const key = (p: number[]) => p.join(',');
  assert.deepEqual(rows(a.features).map(key).sort(), rows(plain.features).map(key).sort());
  const r = a.features.square().sum(1).sqrt().toTypedArray();
  a.labels.toTypedArray().forEach((y, i) => assert.ok(Math.abs(r[i]! - (y === 1 ? 0.8 : 1)) < 1e-6));
  // The default generator is used without a seed, so manualSeed makes it repeatable.
  nb.manualSeed(5);
  const c = rows(nb.data.makeMoons(10, { noise: 0.1 }).features);
  nb.manualSeed(5);
  assert.deepEqual(rows(nb.data.makeMoons(10, { noise: 0.1 }).features), c);
  // Noise: the difference from the clean points has mean 0 and std `noise`.
  const clean = nb.data.makeMoons(4000, { shuffle: false });
  const noisy = nb.data.makeMoons(4000, { shuffle: false, noise: 0.2, seed: 0 });
  const diff = noisy.features.sub(clean.features);
  assert.ok(Math.abs(diff.mean().item()) < 0.01, `mean ${diff.mean().item()}`);
  assert.ok(Math.abs(diff.std().item() - 0.2) < 0.005, `std ${diff.std().item()}`);
});

test('makeMoons/makeCircles: errors name the argument and what it got', () => {
  assert.throws(() => nb.data.makeMoons(2.5), /data.makeMoons: nSamples must be a non-negative integer or a pair/);
  assert.throws(() => nb.data.makeMoons(-1), /nSamples must be/);
  assert.throws(() => nb.data.makeMoons([3] as never), /nSamples must be/);
  assert.throws(() => nb.data.makeMoons([3, 1.5]), /nSamples must be/);
  assert.throws(() => nb.data.makeMoons(10, { noise: -0.1 }), /noise must be a finite number >= 0, got -0.1/);
  assert.throws(() => nb.data.makeMoons(10, { noise: NaN }), /noise must be/);
  assert.throws(() => nb.data.makeMoons(10, { shuffle: 1 as never }), /shuffle must be a boolean/);
  assert.throws(() => nb.data.makeMoons(10, { factor: 0.5 } as never), /unknown option 'factor' for data.makeMoons/);
  assert.throws(() => nb.data.makeCircles(10, { factor: 1 }), /data.makeCircles: factor must be a number in \[0, 1\), got 1/);
  assert.throws(() => nb.data.makeCircles(10, { seed: 1, generator: new nb.Generator(1) }), /either a generator or a seed/);
});
