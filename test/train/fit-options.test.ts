/**
 * Every fit() option and the EarlyStopping options, each with a test that fails when the option is
 * ignored or misapplied (docs/testing.md lists the planted bugs these catch).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { nn, optim, train } from '../../src/index.js';
import { TwoHeads, batches, clusters, model } from './helpers/data.js';

const [x, y] = clusters(200, 1);
/** 6 batches of 32 and a last one of 8. */
const uneven = batches(x, y, 32);
const crossEntropy = (o: nb.Tensor, t: nb.Tensor): nb.Tensor => nb.F.crossEntropy(o, t);

/** The total 2-norm of the model's gradients. */
function gradNorm(m: nn.Module): number {
  return Math.sqrt([...m.parameters()].reduce((s, p) => s + (p.grad === null ? 0 : p.grad.pow(2).sum().item()), 0));
}

/** SGD that records the gradients' norm at each step. */
class RecordingSGD extends optim.SGD {
  norms: number[] = [];
  constructor(private readonly owner: nn.Module, lr: number) {
    super(owner.parameters(), { lr });
  }
  override step<L = undefined>(closure?: () => L): L | undefined {
    this.norms.push(gradNorm(this.owner));
    return super.step(closure);
  }
}

describe('fit options', () => {
  test('the epoch loss and metrics are averaged per sample, with an uneven last batch', async () => {
    assert.equal(uneven.at(-1)![0].shape[0], 8);
    const m = model();
    const history = await train.fit(m, {
      train: uneven,
      loss: crossEntropy,
      optimizer: new optim.SGD(m.parameters(), { lr: 0 }), // nothing changes, so the epoch equals one pass
      metrics: { accuracy: 'accuracy' },
      verbose: 0,
    });
    const whole = nb.noGrad(() => m.forward(x));
    assert.ok(Math.abs(history.get('loss')[0]! - crossEntropy(whole, y).item()) < 1e-6, 'per-sample mean of the loss');
    assert.ok(Math.abs(history.get('accuracy')[0]! - nb.metrics.accuracy(whole, y)) < 1e-9, 'per-sample mean of the accuracy');
  });

  test('clipGradNorm clips the gradients before every step', async () => {
    for (const clip of [undefined, 0.05]) {
      const m = model();
      const opt = new RecordingSGD(m, 0.1);
      await train.fit(m, { train: uneven, loss: crossEntropy, optimizer: opt, epochs: 1, verbose: 0, ...(clip === undefined ? {} : { clipGradNorm: clip }) });
      assert.equal(opt.norms.length, uneven.length);
      if (clip === undefined) assert.ok(Math.max(...opt.norms) > 0.2, `unclipped norms ${opt.norms}`);
      else assert.ok(opt.norms.every((n) => n <= clip * (1 + 1e-5)), `norms after clipping to ${clip}: ${opt.norms}`);
    }
  });

  test('the scheduler steps once per epoch, or once per batch with schedulerInterval batch', async () => {
    for (const interval of ['epoch', 'batch'] as const) {
      const m = model();
      const opt = new optim.SGD(m.parameters(), { lr: 1 });
      const scheduler = new optim.lrScheduler.StepLR(opt, 1, { gamma: 0.5 });
      const seen: number[] = [];
      const lrPerBatch = new (class extends train.Callback {
        override onBatchBegin(): void {
          seen.push(opt.paramGroups[0]!.lr);
        }
      })();
      const history = await train.fit(m, { train: uneven, loss: crossEntropy, optimizer: opt, epochs: 2, scheduler, schedulerInterval: interval, callbacks: [lrPerBatch], verbose: 0 });
      const steps = uneven.length;
      if (interval === 'epoch') {
        assert.deepEqual(seen, [...Array<number>(steps).fill(1), ...Array<number>(steps).fill(0.5)]);
        assert.deepEqual(history.get('lr'), [1, 0.5], 'lr logged as used during each epoch');
      } else {
        assert.deepEqual(seen, Array.from({ length: 2 * steps }, (_, i) => 0.5 ** i));
      }
    }
  });

  test('lossWeights weigh each output in the loss that is minimised', async () => {
    nb.manualSeed(0);
    const m = new TwoHeads();
    const before = m.a.weight.clone();
    const data: train.Batch[] = uneven.map(([bx, by]) => [bx, [by, bx.sum(1, true)]]);
    await train.fit(m, {
      train: data,
      loss: [crossEntropy, (o, t) => nb.F.mseLoss(o, t)],
      lossWeights: [0, 1],
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      verbose: 0,
    });
    assert.deepEqual(m.a.weight.toArray(), before.toArray(), 'a head weighted 0 gets no gradient');
    await assert.rejects(
      train.fit(m, { train: data, loss: [crossEntropy, (o, t) => nb.F.mseLoss(o, t)], lossWeights: [1], optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), verbose: 0 }),
      /lossWeights has 1 entries for 2 outputs/,
    );
  });

  test('an already aborted signal trains nothing', async () => {
    const m = model();
    const before = m.stateDict()['0.weight']!.clone();
    const controller = new AbortController();
    controller.abort();
    const history = await train.fit(m, { train: uneven, loss: crossEntropy, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 3, signal: controller.signal, verbose: 0 });
    assert.equal(history.epochs.length, 0);
    assert.equal(history.stopReason, 'aborted');
    assert.deepEqual(m.stateDict()['0.weight']!.toArray(), before.toArray());
  });

  test('validation runs in eval mode without gradients, after the epoch trains', async () => {
    const modes: string[] = [];
    class Probe extends nn.Module {
      inner = model();
      forward(input: nb.Tensor): nb.Tensor {
        modes.push(`${this.training ? 'train' : 'eval'}:${nb.isGradEnabled() ? 'grad' : 'nograd'}:${input.shape[0]}`);
        return this.inner.forward(input);
      }
    }
    const m = new Probe();
    const [vx, vy] = clusters(50, 2);
    const history = await train.fit(m, { train: uneven, validation: [[vx, vy]], loss: crossEntropy, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), verbose: 0 });
    assert.deepEqual(modes, [...uneven.map(([b]) => `train:grad:${b.shape[0]}`), 'eval:nograd:50']);
    assert.equal(m.training, true, 'back in training mode afterwards');
    const expected = nb.noGrad(() => crossEntropy(m.forward(vx), vy).item());
    assert.ok(Math.abs(history.get('val_loss')[0]! - expected) < 1e-6);
  });

  test('callbacks are called in order: train, epochs, batches, each list in its given order', async () => {
    const calls: string[] = [];
    const recorder = (name: string): train.Callback =>
      new (class extends train.Callback {
        override onTrainBegin(): void {
          calls.push(`${name}.trainBegin`);
        }
        override onEpochBegin(e: number): void {
          calls.push(`${name}.epochBegin${e}`);
        }
        override onBatchBegin(b: number): void {
          calls.push(`${name}.batchBegin${b}`);
        }
        override onBatchEnd(b: number): void {
          calls.push(`${name}.batchEnd${b}`);
        }
        override onEpochEnd(e: number): void {
          calls.push(`${name}.epochEnd${e}`);
        }
        override onTrainEnd(): void {
          calls.push(`${name}.trainEnd`);
        }
      })();
    const m = model();
    await train.fit(m, { train: uneven.slice(0, 2), loss: crossEntropy, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), epochs: 2, callbacks: [recorder('a'), recorder('b')], verbose: 0 });
    const both = (event: string): string[] => [`a.${event}`, `b.${event}`];
    const epoch = (e: number): string[] => [
      ...both(`epochBegin${e}`), ...both('batchBegin0'), ...both('batchEnd0'), ...both('batchBegin1'), ...both('batchEnd1'), ...both(`epochEnd${e}`),
    ];
    assert.deepEqual(calls, [...both('trainBegin'), ...epoch(0), ...epoch(1), ...both('trainEnd')]);
  });
});

describe('EarlyStopping options', () => {
  /** Runs fit for up to `values.length` epochs with `monitor` reported as `values`, one per epoch. */
  async function run(values: number[], options: train.EarlyStoppingOptions): Promise<{ stopper: train.EarlyStopping; epochs: number; weights: nb.Tensor[]; final: nb.Tensor }> {
    const m = model();
    const monitor = options.monitor ?? 'val_loss';
    const weights: nb.Tensor[] = [];
    let epoch = 0;
    const reporter = new (class extends train.Callback {
      override onEpochEnd(_e: number, logs: train.Logs): void {
        logs[monitor] = values[epoch++]!;
        weights.push(m.stateDict()['0.weight']!.clone());
      }
    })();
    const stopper = new train.EarlyStopping(options);
    const history = await train.fit(m, {
      train: uneven,
      loss: crossEntropy,
      optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }),
      epochs: values.length,
      callbacks: [reporter, stopper],
      verbose: 0,
    });
    return { stopper, epochs: history.epochs.length, weights, final: m.stateDict()['0.weight']!.clone() };
  }

  test('minDelta: smaller improvements do not count', async () => {
    const slow = [5, 4.95, 4.9, 4.85, 4.8, 4.75];
    assert.equal((await run(slow, { patience: 2 })).epochs, 6, 'every step improves without minDelta');
    const { stopper, epochs } = await run(slow, { patience: 2, minDelta: 0.1 });
    assert.equal(epochs, 3);
    assert.equal(stopper.stoppedEpoch, 2);
    assert.equal(stopper.bestEpoch, 0);
  });

  test('patience: epochs without improvement before stopping', async () => {
    const flat = [3, 2, 2.5, 2.5, 2.5, 2.5, 2.5];
    for (const patience of [1, 3]) {
      const { stopper } = await run(flat, { patience });
      assert.equal(stopper.stoppedEpoch, 1 + patience, `patience ${patience}`);
    }
  });

  test("mode: 'max' and 'auto' watch accuracy-like quantities for increase", async () => {
    const rising = [0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.8];
    for (const mode of ['max', 'auto'] as const) {
      const { stopper } = await run(rising, { monitor: 'val_accuracy', mode, patience: 2 });
      assert.equal(stopper.bestEpoch, 2, `mode ${mode}`);
      assert.equal(stopper.stoppedEpoch, 4, `mode ${mode}`);
    }
    const { stopper } = await run(rising, { monitor: 'val_accuracy', mode: 'min', patience: 2 });
    assert.equal(stopper.bestEpoch, 0);
    assert.equal(stopper.stoppedEpoch, 2);
  });

  test('restoreBestWeights puts back the best epoch weights; without it the last ones stay', async () => {
    const values = [5, 4, 3, 3.5, 3.6, 3.7];
    const restored = await run(values, { patience: 2, restoreBestWeights: true });
    assert.deepEqual(restored.final.toArray(), restored.weights[2]!.toArray());
    const kept = await run(values, { patience: 2 });
    assert.deepEqual(kept.final.toArray(), kept.weights.at(-1)!.toArray());
    assert.notDeepEqual(kept.final.toArray(), kept.weights[2]!.toArray());
  });
});
