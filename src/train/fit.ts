/**
 * The training loop as a function: fit(), evaluate() and predict() over batches of
 * [input, target], with losses, metrics, callbacks, a learning-rate scheduler, gradient clipping
 * and multi-output models with loss weights. The explicit loop (forward, loss, backward, step)
 * stays first-class; this is that loop with the bookkeeping done.
 */
import { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clipGradNorm } from '../optim/clip.js';
import { noGrad } from '../autograd/grad-mode.js';
import { accuracy } from '../metrics/classification.js';
import { cat } from '../ops/join.js';
import { check, describe, keysSpec, parseOptions, requireOptions } from '../ops/args.js';
import { Callback, type Logs, type TrainingContext } from './callback.js';
import { History } from './history.js';
import { ProgressBar } from './progress.js';

/** An input or target: one tensor, or one per model input/output. */
export type TensorOrList = Tensor | readonly Tensor[];
export type Batch = readonly [TensorOrList, TensorOrList];
export type Batches<B> = Iterable<B> | AsyncIterable<B>;

export type LossFn = (output: Tensor, target: Tensor) => Tensor;
/** A metric computed per batch and averaged over the epoch weighted by batch size. */
export type MetricFn = (output: Tensor, target: Tensor) => number;
/** A metric that accumulates over batches and is computed once per epoch (AUC, F1, ...). */
export interface StreamingMetric {
  update(output: Tensor, target: Tensor): void;
  compute(): number;
  reset(): void;
}
/** 'accuracy': metrics.accuracy (argmax of [N, C] scores, or thresholded binary scores, against class labels). */
export type MetricSpec = 'accuracy' | MetricFn | StreamingMetric;

/** A learning-rate scheduler (optim.lrScheduler.*) or anything with step(). */
export interface Scheduler {
  step(): void;
}

export interface FitOptions {
  train: Batches<Batch>;
  validation?: Batches<Batch>;
  /** One loss, or one per model output (with lossWeights to weigh them). */
  loss: LossFn | readonly LossFn[];
  lossWeights?: readonly number[];
  optimizer: Optimizer;
  epochs?: number;
  /** Metrics by name (computed on the first output of a multi-output model). */
  metrics?: Record<string, MetricSpec>;
  callbacks?: readonly Callback[];
  scheduler?: Scheduler;
  /** Step the scheduler after every batch (OneCycleLR) instead of every epoch. */
  schedulerInterval?: 'epoch' | 'batch';
  /** Clip the gradients' total 2-norm to this before every step. */
  clipGradNorm?: number;
  /** Stops training after the current batch when aborted. */
  signal?: AbortSignal;
  /** 0: silent; 1: a progress bar (the default; one line per epoch when not on a terminal). */
  verbose?: 0 | 1;
  /** Also keep per-batch loss and metrics in the History. */
  recordBatches?: boolean;
  /**
   * Batches per epoch (Keras's steps_per_epoch). Without it an epoch is one pass over `train`.
   * With it, batches come from one iterator kept across epochs, so an epoch continues where the
   * previous one stopped; when a pass ends mid-epoch the next pass starts (a DataLoader reshuffles,
   * as Keras's ImageDataGenerator.flow loops forever). If `train` gives no more batches (a spent
   * generator), training stops with a warning and the reason in History.stopReason, as Keras does.
   */
  stepsPerEpoch?: number;
  /** At most this many validation batches per epoch, from a new pass over `validation` (Keras's validation_steps). */
  validationSteps?: number;
}

export interface EvaluateOptions {
  loss?: LossFn | readonly LossFn[];
  lossWeights?: readonly number[];
  metrics?: Record<string, MetricSpec>;
  /** At most this many batches (Keras's steps); default: the whole pass. */
  steps?: number;
}

const positiveInt = check<number>('a positive integer', (v) => Number.isSafeInteger(v) && (v as number) > 0);
const FIT_SPEC = {
  ...keysSpec(['train', 'validation', 'loss', 'lossWeights', 'optimizer', 'epochs', 'metrics', 'callbacks', 'scheduler', 'schedulerInterval', 'clipGradNorm', 'signal', 'verbose', 'recordBatches']),
  stepsPerEpoch: positiveInt,
  validationSteps: positiveInt,
};
const EVALUATE_SPEC = { ...keysSpec(['loss', 'lossWeights', 'metrics']), steps: positiveInt };

function asList(x: TensorOrList): Tensor[] {
  return x instanceof Tensor ? [x] : [...x];
}

function sizeOf(x: TensorOrList): number {
  return asList(x)[0]?.shape[0] ?? 1;
}

function forward(model: Module, input: TensorOrList): Tensor[] {
  const out = (model.forward as (...xs: Tensor[]) => unknown)(...asList(input));
  if (out instanceof Tensor) return [out];
  if (Array.isArray(out) && out.every((o) => o instanceof Tensor)) return out as Tensor[];
  throw new Error('fit: the model must return a Tensor or an array of Tensors (one per output)');
}

/** The weighted total loss and, for several outputs, each output's own loss. */
function computeLoss(
  loss: LossFn | readonly LossFn[],
  weights: readonly number[] | undefined,
  outputs: Tensor[],
  targets: Tensor[],
): { total: Tensor; parts: number[] } {
  const fns = typeof loss === 'function' ? outputs.map(() => loss) : loss;
  if (fns.length !== outputs.length || targets.length !== outputs.length) {
    throw new Error(
      `fit: the model gave ${outputs.length} output(s) for ${targets.length} target(s) and ${fns.length} loss function(s); ` +
        'give one target and one loss per output (or one loss for all)',
    );
  }
  if (weights !== undefined && weights.length !== outputs.length) {
    throw new Error(`fit: lossWeights has ${weights.length} entries for ${outputs.length} outputs`);
  }
  let total: Tensor | null = null;
  const parts: number[] = [];
  outputs.forEach((o, i) => {
    const l = fns[i]!(o, targets[i]!);
    if (!(l instanceof Tensor) || l.numel() !== 1) {
      throw new Error(`fit: the loss for output ${i} must return a scalar Tensor (use reduction 'mean' or 'sum')`);
    }
    if (outputs.length > 1) parts.push(l.item());
    const weighted = weights === undefined ? l : l.mul(weights[i]!);
    total = total === null ? weighted : total.add(weighted);
  });
  return { total: total!, parts };
}

/** Per-epoch accumulation of losses and metrics. */
class EpochMeter {
  private sums = new Map<string, number>();
  private count = 0;

  constructor(private readonly metrics: Record<string, MetricSpec>) {
    for (const spec of Object.values(metrics)) if (typeof spec === 'object') spec.reset();
  }

  add(size: number, values: Logs, outputs: Tensor[], targets: Tensor[]): Logs {
    this.count += size;
    const batchLogs: Logs = { ...values };
    noGrad(() => {
      for (const [name, spec] of Object.entries(this.metrics)) {
        if (typeof spec === 'object') spec.update(outputs[0]!, targets[0]!);
        else batchLogs[name] = (spec === 'accuracy' ? accuracy : spec)(outputs[0]!, targets[0]!);
      }
    });
    for (const [k, v] of Object.entries(batchLogs)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * size);
    return batchLogs;
  }

  /** Running averages so far (what a progress bar shows). */
  averages(): Logs {
    const out: Logs = {};
    for (const [k, v] of this.sums) out[k] = v / Math.max(this.count, 1);
    return out;
  }

  result(): Logs {
    const out = this.averages();
    for (const [name, spec] of Object.entries(this.metrics)) if (typeof spec === 'object') out[name] = spec.compute();
    return out;
  }
}

function partLogs(parts: number[]): Logs {
  const logs: Logs = {};
  parts.forEach((p, i) => (logs[`output${i}_loss`] = p));
  return logs;
}

async function callAll(callbacks: readonly Callback[], fn: (c: Callback) => void | Promise<void>): Promise<void> {
  for (const c of callbacks) await fn(c);
}

function stepsOf(data: Batches<Batch>): number | null {
  const length = (data as { length?: unknown }).length;
  return typeof length === 'number' ? length : null;
}

function iterate<B>(data: Batches<B>): Iterator<B> | AsyncIterator<B> {
  const asyncIterator = (data as AsyncIterable<B>)[Symbol.asyncIterator];
  if (typeof asyncIterator === 'function') return asyncIterator.call(data);
  const iterator = (data as Iterable<B>)[Symbol.iterator];
  if (typeof iterator !== 'function') throw new Error('fit: train must be iterable (an array of batches, a DataLoader, a generator)');
  return iterator.call(data);
}

/** Batches drawn across epochs from one iterator, starting a new pass when a pass ends (stepsPerEpoch). */
class BatchStream<B> {
  private iterator: Iterator<B> | AsyncIterator<B> | null = null;
  /** Batches the current pass has given (a new pass that gives none means the data is spent). */
  private inPass = 0;

  constructor(private readonly data: Batches<B>) {}

  async next(): Promise<IteratorResult<B>> {
    if (this.iterator !== null) {
      const r = await this.iterator.next();
      if (!r.done) {
        this.inPass++;
        return r;
      }
      if (this.inPass === 0) return r;
    }
    this.iterator = iterate(this.data);
    this.inPass = 0;
    const r = await this.iterator.next();
    if (!r.done) this.inPass++;
    return r;
  }

  async close(): Promise<void> {
    await this.iterator?.return?.();
  }
}

/** The first `steps` batches of a pass over `data`, without drawing one more. */
async function* take<B>(data: Batches<B>, steps: number): AsyncGenerator<B> {
  let taken = 0;
  for await (const batch of data) {
    yield batch;
    if (++taken === steps) return;
  }
}

/** One epoch's batches: a pass over `data`, or `steps` batches from the stream. */
async function* epochBatches<B>(data: Batches<B>, stream: BatchStream<B> | null, steps: number, ranOut: () => void): AsyncGenerator<B> {
  if (stream === null) {
    yield* data;
    return;
  }
  for (let step = 0; step < steps; step++) {
    const r = await stream.next();
    if (r.done === true) {
      ranOut();
      return;
    }
    yield r.value;
  }
}

/** Trains `model` for some epochs and returns the History of losses and metrics. */
export async function fit(model: Module, options: FitOptions): Promise<History> {
  requireOptions('fit', options, ['train', 'loss', 'optimizer', '...']);
  const { stepsPerEpoch, validationSteps } = parseOptions('fit', options, FIT_SPEC);
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${epochs}`);
  const metrics = options.metrics ?? {};
  const history = new History(options.recordBatches ?? false);
  const callbacks = [...(options.callbacks ?? [])];
  if ((options.verbose ?? 1) === 1 && !callbacks.some((c) => c instanceof ProgressBar)) callbacks.unshift(new ProgressBar());
  let stopReason: string | null = null;
  const context: TrainingContext = {
    model,
    optimizer: options.optimizer,
    epochs,
    steps: stepsPerEpoch ?? stepsOf(options.train),
    stop: (reason) => {
      stopReason ??= reason;
    },
  };
  for (const c of callbacks) c.setContext(context);
  const aborted = (): boolean => {
    if (options.signal?.aborted === true) context.stop('aborted');
    return stopReason !== null;
  };

  const stream = stepsPerEpoch === undefined ? null : new BatchStream(options.train);
  let batchesSeen = 0;
  await callAll(callbacks, (c) => c.onTrainBegin({}));
  try {
    for (let epoch = 0; epoch < epochs && !aborted(); epoch++) {
      model.train();
      await callAll(callbacks, (c) => c.onEpochBegin(epoch, {}));
      const meter = new EpochMeter(metrics);
      let batchIndex = 0;
      const ranOut = (): void => {
        const reason =
          `fit: the training data ran out after ${batchesSeen} batches, in epoch ${epoch + 1}/${epochs} at batch ${batchIndex + 1}/${stepsPerEpoch}; ` +
          `training stopped. Give data that yields at least stepsPerEpoch * epochs = ${stepsPerEpoch! * epochs} batches (an iterable that can be iterated again, such as a DataLoader, repeats)`;
        console.warn(reason);
        context.stop(reason);
      };
      for await (const batch of epochBatches(options.train, stream, stepsPerEpoch ?? 0, ranOut)) {
        batchesSeen++;
        await callAll(callbacks, (c) => c.onBatchBegin(batchIndex, {}));
        const [input, target] = batch;
        const targets = asList(target);
        const outputs = forward(model, input);
        const { total, parts } = computeLoss(options.loss, options.lossWeights, outputs, targets);
        options.optimizer.zeroGrad();
        total.backward();
        if (options.clipGradNorm !== undefined) clipGradNorm(model.parameters(), options.clipGradNorm);
        options.optimizer.step();
        if (options.scheduler !== undefined && options.schedulerInterval === 'batch') options.scheduler.step();
        const batchLogs = meter.add(sizeOf(input), { loss: total.item(), ...partLogs(parts) }, outputs, targets);
        history.addBatch(batchLogs);
        const running = meter.averages();
        await callAll(callbacks, (c) => c.onBatchEnd(batchIndex, { ...running, batchLoss: batchLogs.loss! }));
        batchIndex++;
        if (aborted()) break;
      }
      const logs: Logs = { ...meter.result(), lr: options.optimizer.paramGroups[0]?.lr ?? NaN };
      if (options.validation !== undefined && stopReason !== 'aborted') {
        const val = await evaluate(model, options.validation, { loss: options.loss, lossWeights: options.lossWeights, metrics, ...(validationSteps === undefined ? {} : { steps: validationSteps }) });
        for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
      }
      if (options.scheduler !== undefined && options.schedulerInterval !== 'batch') options.scheduler.step();
      history.addEpoch(epoch, logs);
      await callAll(callbacks, (c) => c.onEpochEnd(epoch, logs));
    }
  } finally {
    await stream?.close();
  }
  history.stopReason = stopReason;
  await callAll(callbacks, (c) => c.onTrainEnd({}));
  return history;
}

function isBatches(data: unknown): data is Batches<Batch> {
  return typeof data === 'object' && data !== null && (Symbol.iterator in data || Symbol.asyncIterator in data);
}

/**
 * Loss and metrics of the model in eval mode over the data (no gradients). Given named splits
 * (`{ train, trainDev, dev, test }`, any names), each split is evaluated in turn and the logs come
 * back under the same names: the errors `strategy.diagnose` compares.
 */
export async function evaluate(model: Module, data: Batches<Batch>, options?: EvaluateOptions): Promise<Logs>;
export async function evaluate<K extends string>(model: Module, splits: Readonly<Record<K, Batches<Batch>>>, options?: EvaluateOptions): Promise<Record<K, Logs>>;
export async function evaluate(model: Module, data: Batches<Batch> | Readonly<Record<string, Batches<Batch>>>, options: EvaluateOptions = {}): Promise<Logs | Record<string, Logs>> {
  parseOptions('evaluate', options, EVALUATE_SPEC);
  if (isBatches(data)) return evaluateBatches(model, data, options);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError(`evaluate: data must be an iterable of [input, target] batches or an object of named splits, got ${describe(data)}`);
  }
  const names = Object.keys(data);
  if (names.length === 0) throw new TypeError('evaluate: the object of named splits is empty');
  const results: Record<string, Logs> = {};
  for (const name of names) {
    const split = (data as Record<string, unknown>)[name];
    if (!isBatches(split)) throw new TypeError(`evaluate: split '${name}' must be an iterable of [input, target] batches, got ${describe(split)}`);
    results[name] = await evaluateBatches(model, split, options);
  }
  return results;
}

async function evaluateBatches(model: Module, data: Batches<Batch>, options: EvaluateOptions): Promise<Logs> {
  const { steps } = parseOptions('evaluate', options, EVALUATE_SPEC);
  const wasTraining = model.training;
  model.eval();
  const meter = new EpochMeter(options.metrics ?? {});
  try {
    for await (const [input, target] of steps === undefined ? data : take(data, steps)) {
      const targets = asList(target);
      const { outputs, values } = noGrad(() => {
        const outs = forward(model, input);
        if (options.loss === undefined) return { outputs: outs, values: {} };
        const { total, parts } = computeLoss(options.loss, options.lossWeights, outs, targets);
        return { outputs: outs, values: { loss: total.item(), ...partLogs(parts) } };
      });
      meter.add(sizeOf(input), values, outputs, targets);
    }
  } finally {
    model.train(wasTraining);
  }
  return meter.result();
}

/**
 * The model's outputs (eval mode, no gradients) for every batch, joined along dim 0. A batch is
 * an input tensor or an [input, target] pair (a multi-input model takes [[x1, x2], target]).
 */
export async function predict(model: Module, data: Batches<Tensor | Batch>): Promise<Tensor> {
  const wasTraining = model.training;
  model.eval();
  const outputs: Tensor[] = [];
  try {
    for await (const batch of data) {
      const input = batch instanceof Tensor ? batch : batch[0];
      outputs.push(noGrad(() => forward(model, input)[0]!));
    }
  } finally {
    model.train(wasTraining);
  }
  if (outputs.length === 0) throw new Error('predict: the data gave no batches');
  return cat(outputs, 0);
}
