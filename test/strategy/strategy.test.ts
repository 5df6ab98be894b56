import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { strategy } = nb;

test('diagnose: the course\'s avoidable-bias example (human 1%, train 8%, dev 10%)', () => {
  const d = strategy.diagnose({ humanError: 0.01, trainError: 0.08, devError: 0.1 });
  assert.deepEqual(d.gaps.map((g) => [g.name, g.value]), [['avoidableBias', 0.07], ['variance', 0.02]]);
  assert.equal(d.dominant, 'avoidableBias');
  assert.deepEqual(d.actions, strategy.RECOMMENDED_ACTIONS.avoidableBias);
  assert.match(d.actions[0]!, /bigger model/);
  assert.match(d.notes[0]!, /no train-dev error/);
  const table = d.toString();
  assert.match(table, /\* avoidable bias\s+train error - human error\s+0\.07/);
  assert.match(table, /\n {2}variance\s+dev error - train error\s+0\.02/);
  assert.match(table, /work on avoidable bias:\n {2}- train a bigger model/);
});

test('diagnose: variance dominates when human-level is 7.5% (same train and dev errors)', () => {
  const d = strategy.diagnose({ humanError: 7.5, trainError: 8, devError: 10 });
  assert.deepEqual(d.gaps.map((g) => g.value), [0.5, 2]);
  assert.equal(d.dominant, 'variance');
  assert.match(d.actions.join('\n'), /more training data[\s\S]*regularise/);
});

test('diagnose: data mismatch and overfitting to dev with a train-dev set and a test set', () => {
  const d = strategy.diagnose({ bayesError: 0, trainError: 0.01, trainDevError: 0.015, devError: 0.1, testError: 0.12 });
  assert.deepEqual(d.gaps.map((g) => [g.name, g.from, g.to, g.value]), [
    ['avoidableBias', 'Bayes error', 'train error', 0.01],
    ['variance', 'train error', 'train-dev error', 0.005],
    ['dataMismatch', 'train-dev error', 'dev error', 0.085],
    ['overfittingToDev', 'dev error', 'test error', 0.02],
  ]);
  assert.equal(d.dominant, 'dataMismatch');
  assert.match(d.actions.join(' '), /error analysis.*artificial data synthesis/s);
  assert.deepEqual(d.notes, []);
  const dev = strategy.diagnose({ humanError: 0.01, trainError: 0.01, trainDevError: 0.01, devError: 0.01, testError: 0.05 });
  assert.equal(dev.dominant, 'overfittingToDev');
  assert.deepEqual(dev.actions, ['get a bigger dev set']);
  const none = strategy.diagnose({ humanError: 0.05, trainError: 0.04, devError: 0.04 });
  assert.equal(none.dominant, undefined);
  assert.match(none.notes.join('\n'), /train error is below human error/);
});

test('diagnose: argument errors', () => {
  assert.throws(() => strategy.diagnose({ trainError: 0.1, devError: 0.2 }), /give humanError \(or bayesError\)/);
  assert.throws(() => strategy.diagnose({ humanError: 0, bayesError: 0, trainError: 0.1, devError: 0.2 }), /not both/);
  assert.throws(() => strategy.diagnose({ humanError: 0, trainError: NaN, devError: 0.2 }), /trainError must be a finite number >= 0/);
  assert.throws(() => strategy.diagnose({ humanError: 0, trainError: 0.1, devEror: 0.2 } as never), /unknown option 'devEror'/);
});

test('ewma: hand-computed values, with and without bias correction', () => {
  const close = (a: number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-12, `${a} vs ${b}`));
  close(strategy.ewma([1, 2, 3], 0.5), [0.5, 1.25, 2.125]);
  close(strategy.ewma([1, 2, 3], 0.5, { biasCorrection: true }), [1, 1.25 / 0.75, 2.125 / 0.875]);
  // A constant series is returned exactly by the bias-corrected average.
  close(strategy.ewma([4, 4, 4, 4], 0.9, { biasCorrection: true }), [4, 4, 4, 4]);
  close(strategy.ewma([4, 4], 0), [4, 4]);
  assert.throws(() => strategy.ewma([1], 1), /beta must be a number in \[0, 1\)/);
  assert.throws(() => strategy.ewma([1], 0.9, { bias: true } as never), /unknown option 'bias'/);
});

test('selectModel: satisficing constraints first, then the optimizing metric', () => {
  const candidates = [
    { name: 'A', accuracy: 0.9, latencyMs: 80, sizeMb: 10 },
    { name: 'B', accuracy: 0.92, latencyMs: 95, sizeMb: 19 },
    { name: 'C', accuracy: 0.95, latencyMs: 1500, sizeMb: 10 },
    { name: 'D', accuracy: 0.97, latencyMs: 50, sizeMb: 25 },
  ];
  const s = strategy.selectModel(candidates, { optimize: 'accuracy', satisfy: { latencyMs: '<= 100', sizeMb: '<= 20' } });
  assert.equal(s.best?.name, 'B');
  assert.deepEqual(s.feasible.map((c) => c.name), ['B', 'A']);
  assert.deepEqual(s.rejected.map((r) => [r.candidate.name, r.violations]), [['C', ['latencyMs 1500 is not <= 100']], ['D', ['sizeMb 25 is not <= 20']]]);
  assert.match(s.toString(), /\*B\s+0\.92\s+95\s+19\s+ok/);
  assert.equal(strategy.selectModel(candidates, { optimize: 'latencyMs', mode: 'min' }).best?.name, 'D');
  assert.equal(strategy.selectModel(candidates, { optimize: 'accuracy', satisfy: { latencyMs: '< 10' } }).best, undefined);
  assert.throws(() => strategy.selectModel(candidates, { optimize: 'accuracy', satisfy: { latencyMs: 'at most 100' } }), /must be a comparison such as '<= 100'/);
  assert.throws(() => strategy.selectModel(candidates, { optimize: 'f1' }), /candidate 'A' has no number 'f1'/);
});

test('measureLatency and modelSizeMb', () => {
  const model = new nb.nn.Sequential(new nb.nn.Linear(8, 16), new nb.nn.ReLU(), new nb.nn.Linear(16, 2));
  model.train();
  const latency = strategy.measureLatency(model, [4, 8], { warmup: 1, runs: 5 });
  assert.equal(latency.runs, 5);
  assert.ok(latency.minMs <= latency.medianMs && latency.medianMs <= latency.maxMs && latency.meanMs > 0);
  assert.equal(model.training, true);
  // (8*16 + 16 + 16*2 + 2) float32 parameters.
  assert.equal(strategy.modelSizeMb(model), (178 * 4) / 1e6);
  assert.throws(() => strategy.measureLatency(model, [4, 8], { runs: 0 }), /runs must be an integer >= 1/);
});

test('errorAnalysis: tally per tag, ceilings and the mislabelled fraction', () => {
  const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const predicted = [0, 7, 2, 8, 4, 6, 6, 1, 8, 9]; // 4 errors in 10: examples 1, 3, 5, 7
  const a = strategy.errorAnalysis(predicted, labels, { tags: { 1: ['blurry', 'mislabelled'], 3: ['blurry'], 7: ['great cat'] } });
  assert.equal(a.error, 0.4);
  assert.deepEqual(a.misclassified.map((m) => [m.index, m.label, m.predicted, m.tags]), [[1, 1, 7, ['blurry', 'mislabelled']], [3, 3, 8, ['blurry']], [5, 5, 6, []], [7, 7, 1, ['great cat']]]);
  assert.deepEqual(a.tally.map((t) => [t.tag, t.count, t.shareOfErrors]), [['blurry', 2, 0.5], ['great cat', 1, 0.25], ['mislabelled', 1, 0.25]]);
  assert.ok(Math.abs(a.tally[0]!.errorIfFixed - 0.2) < 1e-12);
  assert.equal(a.mislabelledFraction, 0.25);
  assert.match(a.toString(), /4 of 10 misclassified \(error 40\.0%\)[\s\S]*blurry\s+2\s+50\.0%\s+20\.0%/);
  // Scores [N, C] are read by argmax.
  const scores = nb.oneHot(nb.tensor(predicted, { dtype: 'int32' }), 10).to('float32');
  assert.equal(strategy.errorAnalysis(scores, nb.tensor(labels, { dtype: 'int32' })).misclassified.length, 4);
  assert.throws(() => strategy.errorAnalysis(predicted, labels, { tags: { 0: ['x'] } }), /example 0, which is classified correctly/);
  assert.throws(() => strategy.errorAnalysis([1, 2], [1]), /2 predictions for 1 labels/);
  const sheet = strategy.misclassifiedSheet(nb.rand([10, 1, 4, 4]), a);
  assert.equal((sheet.match(/<rect/g) ?? []).length, 1 + 4 * 16);
  assert.match(sheet, /1 -&gt; 7 \(#1\)/);
  assert.match(sheet, /blurry, mislabelled/);
});

test('learningCurve and its chart', async () => {
  const points = await strategy.learningCurve([100, 200, 400], (size) => ({ trainError: 0.01 * (400 / size), devError: 0.2 * (100 / size) + 0.05 }));
  assert.deepEqual(points.map((p) => p.size), [100, 200, 400]);
  const svg = strategy.learningCurveChart(points, { humanError: 0.01 });
  assert.match(svg, /train error[\s\S]*dev error[\s\S]*human-level error/);
  assert.match(svg, /training-set size/);
  await assert.rejects(strategy.learningCurve([0], () => ({ trainError: 0, devError: 0 })), /positive integers/);
});
