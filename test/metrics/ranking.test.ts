import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import * as M from '../../src/metrics/index.js';
import { assertClose, loadFixture } from './fixtures.js';

interface Binary {
  target: number[];
  scores: number[];
  roc: { fpr: number[]; tpr: number[]; thresholds: number[] };
  rocAuc: number;
  averagePrecision: number;
  pr?: { precision: number[]; recall: number[]; thresholds: number[] };
}
const fx = loadFixture<{
  binary: Binary;
  binaryNoTies: Binary;
  ovr: { target: number[]; scores: number[][]; rocAucMacro: number; rocAucWeighted: number; averagePrecisionMacro: number; averagePrecisionWeighted: number };
}>('metrics-ranking.json');

describe('ranking metrics match scikit-learn', () => {
  for (const [name, c] of [['with tied scores', fx.binary], ['without ties', fx.binaryNoTies]] as const) {
    test(`binary ROC curve, ROC AUC and average precision, ${name}`, () => {
      const roc = M.rocCurve(c.scores, c.target);
      assertClose(roc.fpr, c.roc.fpr);
      assertClose(roc.tpr, c.roc.tpr);
      assertClose(roc.thresholds, c.roc.thresholds);
      assertClose(M.rocAuc(nb.tensor(c.scores, { dtype: 'float64' }), nb.tensor(c.target)), c.rocAuc);
      assertClose(M.averagePrecision(c.scores, c.target), c.averagePrecision);
      if (c.pr !== undefined) {
        const pr = M.precisionRecallCurve(c.scores, c.target);
        assertClose(pr.precision, c.pr.precision);
        assertClose(pr.recall, c.pr.recall);
        assertClose(pr.thresholds, c.pr.thresholds);
      }
    });
  }

  test('one-vs-rest ROC AUC and average precision, macro and weighted', () => {
    const scores = nb.tensor(fx.ovr.scores, { dtype: 'float64' });
    assertClose(M.rocAuc(scores, fx.ovr.target), fx.ovr.rocAucMacro);
    assertClose(M.rocAuc(scores, fx.ovr.target, { average: 'weighted' }), fx.ovr.rocAucWeighted);
    assertClose(M.averagePrecision(scores, fx.ovr.target), fx.ovr.averagePrecisionMacro);
    assertClose(M.averagePrecision(scores, fx.ovr.target, { average: 'weighted' }), fx.ovr.averagePrecisionWeighted);
  });

  test('perfect and reversed rankings; posLabel', () => {
    assert.equal(M.rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
    assert.equal(M.rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
    assert.equal(M.rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], { posLabel: 0 }), 1);
    assert.equal(M.auc([0, 1], [0, 1]), 0.5);
  });

  test('undefined cases are errors, not NaN', () => {
    assert.throws(() => M.rocAuc([0.1, 0.2], [1, 1]), /rocCurve: the target has no negative samples/);
    assert.throws(() => M.rocAuc(nb.rand([4, 3]), [0, 1, 0, 1]), /class 2 has no samples in the target/);
    assert.throws(() => M.rocCurve(nb.rand([4, 3]), [0, 1, 0, 1]), /binary curves need one score per sample/);
  });
});
