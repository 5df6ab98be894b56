import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { LabelEncoder, MinMaxScaler, oneHot, StandardScaler } from '../../src/data/index.js';

function close(actual: nb.Tensor, expected: number[][], tol = 1e-6): void {
  const a = actual.toArray() as number[][];
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) <= tol, `[${i}][${j}]: ${v} vs ${expected[i]![j]}`)));
}

const train = nb.tensor([[1, 10, 5], [3, 20, 5], [5, 60, 5]], { dtype: 'float32' });

describe('StandardScaler', () => {
  test('z-scores with the population std; constant features get scale 1 (as scikit-learn)', () => {
    const scaler = new StandardScaler().fit(train);
    const s1 = Math.sqrt(8 / 3);
    const s2 = Math.sqrt(((10 - 30) ** 2 + (20 - 30) ** 2 + (60 - 30) ** 2) / 3);
    close(scaler.transform(train), [[-2 / s1, -20 / s2, 0], [0, -10 / s2, 0], [2 / s1, 30 / s2, 0]]);
    assert.equal(scaler.transform(train).dtype, 'float32');
    close(scaler.transform(nb.tensor([[3, 30, 6]])), [[0, 0, 1]]);
    close(scaler.inverseTransform(scaler.transform(train)), train.toArray() as number[][], 1e-4);
  });

  test('per-channel statistics for NCHW images with dims [0, 2, 3]', () => {
    const images = nb.randn([4, 3, 5, 5], { generator: new nb.Generator(0) }).mul(nb.tensor([1, 2, 3]).reshape([1, 3, 1, 1])).add(7);
    const z = new StandardScaler({ dims: [0, 2, 3] }).fitTransform(images);
    const mean = z.mean([0, 2, 3]).toArray() as number[];
    const std = z.std([0, 2, 3], { correction: 0 }).toArray() as number[];
    mean.forEach((m) => assert.ok(Math.abs(m) < 1e-5));
    std.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-5));
  });

  test('state dict round trip and errors', () => {
    const scaler = new StandardScaler().fit(train);
    const copy = new StandardScaler();
    copy.loadStateDict(scaler.stateDict());
    close(copy.transform(train), scaler.transform(train).toArray() as number[][]);
    assert.throws(() => new StandardScaler().transform(train), /call fit\(trainingData\) before transform/);
    assert.throws(() => scaler.transform(nb.zeros([2, 4])), /got shape \[2, 4\] but the scaler was fitted on data whose statistics have shape \[1, 3\]/);
  });
});

describe('MinMaxScaler', () => {
  test('[0, 1] and [-1, 1] ranges; fitted on train, reused on new data', () => {
    const unit = new MinMaxScaler().fit(train);
    close(unit.transform(train), [[0, 0, 0], [0.5, 0.2, 0], [1, 1, 0]]);
    close(unit.transform(nb.tensor([[7, 0, 5]])), [[1.5, -0.2, 0]]);
    const signed = new MinMaxScaler({ range: [-1, 1] }).fit(train);
    close(signed.transform(train), [[-1, -1, -1], [0, -0.6, -1], [1, 1, -1]]);
    close(signed.inverseTransform(signed.transform(train)), train.toArray() as number[][], 1e-4);
    assert.throws(() => new MinMaxScaler({ range: [1, 0] }), /low < high/);
  });
});

describe('labels', () => {
  test('LabelEncoder sorts classes and maps both ways', () => {
    const enc = new LabelEncoder<string>();
    const codes = enc.fitTransform(['cat', 'dog', 'ant', 'dog']);
    assert.deepEqual(enc.classes, ['ant', 'cat', 'dog']);
    assert.deepEqual(codes.toArray(), [1, 2, 0, 2]);
    assert.deepEqual(enc.inverseTransform(codes), ['cat', 'dog', 'ant', 'dog']);
    assert.deepEqual(new LabelEncoder<number>().fit([10, 2, 33]).classes, [2, 10, 33]);
    assert.throws(() => enc.transform(['eel']), /label "eel" at position 0 was not seen in fit/);
    const many = new LabelEncoder<string>().fit(Array.from({ length: 10_000 }, (_, i) => `class ${i}`));
    assert.throws(() => many.transform(['y'.repeat(300_000)]), (e: Error) => e.message.length < 300 && /known: \["class 0", /.test(e.message));
    assert.throws(() => enc.inverseTransform([3]), /index 3 at position 0 is not in \[0, 3\)/);
  });

  test('oneHot gives float32 targets by default', () => {
    const t = oneHot(nb.tensor([2, 0]), 3);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.toArray(), [[0, 0, 1], [1, 0, 0]]);
    assert.deepEqual(oneHot([1, 1]).toArray(), [[0, 1], [0, 1]]);
    assert.equal(oneHot([0], 2, { dtype: 'int32' }).dtype, 'int32');
    assert.throws(() => oneHot([3], 3), /label 3 does not fit numClasses = 3/);
    assert.throws(() => oneHot([-1]), /non-negative integers/);
  });
});
