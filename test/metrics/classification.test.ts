import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import * as M from '../../src/metrics/index.js';
import { assertClose, loadFixture } from './fixtures.js';

interface Averaged { [average: string]: number | number[] }
interface Case {
  name: string;
  numClasses: number;
  target: number[];
  preds: number[] | number[][];
  accuracy: number;
  confusionMatrix: number[][];
  confusionMatrixNormalized: Record<'true' | 'pred' | 'all', number[][]>;
  report: string;
  report4: string;
  classNames: string[];
  top2?: number;
  top3?: number;
  [metric: string]: unknown;
}

const { cases } = loadFixture<{ cases: Case[] }>('metrics-classification.json');

const functions: Record<string, (p: M.Values, t: M.Values, o: M.ClassMetricOptions) => number | number[]> = {
  precision: M.precision,
  recall: M.recall,
  f1: M.f1Score,
  'fbeta0.5': (p, t, o) => M.fbetaScore(p, t, { ...o, beta: 0.5 }),
  fbeta2: (p, t, o) => M.fbetaScore(p, t, { ...o, beta: 2 }),
  specificity: M.specificity,
  fpr: M.falsePositiveRate,
  fnr: M.falseNegativeRate,
};

function predsOf(c: Case): nb.Tensor {
  return Array.isArray(c.preds[0]) ? nb.tensor(c.preds as number[][], { dtype: 'float64' }) : nb.tensor(c.preds as number[]);
}

describe('classification metrics match scikit-learn', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const preds = predsOf(c);
      const target = nb.tensor(c.target);

      test('accuracy, error rate and confusion matrix (raw and normalized)', () => {
        assertClose(M.accuracy(preds, target), c.accuracy);
        assertClose(M.errorRate(preds, target), 1 - c.accuracy);
        assert.deepEqual(M.confusionMatrix(preds, target, { numClasses: c.numClasses }), c.confusionMatrix);
        for (const how of ['true', 'pred', 'all'] as const) {
          assertClose(M.confusionMatrix(preds, target, { numClasses: c.numClasses, normalize: how }), c.confusionMatrixNormalized[how]);
        }
      });

      test('precision, recall, F1, F-beta, specificity, FPR, FNR in every averaging mode', () => {
        for (const [name, fn] of Object.entries(functions)) {
          const expected = c[name] as Averaged;
          for (const [average, value] of Object.entries(expected)) {
            const got = fn(preds, target, { average: average as M.Average, numClasses: c.numClasses });
            assertClose(got, value, 1e-12, `${name} ${average}`);
          }
        }
      });

      test('number arrays work as well as tensors', () => {
        assertClose(M.f1Score(c.preds as number[], c.target, { average: 'macro', numClasses: c.numClasses }), (c.f1 as Averaged).macro as number);
      });

      test('classification report is laid out like scikit-learn', () => {
        assert.equal(M.classificationReport(preds, target, { classNames: c.classNames, numClasses: c.numClasses }), c.report);
        assert.equal(M.classificationReport(preds, target, { classNames: c.classNames, numClasses: c.numClasses, digits: 4 }), c.report4);
      });

      if (c.top2 !== undefined) {
        test('top-k accuracy', () => {
          assertClose(M.topKAccuracy(preds, target, 2), c.top2!);
          assertClose(M.topKAccuracy(preds, target, 3), c.top3!);
          assertClose(M.topKAccuracy(preds, target, 1), c.accuracy);
        });
      }
    });
  }
});

describe('prediction forms', () => {
  const target = [0, 1, 1, 0];
  test('binary probabilities are thresholded, logits go through the sigmoid, [N, C] scores through argmax', () => {
    assert.equal(M.accuracy(nb.tensor([0.2, 0.7, 0.51, 0.5]), target), 1);
    assert.equal(M.accuracy(nb.tensor([0.2, 0.7, 0.51, 0.5]), target, { threshold: 0.6 }), 0.75);
    assert.equal(M.accuracy(nb.tensor([-3, 2, 0.1, -0.1]), target), 1);
    assert.equal(M.accuracy(nb.tensor([[2, 1], [0, 3], [0, 1], [5, 4]]), target), 1);
    assert.equal(M.accuracy([0, 1, 1, 1], target), 0.75);
  });

  test('the default average is binary for two classes and macro otherwise', () => {
    assert.equal(M.precision([1, 1, 0, 0], [1, 0, 0, 0]), 0.5);
    assert.equal(M.recall([0, 1, 2], [0, 1, 1]), M.recall([0, 1, 2], [0, 1, 1], { average: 'macro' }));
    assert.equal(M.precision([0, 0], [0, 0], { posLabel: 0 }), 1);
  });

  test('formatFixed rounds exact halves to even, as Python does', () => {
    assert.equal(M.formatFixed(0.125, 2), '0.12');
    assert.equal(M.formatFixed(0.375, 2), '0.38');
    assert.equal(M.formatFixed(0.1 + 0.2, 2), '0.30');
    assert.equal(M.formatFixed(2.675, 2), '2.67');
  });
});

describe('errors', () => {
  test('bad inputs name the metric and the problem', () => {
    assert.throws(() => M.accuracy([0, 1], [0, 1, 1]), /accuracy: preds has shape \[2\] but target has 3 labels/);
    assert.throws(() => M.accuracy([0, 1], [0, 1.5]), /target must hold class labels \(non-negative integers\), got 1.5 at index 1/);
    assert.throws(() => M.precision([0, 1, 2], [0, 1, 2], { average: 'binary' }), /average 'binary' needs two classes but there are 3/);
    assert.throws(() => M.confusionMatrix([0, 3], [0, 1], { numClasses: 3 }), /found class label 3 but numClasses is 3/);
    assert.throws(() => M.topKAccuracy(nb.zeros([2, 3]), [0, 1, 2], 1), /scores must be \[N, C\] with N = 3/);
    assert.throws(() => M.fbetaScore([0], [0], { beta: 0 }), /beta must be a positive number/);
    assert.throws(() => M.classificationReport([0, 1], [0, 1], { classNames: ['a'] }), /1 classNames for 2 classes/);
  });
});
