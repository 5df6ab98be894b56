/** fit's stepsPerEpoch and validationSteps (Keras's steps_per_epoch, validation_steps), and evaluate's steps. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { data, nn, optim, train } from '../../src/index.js';

/** A 1 -> 1 linear model that records the tag (first value) of every input batch, per mode. */
class Recorder extends nn.Module {
  linear = new nn.Linear(1, 1);
  trained: number[] = [];
  validated: number[] = [];
  forward(x: nb.Tensor): nb.Tensor {
    (this.training ? this.trained : this.validated).push(x.toTypedArray()[0]!);
    return this.linear.forward(x);
  }
}

/** Batch k is [[k], [k]] as input and target, so the recorder logs k. */
function tagged(k: number): [nb.Tensor, nb.Tensor] {
  const x = nb.full([2, 1], k, { dtype: 'float32' });
  return [x, x];
}

/** An endless one-shot generator of tagged batches 0, 1, 2, ... that counts how many it gave. */
function endless(): { batches: Generator<[nb.Tensor, nb.Tensor]>; drawn: () => number } {
  let drawn = 0;
  function* batches(): Generator<[nb.Tensor, nb.Tensor]> {
    for (let k = 0; ; k++) {
      drawn++;
      yield tagged(k);
    }
  }
  return { batches: batches(), drawn: () => drawn };
}

const mse = (o: nb.Tensor, t: nb.Tensor): nb.Tensor => nb.F.mseLoss(o, t);

async function run(m: Recorder, options: Partial<train.FitOptions>): Promise<train.History> {
  return train.fit(m, { train: [], loss: mse, optimizer: new optim.SGD(m.parameters(), { lr: 0 }), verbose: 0, ...options });
}

/** Counts the batches of every epoch, and what fit told the callbacks about the epoch's length. */
class BatchCounter extends train.Callback {
  perEpoch: number[] = [];
  steps: (number | null)[] = [];
  override onEpochBegin(): void {
    this.perEpoch.push(0);
    this.steps.push(this.training.steps);
  }
  override onBatchEnd(): void {
    this.perEpoch[this.perEpoch.length - 1]! += 1;
  }
}

describe('fit: stepsPerEpoch', () => {
  test('without it an epoch is one pass; with it, that many batches, continuing where the last epoch stopped', async () => {
    const batches = Array.from({ length: 5 }, (_, k) => tagged(k));
    const whole = new Recorder();
    const counter = new BatchCounter();
    await run(whole, { train: batches, epochs: 2, callbacks: [counter] });
    assert.deepEqual(whole.trained, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    assert.deepEqual(counter.perEpoch, [5, 5]);

    const m = new Recorder();
    const steps = new BatchCounter();
    const history = await run(m, { train: batches, epochs: 4, stepsPerEpoch: 3, callbacks: [steps] });
    // Epoch 1: 0 1 2; epoch 2: 3 4, then a new pass: 0; epoch 3: 1 2 3; epoch 4: 4 0 1.
    assert.deepEqual(m.trained, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
    assert.deepEqual(steps.perEpoch, [3, 3, 3, 3]);
    assert.deepEqual(steps.steps, [3, 3, 3, 3], 'callbacks (the progress bar) see stepsPerEpoch as the epoch length');
    assert.equal(history.stopReason, null);
    assert.equal(history.get('loss').length, 4);
  });

  test('more steps than a DataLoader pass: the next pass starts (reshuffled) inside the epoch', async () => {
    const ds = new data.TensorDataset(nb.arange(6).float().unsqueeze(1), nb.arange(6).float().unsqueeze(1));
    const loader = new data.DataLoader(ds, { batchSize: 1, shuffle: true, seed: 3 });
    const m = new Recorder();
    const counter = new BatchCounter();
    await run(m, { train: loader, epochs: 2, stepsPerEpoch: 9, callbacks: [counter] });
    assert.deepEqual(counter.perEpoch, [9, 9]);
    const passes = [m.trained.slice(0, 6), m.trained.slice(6, 12), m.trained.slice(12, 18)];
    for (const p of passes) assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4, 5], 'each pass visits every sample once');
    assert.notDeepEqual(passes[0], passes[1], 'a new shuffle per pass');
  });

  test('an infinite generator trains with stepsPerEpoch, drawing each batch once', async () => {
    const source = endless();
    const m = new Recorder();
    await run(m, { train: source.batches, epochs: 3, stepsPerEpoch: 4 });
    assert.deepEqual(m.trained, Array.from({ length: 12 }, (_, k) => k));
    assert.equal(source.drawn(), 12, 'no batch is drawn and thrown away');
  });

  test('async iterables work the same', async () => {
    async function* five(): AsyncGenerator<[nb.Tensor, nb.Tensor]> {
      for (let k = 0; k < 5; k++) yield tagged(k);
    }
    const m = new Recorder();
    await run(m, { train: { [Symbol.asyncIterator]: five }, epochs: 2, stepsPerEpoch: 4 });
    assert.deepEqual(m.trained, [0, 1, 2, 3, 4, 0, 1, 2]);
  });

  test('a spent one-shot generator stops training with a warning and the reason, as Keras', async () => {
    function* seven(): Generator<[nb.Tensor, nb.Tensor]> {
      for (let k = 0; k < 7; k++) yield tagged(k);
    }
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => warnings.push(message);
    try {
      const m = new Recorder();
      const counter = new BatchCounter();
      const history = await run(m, { train: seven(), epochs: 5, stepsPerEpoch: 3, callbacks: [counter] });
      assert.deepEqual(counter.perEpoch, [3, 3, 1]);
      assert.equal(history.get('loss').length, 3, 'the partial third epoch is logged');
      assert.match(history.stopReason!, /fit: the training data ran out after 7 batches, in epoch 3\/5 at batch 2\/3; training stopped.*stepsPerEpoch \* epochs = 15/);
      assert.deepEqual(warnings, [history.stopReason]);

      // Spent exactly at an epoch boundary: no empty epoch is logged.
      const exact = await run(new Recorder(), { train: seven(), epochs: 5, stepsPerEpoch: 7 });
      assert.equal(exact.get('loss').length, 1);
      assert.match(exact.stopReason!, /ran out after 7 batches, in epoch 2\/5 at batch 1\/7/);
    } finally {
      console.warn = warn;
    }
  });

  test('junk values are rejected with readable errors before training', async () => {
    const m = new Recorder();
    const cases: [unknown, RegExp][] = [
      [0, /fit: option 'stepsPerEpoch' must be a positive integer, got number 0/],
      [-2, /must be a positive integer, got number -2/],
      [2.5, /must be a positive integer, got number 2.5/],
      ['10', /must be a positive integer, got string '10'/],
      [NaN, /must be a positive integer, got number NaN/],
      [Infinity, /must be a positive integer, got number Infinity/],
    ];
    for (const [value, message] of cases) {
      await assert.rejects(run(m, { train: [tagged(0)], stepsPerEpoch: value as number }), message);
      await assert.rejects(run(m, { train: [tagged(0)], validation: [tagged(0)], validationSteps: value as number }), new RegExp(message.source.replace('stepsPerEpoch', 'validationSteps')));
    }
    await assert.rejects(run(m, { train: [tagged(0)], steps_per_epoch: 3 } as never), /unknown option 'steps_per_epoch' for fit; did you mean 'stepsPerEpoch'\?/);
    await assert.rejects(train.evaluate(m, [tagged(0)], { steps: 0 }), /evaluate: option 'steps' must be a positive integer, got number 0/);
    assert.deepEqual(m.trained, [], 'nothing trained');
  });
});

describe('fit: validationSteps', () => {
  test('limits the validation batches, each epoch from a new pass', async () => {
    const m = new Recorder();
    await run(m, { train: [tagged(100)], validation: Array.from({ length: 6 }, (_, k) => tagged(k)), epochs: 3, validationSteps: 2 });
    assert.deepEqual(m.validated, [0, 1, 0, 1, 0, 1]);
    const all = new Recorder();
    await run(all, { train: [tagged(100)], validation: Array.from({ length: 3 }, (_, k) => tagged(k)), epochs: 2 });
    assert.deepEqual(all.validated, [0, 1, 2, 0, 1, 2]);
  });

  test('the validation loss averages exactly the batches it saw', async () => {
    const m = new Recorder();
    const validation = [tagged(1), tagged(2), tagged(30)];
    const history = await run(m, { train: [tagged(0)], validation, validationSteps: 2 });
    const expected = await train.evaluate(m, validation.slice(0, 2), { loss: mse });
    assert.equal(history.get('val_loss')[0], expected.loss);
  });

  test('evaluate({steps}) does not draw a batch past the last one it uses', async () => {
    const source = endless();
    const m = new Recorder();
    await train.evaluate(m, source.batches, { loss: mse, steps: 3 });
    assert.deepEqual(m.validated, [0, 1, 2]);
    assert.equal(source.drawn(), 3);
  });
});
