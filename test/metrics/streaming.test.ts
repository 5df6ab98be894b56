import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import * as M from '../../src/metrics/index.js';
import { assertClose } from './fixtures.js';

const g = new nb.Generator(11);
const scores = nb.randn([50, 4], { generator: g, dtype: 'float64' });
const target = nb.randint(0, 4, [50], { generator: g });
const batches = [0, 13, 30, 50];

function feed<R>(metric: M.Metric<R>, preds: nb.Tensor, y: nb.Tensor): R {
  metric.reset();
  for (let b = 0; b + 1 < batches.length; b++) {
    metric.update(preds.narrow(0, batches[b]!, batches[b + 1]! - batches[b]!), y.narrow(0, batches[b]!, batches[b + 1]! - batches[b]!));
  }
  return metric.compute();
}

describe('streaming metrics equal their functional twins over all batches', () => {
  test('classification', () => {
    assertClose(feed(new M.Accuracy(), scores, target), M.accuracy(scores, target));
    assertClose(feed(new M.TopKAccuracy(2), scores, target), M.topKAccuracy(scores, target, 2));
    assert.deepEqual(feed(new M.ConfusionMatrix(), scores, target), M.confusionMatrix(scores, target));
    for (const average of ['macro', 'micro', 'weighted'] as const) {
      assertClose(feed(new M.Precision({ average }), scores, target), M.precision(scores, target, { average }));
      assertClose(feed(new M.Recall({ average }), scores, target), M.recall(scores, target, { average }));
      assertClose(feed(new M.F1Score({ average }), scores, target), M.f1Score(scores, target, { average }));
      assertClose(feed(new M.FBetaScore({ average, beta: 2 }), scores, target), M.fbetaScore(scores, target, { average, beta: 2 }));
      assertClose(feed(new M.Specificity({ average }), scores, target), M.specificity(scores, target, { average }));
      assertClose(feed(new M.FalsePositiveRate({ average }), scores, target), M.falsePositiveRate(scores, target, { average }));
      assertClose(feed(new M.FalseNegativeRate({ average }), scores, target), M.falseNegativeRate(scores, target, { average }));
    }
    const f1 = new M.F1Score();
    feed(f1, scores, target);
    assertClose(f1.computePerClass(), M.f1Score(scores, target, { average: 'none' }));
  });

  test('a confusion matrix grows as new labels appear, unless numClasses is fixed', () => {
    const cm = new M.ConfusionMatrix();
    cm.update([0, 1], [0, 1]);
    cm.update([3], [2]);
    assert.deepEqual(cm.compute(), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]);
    const fixed = new M.ConfusionMatrix({ numClasses: 2 });
    assert.throws(() => fixed.update([2], [0]), /found class label 2 but numClasses is 2/);
    assert.throws(() => new M.Accuracy().compute(), /no samples seen/);
  });

  test('ranking', () => {
    const probs = scores.softmax(1);
    assertClose(feed(new M.AUROC(), probs, target), M.rocAuc(probs, target));
    assertClose(feed(new M.AveragePrecision({ average: 'weighted' }), probs, target), M.averagePrecision(probs, target, { average: 'weighted' }));
    const binaryTarget = target.remainder(2);
    const column = probs.select(1, 1).contiguous();
    assertClose(feed(new M.AUROC(), column, binaryTarget), M.rocAuc(column, binaryTarget));
  });

  test('regression, with several outputs', () => {
    const y = nb.randn([50, 3], { generator: g, dtype: 'float64' }).mul(nb.tensor([1, 10, 100], { dtype: 'float64' }));
    const p = y.add(nb.randn([50, 3], { generator: g, dtype: 'float64' }));
    assertClose(feed(new M.MeanSquaredError(), p, y), M.meanSquaredError(p, y));
    assertClose(feed(new M.MeanAbsoluteError(), p, y), M.meanAbsoluteError(p, y));
    assertClose(feed(new M.R2Score(), p, y), M.r2Score(p, y), 1e-12);
  });

  test('fit() computes a streaming metric once over the whole epoch, reset between epochs', async () => {
    nb.manualSeed(0);
    const x = nb.randn([50, 3], { generator: g });
    const model = new nb.nn.Linear(3, 4);
    const batchesOf = (from: number, to: number): [nb.Tensor, nb.Tensor][] =>
      [from, Math.floor((from + to) / 2)].map((start, k, starts) => {
        const end = k + 1 < starts.length ? starts[k + 1]! : to;
        return [x.narrow(0, start, end - start), target.narrow(0, start, end - start)];
      });
    // Epoch 1 trains on rows 0-24, epoch 2 on rows 25-49 (the model stays fixed: lr 0).
    const halves = [batchesOf(0, 25), batchesOf(25, 50)];
    let epoch = 0;
    const data = { *[Symbol.iterator]() { yield* halves[epoch++ % 2]!; } };
    const metric = new M.F1Score({ average: 'macro' });
    const history = await nb.train.fit(model, {
      train: data,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new nb.optim.SGD(model.parameters(), { lr: 0 }),
      metrics: { f1: metric },
      epochs: 2,
      verbose: 0,
    });
    const f1Of = (rows: [nb.Tensor, nb.Tensor][]): number => {
      const xs = nb.cat(rows.map((r) => r[0]), 0);
      return M.f1Score(nb.noGrad(() => model.forward(xs)), nb.cat(rows.map((r) => r[1]), 0), { average: 'macro' });
    };
    const perBatchMean = (rows: [nb.Tensor, nb.Tensor][]): number =>
      rows.reduce((s, r) => s + f1Of([r]) * r[0].shape[0]!, 0) / rows.reduce((n, r) => n + r[0].shape[0]!, 0);
    halves.forEach((rows, e) => {
      assert.ok(Math.abs(f1Of(rows) - perBatchMean(rows)) > 1e-3, 'the test needs data where the epoch F1 and the batch mean differ');
      assertClose(history.get('f1')[e]!, f1Of(rows));
    });
    assert.ok(Math.abs(f1Of(halves[1]!) - f1Of([...halves[0]!, ...halves[1]!])) > 1e-3, 'the test needs epochs where a missing reset shows');
  });
});
