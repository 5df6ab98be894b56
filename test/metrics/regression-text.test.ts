import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import * as M from '../../src/metrics/index.js';
import { assertClose, loadFixture } from './fixtures.js';

interface RegressionCase {
  name: string;
  preds: number[] | number[][];
  target: number[] | number[][];
  mse: number;
  mae: number;
  r2: number;
  r2Raw: number[];
  r2VarianceWeighted: number;
  r2NotFinite: number;
  r2RawNotFinite: number[];
  r2VarianceWeightedNotFinite: number;
  customWeights?: number[];
  r2Custom?: number;
}
const regression = loadFixture<{ cases: RegressionCase[] }>('metrics-regression.json');
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
      assertClose(M.r2Score(preds, target, { multioutput: 'uniform_average' }), c.r2);
      assertClose(M.r2Score(preds, target, { multioutput: 'raw_values' }), c.r2Raw);
      assertClose(M.r2Score(preds, target, { multioutput: 'variance_weighted' }), c.r2VarianceWeighted);
      assertClose(M.r2Score(preds, target, { forceFinite: false }), c.r2NotFinite);
      assertClose(M.r2Score(preds, target, { multioutput: 'raw_values', forceFinite: false }), c.r2RawNotFinite);
      assertClose(M.r2Score(preds, target, { multioutput: 'variance_weighted', forceFinite: false }), c.r2VarianceWeightedNotFinite);
      if (c.customWeights) assertClose(M.r2Score(preds, target, { multioutput: c.customWeights }), c.r2Custom!);
      // The streaming metric over two batches gives the same numbers.
      const half = Math.floor(c.preds.length / 2);
      const stream = (options: M.R2ScoreOptions & { multioutput?: Exclude<M.R2Multioutput, 'raw_values'> }): M.R2Score => {
        const metric = new M.R2Score(options);
        metric.update(preds.narrow(0, 0, half), target.narrow(0, 0, half));
        metric.update(preds.narrow(0, half, c.preds.length - half), target.narrow(0, half, c.preds.length - half));
        return metric;
      };
      assertClose(stream({}).compute(), c.r2, 1e-9);
      assertClose(stream({ multioutput: 'variance_weighted' }).compute(), c.r2VarianceWeighted, 1e-9);
      assertClose(stream({}).computePerOutput(), c.r2Raw, 1e-9);
      assertClose(stream({ forceFinite: false }).computePerOutput(), c.r2RawNotFinite, 1e-9);
      if (c.customWeights) assertClose(stream({ multioutput: c.customWeights }).compute(), c.r2Custom!, 1e-9);
    });
  }

  test('r2Score multioutput errors', () => {
    const y = [[1, 2], [3, 5], [4, 4]];
    const p = [[1, 2], [3, 4], [5, 4]];
    assert.throws(() => M.r2Score(p, y, { multioutput: 'mean' as M.R2Multioutput }),
      { message: `r2Score: multioutput must be one of 'raw_values', 'uniform_average', 'variance_weighted' or an array of weights, got "mean"` });
    assert.throws(() => M.r2Score(p, y, { multioutput: [1, 2, 3] }), /r2Score: got 3 multioutput weights for 2 outputs; give one per output/);
    assert.throws(() => M.r2Score([1, 2, 3], [1, 2, 4], { multioutput: [1] }), /custom multioutput weights need several outputs/);
    assert.throws(() => M.r2Score(p, y, { multioutput: [1, -1] }), /weights sum to zero/);
    assert.throws(() => M.r2Score(p, y, { multioutput: [1, NaN] }), /multioutput weights must be finite numbers/);
    assert.throws(() => M.r2Score(p, y, { forceFinite: 'no' as unknown as boolean }), /r2Score: option 'forceFinite' must be true or false, got string/);
    assert.throws(() => new M.R2Score({ multioutput: 'raw_values' as 'uniform_average' }), /R2Score: multioutput 'raw_values' gives one value per output; use computePerOutput\(\)/);
    const metric = new M.R2Score({ multioutput: [1, 2, 3] });
    assert.throws(() => metric.update(p, y), /R2Score: got 3 multioutput weights for 2 outputs/);
  });

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
