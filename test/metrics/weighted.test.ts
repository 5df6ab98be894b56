import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

const { metrics } = nb;

interface Case {
  yTrue: number[];
  yPred: number[];
  sampleWeight: number[];
  numClasses: number;
  accuracy: number;
  confusionMatrix: number[][];
  precision: Record<string, number | number[]>;
  recall: Record<string, number | number[]>;
  f1Score: Record<string, number | number[]>;
  fbeta2: { macro: number };
}

const { cases } = readFixture<{ cases: Case[] }>('metrics-weighted.json');
const close = (got: number | number[], want: number | number[], what: string) => {
  const [g, w] = [[got].flat(), [want].flat()];
  assert.equal(g.length, w.length, what);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) < 1e-12, `${what}: ${g} vs ${w}`));
};

test('sampleWeight: accuracy, confusion matrix, precision/recall/F1/F-beta equal scikit-learn\'s', () => {
  for (const c of cases) {
    const pred = nb.tensor(c.yPred, { dtype: 'int32' });
    const target = nb.tensor(c.yTrue, { dtype: 'int32' });
    const sampleWeight = c.sampleWeight;
    const k = c.numClasses;
    close(metrics.accuracy(pred, target, { sampleWeight }), c.accuracy, 'accuracy');
    close(metrics.errorRate(pred, target, { sampleWeight: nb.tensor(sampleWeight, { dtype: 'float64' }) }), 1 - c.accuracy, 'errorRate');
    close(metrics.confusionMatrix(pred, target, { sampleWeight, numClasses: k }).flat(), c.confusionMatrix.flat(), 'confusionMatrix');
    for (const [name, fn] of [['precision', metrics.precision], ['recall', metrics.recall], ['f1Score', metrics.f1Score]] as const) {
      for (const [average, want] of Object.entries(c[name])) {
        close(fn(pred, target, { sampleWeight, numClasses: k, average: average as 'macro' }), want, `${name} ${average} (k=${k})`);
      }
    }
    close(metrics.fbetaScore(pred, target, { beta: 2, average: 'macro', sampleWeight, numClasses: k }), c.fbeta2.macro, 'fbeta');
  }
});

test('sampleWeight: all-ones weights change nothing; bad weights are errors', () => {
  const pred = [0, 1, 1, 0, 1];
  const target = [0, 1, 0, 0, 0];
  assert.equal(metrics.accuracy(pred, target, { sampleWeight: [1, 1, 1, 1, 1] }), metrics.accuracy(pred, target));
  assert.equal(metrics.accuracy(pred, target, { sampleWeight: [1, 1, 0, 1, 0] }), 1);
  assert.throws(() => metrics.accuracy(pred, target, { sampleWeight: [1, 1] }), /sampleWeight must have one weight per sample \(5\), got shape \[2\]/);
  assert.throws(() => metrics.confusionMatrix(pred, target, { sampleWeight: [1, 1, NaN, 1, 1] }), /sampleWeight\[2\] is NaN/);
  assert.throws(() => metrics.accuracy(pred, target, { sampleWeight: [0, 0, 0, 0, 0] }), /weights sum to 0/);
});
