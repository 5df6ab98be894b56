import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import * as M from '../../src/metrics/index.js';
import { assertClose, loadFixture } from './fixtures.js';

const regression = loadFixture<{ cases: { name: string; preds: number[] | number[][]; target: number[] | number[][]; mse: number; mae: number; r2: number }[] }>(
  'metrics-regression.json',
);
const text = loadFixture<{
  bleu: { candidate: string; references: string[]; sentence: Record<string, number>; bigramEpsilon: number }[];
  corpus: Record<string, number>;
  perplexity: { logits: number[][][]; target: number[][]; ignoreIndex: number; value: number };
}>('metrics-text.json');

describe('regression metrics match scikit-learn', () => {
  for (const c of regression.cases) {
    test(c.name, () => {
      const preds = nb.tensor(c.preds, { dtype: 'float64' });
      const target = nb.tensor(c.target, { dtype: 'float64' });
      assertClose(M.meanSquaredError(preds, target), c.mse);
      assertClose(M.rootMeanSquaredError(preds, target), Math.sqrt(c.mse));
      assertClose(M.meanAbsoluteError(preds, target), c.mae);
      assertClose(M.r2Score(preds, target), c.r2);
    });
  }

  test('errors', () => {
    assert.throws(() => M.r2Score([1], [1]), /fewer than two samples/);
    assert.throws(() => M.meanSquaredError([1, 2], [1, 2, 3]), /preds has shape \[2\] but target has shape \[3\]/);
  });
});

describe('BLEU matches NLTK', () => {
  for (const [i, s] of text.bleu.entries()) {
    test(`sentence ${i}: "${s.candidate.slice(0, 40)}"`, () => {
      for (const [smoothing, value] of Object.entries(s.sentence)) {
        assertClose(M.bleuScore(s.candidate, s.references, { smoothing: smoothing as M.BleuOptions['smoothing'] }), value, 1e-12, smoothing);
      }
      assertClose(M.bleuScore(s.candidate.split(' '), s.references.map((r) => r.split(' ')), { maxOrder: 2, smoothing: 'epsilon' }), s.bigramEpsilon);
    });
  }

  test('corpus BLEU', () => {
    for (const [smoothing, value] of Object.entries(text.corpus)) {
      const got = M.corpusBleu(text.bleu.map((s) => s.candidate), text.bleu.map((s) => s.references), { smoothing: smoothing as M.BleuOptions['smoothing'] });
      assertClose(got, value, 1e-12, smoothing);
    }
  });

  test('identical sentences score 1; errors', () => {
    assert.equal(M.bleuScore('a b c d e', ['a b c d e']), 1);
    assert.throws(() => M.corpusBleu(['a'], []), /1 candidates but 0 reference lists/);
    assert.throws(() => M.bleuScore('a', [], {}), /candidate 0 has no references/);
  });
});

describe('perplexity', () => {
  test('from logits matches exp(torch cross_entropy) with ignore_index', () => {
    const p = text.perplexity;
    const logits = nb.tensor(p.logits, { dtype: 'float64' });
    const target = nb.tensor(p.target);
    assertClose(M.perplexity(logits, target, { ignoreIndex: p.ignoreIndex }), p.value);
    const streaming = new M.Perplexity({ ignoreIndex: p.ignoreIndex });
    for (let b = 0; b < 3; b++) streaming.update(logits.select(0, b), target.select(0, b));
    assertClose(streaming.compute(), p.value);
  });

  test('from losses and from probabilities', () => {
    assertClose(M.perplexityFromLoss(Math.log(7)), 7);
    assertClose(M.perplexityFromLoss([1, 3]), Math.exp(2));
    assertClose(M.perplexityFromProbabilities([0.5, 0.125]), 4);
    assert.throws(() => M.perplexityFromProbabilities([0]), /probabilities must be in \(0, 1\], got 0/);
  });
});

describe('boxIou', () => {
  test('known overlaps, as torchvision.ops.box_iou', () => {
    const a = nb.tensor([[0, 0, 2, 2], [1, 1, 3, 3]]).float();
    const b = [[1, 1, 2, 2], [0, 0, 2, 2], [5, 5, 6, 6], [0, 0, 0, 0]];
    assertClose(M.boxIou(a, b).toArray() as number[][], [[0.25, 1, 0, 0], [0.25, 1 / 7, 0, 0]], 1e-7);
    assert.deepEqual(M.boxIou(a, b).shape, [2, 4]);
    assert.throws(() => M.boxIou([[0, 0, 1]], b), /must have shape \[N, 4\]/);
    assert.throws(() => M.boxIou([[2, 0, 1, 1]], b), /is not \(x1, y1, x2, y2\) with x2 >= x1/);
  });
});
