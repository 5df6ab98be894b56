import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { optim, train } from '../../src/index.js';
import { TwoHeads, batches, clusters, model } from './helpers/data.js';

const [x, y] = clusters(200, 1);
const [vx, vy] = clusters(100, 2);
const trainData = batches(x, y, 32);
const valData = batches(vx, vy, 50);

describe('fit', () => {
  test('trains a classifier, logs loss, accuracy and validation per epoch', async () => {
    const m = model();
    const lines: string[] = [];
    const history = await train.fit(m, {
      train: trainData,
      validation: valData,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new optim.Adam(m.parameters(), { lr: 0.05 }),
      epochs: 8,
      metrics: { accuracy: 'accuracy' },
      callbacks: [new train.ProgressBar({ output: { write: (t) => lines.push(t), isTTY: false } })],
      verbose: 0,
    });
    assert.deepEqual(history.epochs, [0, 1, 2, 3, 4, 5, 6, 7]);
    const loss = history.get('loss');
    assert.ok(loss[7]! < loss[0]! / 2, `loss fell from ${loss[0]} to ${loss[7]}`);
    assert.ok(history.get('val_accuracy')[7]! >= 0.9, `val accuracy ${history.get('val_accuracy')[7]}`);
    assert.equal(history.get('lr')[0], 0.05);
    assert.equal(lines.length, 8, 'one line per epoch when not on a terminal');
    assert.match(lines[0]!, /^Epoch 1\/8 - [\d.]+s - loss: [\d.]+ - accuracy: [\d.]+ - lr: 0\.0500 - val_loss: [\d.]+ - val_accuracy: [\d.]+\n$/);
    const evaluated = await train.evaluate(m, valData, { loss: (o, t) => nb.F.crossEntropy(o, t), metrics: { accuracy: 'accuracy' } });
    assert.ok(Math.abs(evaluated.loss! - history.get('val_loss')[7]!) < 1e-6);
    const predictions = await train.predict(m, valData);
    assert.deepEqual(predictions.shape, [100, 2]);
    assert.equal(predictions.requiresGrad, false);
  });

  test('a progress bar on a terminal redraws one line and ends each epoch with a newline', async () => {
    const m = model();
    let text = '';
    await train.fit(m, {
      train: trainData,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      epochs: 1,
      callbacks: [new train.ProgressBar({ output: { write: (t) => (text += t), isTTY: true } })],
    });
    assert.match(text, /^Epoch 1\/1\n/);
    assert.match(text, /7\/7 \[=+\] - loss: [\d.]+/);
    assert.ok(text.endsWith('\n'));
  });

  test("a progress bar's smoothing shows the bias-corrected EWMA of the batch losses on the live line", async () => {
    const batchLosses = [8, 1, 1, 1, 1, 1, 1];
    const run = async (smoothing?: number): Promise<string> => {
      const m = model();
      let i = 0;
      let text = '';
      await train.fit(m, {
        train: trainData,
        // Known batch losses: the model's output times 0 plus the value.
        loss: (o) => o.sum().mul(0).add(batchLosses[i++]!),
        optimizer: new optim.SGD(m.parameters(), { lr: 0 }),
        epochs: 1,
        callbacks: [new train.ProgressBar({ output: { write: (t) => (text += t), isTTY: true }, ...(smoothing === undefined ? {} : { smoothing }) })],
      });
      return /7\/7 \[=+\] - loss: ([\d.]+)/.exec(text)![1]!;
    };
    const smoothed = nb.strategy.ewma(batchLosses, 0.5, { biasCorrection: true }).at(-1)!;
    assert.equal(await run(0.5), smoothed.toFixed(4));
    // Without smoothing: the epoch's running mean, weighted by batch size (six batches of 32, one of 8).
    assert.equal(await run(), ((8 * 32 + 5 * 32 + 8) / 200).toFixed(4));
    assert.throws(() => new train.ProgressBar({ smoothing: 1 }), /ProgressBar: option 'smoothing' must be a number in \[0, 1\), got number 1/);
  });

  test('EarlyStopping stops at the right epoch and restores the best weights', async () => {
    const m = model();
    // A validation loss that improves for 3 epochs, then worsens: stop after patience 2.
    const fake = [5, 4, 3, 3.5, 3.6, 3.7, 3.8, 3.9];
    let epoch = 0;
    const snapshots: nb.Tensor[] = [];
    const recorder = new (class extends train.Callback {
      override onEpochEnd(_e: number, logs: train.Logs): void {
        logs.val_loss = fake[epoch++]!;
        snapshots.push(m.stateDict()['0.weight']!.clone());
      }
    })();
    const stopper = new train.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const history = await train.fit(m, {
      train: trainData,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      epochs: 8,
      callbacks: [recorder, stopper],
      verbose: 0,
    });
    assert.equal(stopper.stoppedEpoch, 4);
    assert.equal(stopper.bestEpoch, 2);
    assert.equal(history.epochs.length, 5);
    assert.match(history.stopReason!, /EarlyStopping/);
    assert.deepEqual(m.stateDict()['0.weight']!.toArray(), snapshots[2]!.toArray());
  });

  test('TerminateOnNaN stops on a non-finite loss and says where: epoch, batch and value, in the History and the log', async () => {
    const m = model();
    const steps = trainData.length;
    let calls = 0;
    const printed: string[] = [];
    const guard = new train.TerminateOnNaN({ log: (message) => printed.push(message) });
    const history = await train.fit(m, {
      train: trainData,
      // Finite through the first epoch and the first batch of the second, then +Infinity.
      loss: (o) => o.sum().mul(0).add(++calls > steps + 1 ? Infinity : 0),
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      epochs: 3,
      callbacks: [guard],
      verbose: 0,
    });
    const expected = `TerminateOnNaN: the loss is Infinity at epoch 2/3, batch 2/${steps} (0-based: epoch 1, batch 1); training stopped`;
    assert.equal(history.stopReason, expected);
    assert.deepEqual(printed, [expected]);
    assert.deepEqual(guard.stoppedAt, { epoch: 1, batch: 1, loss: Infinity });
    assert.equal(history.epochs.length, 2);
    assert.throws(() => new train.TerminateOnNaN({ log: 'yes' as never }), /TerminateOnNaN: log must be a function or null, got string/);
  });

  test('an AbortSignal stops training after the current batch', async () => {
    const m = model();
    const controller = new AbortController();
    let seen = 0;
    const counter = new (class extends train.Callback {
      override onBatchEnd(): void {
        if (++seen === 3) controller.abort();
      }
    })();
    const history = await train.fit(m, {
      train: trainData,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      epochs: 5,
      callbacks: [counter],
      signal: controller.signal,
      verbose: 0,
    });
    assert.equal(seen, 3);
    assert.equal(history.stopReason, 'aborted');
  });

  test('multi-output models weigh their losses', async () => {
    nb.manualSeed(0);
    const m = new TwoHeads();
    const data: train.Batch[] = trainData.map(([bx, by]) => [bx, [by, bx.sum(1, true)]]);
    const history = await train.fit(m, {
      train: data,
      loss: [(o, t) => nb.F.crossEntropy(o, t), (o, t) => nb.F.mseLoss(o, t)],
      lossWeights: [1, 0.5],
      optimizer: new optim.Adam(m.parameters(), { lr: 0.02 }),
      epochs: 3,
      verbose: 0,
      recordBatches: true,
    });
    const [l, a, b] = [history.get('loss'), history.get('output0_loss'), history.get('output1_loss')];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(l[i]! - (a[i]! + 0.5 * b[i]!)) < 1e-5);
    assert.equal(history.batches!.loss!.length, 3 * trainData.length);
  });

  test('LearningRateScheduler sets the learning rate per epoch', async () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const history = await train.fit(m, {
      train: trainData,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: opt,
      epochs: 3,
      callbacks: [new train.LearningRateScheduler((epoch) => 0.1 / (epoch + 1))],
      verbose: 0,
    });
    assert.deepEqual(history.get('lr').map((v) => Number(v.toFixed(6))), [0.1, 0.05, 0.033333]);
  });

  test('errors name what is wrong', async () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    await assert.rejects(
      train.fit(m, { train: trainData, loss: (o) => o, optimizer: opt, verbose: 0 }),
      /fit: the loss for output 0 must return a scalar Tensor/,
    );
    await assert.rejects(
      train.fit(m, {
        train: trainData,
        loss: (o, t) => nb.F.crossEntropy(o, t),
        optimizer: opt,
        callbacks: [new train.EarlyStopping({ monitor: 'val_accuracy' })],
        verbose: 0,
      }),
      /EarlyStopping: the monitored quantity 'val_accuracy' is not in the logs \(available: loss, lr\)/,
    );
  });
});

describe('evaluate on named splits, and F-score early stopping', () => {
  test('named splits come back under their names, each the same as evaluating it alone', async () => {
    const m = model();
    const options = { loss: (o: nb.Tensor, t: nb.Tensor) => nb.F.crossEntropy(o, t), metrics: { accuracy: 'accuracy' as const } };
    const bySplit = await train.evaluate(m, { train: trainData, dev: valData }, options);
    assert.deepEqual(Object.keys(bySplit), ['train', 'dev']);
    assert.deepEqual(bySplit.train, await train.evaluate(m, trainData, options));
    assert.deepEqual(bySplit.dev, await train.evaluate(m, valData, options));
    // The errors feed strategy.diagnose directly.
    const d = nb.strategy.diagnose({ humanError: 0, trainError: 1 - bySplit.train.accuracy!, devError: 1 - bySplit.dev.accuracy! });
    assert.equal(d.gaps.length, 2);
    await assert.rejects(train.evaluate(m, {}, options), /evaluate: the object of named splits is empty/);
    await assert.rejects(train.evaluate(m, { dev: 3 } as never, options), /evaluate: split 'dev' must be an iterable of \[input, target\] batches, got number 3/);
    await assert.rejects(train.evaluate(m, 'data' as never, options), /evaluate: data must be an iterable .* or an object of named splits/);
    await assert.rejects(train.evaluate(m, { dev: valData }, { metric: {} } as never), /unknown option 'metric' for evaluate; did you mean 'metrics'/);
  });

  test('EarlyStopping on a streaming F1 score maximises it and restores the best weights', async () => {
    // Overlapping classes and a small learning rate: the F1 score climbs for a few epochs, then stalls.
    const noisy = (t: nb.Tensor, seed: number): nb.Tensor => t.add(nb.randn(t.shape, { generator: new nb.Generator(seed) }).mul(1.2));
    const validation = batches(noisy(vx, 4), vy, 50);
    const m = model();
    const history = await train.fit(m, {
      train: batches(noisy(x, 3), y, 32),
      validation,
      loss: (o, t) => nb.F.crossEntropy(o, t),
      optimizer: new optim.SGD(m.parameters(), { lr: 0.002 }),
      epochs: 30,
      metrics: { f1: new nb.metrics.F1Score({ numClasses: 2, average: 'macro' }) },
      callbacks: [new train.EarlyStopping({ monitor: 'val_f1', patience: 2, restoreBestWeights: true })],
      verbose: 0,
    });
    const f1 = history.get('val_f1');
    const best = Math.max(...f1);
    const bestEpoch = f1.indexOf(best);
    assert.ok(bestEpoch > 0 && f1[0]! < best, `the F1 score improved after epoch 0: ${f1.join(', ')}`);
    assert.equal(f1.length, bestEpoch + 3, 'stops patience + 1 epochs after the highest F1 (mode max, inferred from the name)');
    const restored = await train.evaluate(m, validation, { metrics: { f1: new nb.metrics.F1Score({ numClasses: 2, average: 'macro' }) } });
    assert.ok(Math.abs(restored.f1! - best) < 1e-12, `restored weights give the best F1 ${best}, got ${restored.f1}`);
  });
});
