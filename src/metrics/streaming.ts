/**
 * Streaming metrics: update(preds, target) per batch, compute() at the end of an epoch,
 * reset() before the next (the StreamingMetric interface fit() accepts). Each accumulates
 * exactly what its functional twin needs, so compute() equals the functional metric over all
 * batches at once.
 */
import { Tensor } from '../tensor/tensor.js';
import {
  CLASS_COUNT_SPEC,
  classCounts,
  fromConfusion,
  normalizeMatrix,
  NORMALIZE_SPEC,
  RATIO_SPEC,
  type ClassCounts,
  type ClassMetricOptions,
  type ConfusionMatrixOptions,
  type RatioKind,
} from './classification.js';
import { flat, predictedLabels, PREDICTION_SPEC, scoreMatrix, targetLabels, type PredictionOptions, type Values } from './inputs.js';
import { averagePrecision, CURVE_SPEC, rocAuc, type BinaryCurveOptions, type MultiClassOptions } from './ranking.js';
import { checkR2Options, R2_SPEC, r2FromSums, type R2Multioutput, type R2ScoreOptions } from './regression.js';
import { PERPLEXITY_SPEC, tokenNll, type PerplexityOptions } from './text.js';
import { shapeStr } from '../tensor/shape.js';
import { num, parseOptions, type Spec } from '../ops/args.js';

export interface Metric<R = number> {
  update(preds: Values, target: Values): void;
  compute(): R;
  reset(): void;
}

/** Fraction of correct predictions (any prediction form; see metrics.accuracy). */
export class Accuracy implements Metric {
  private correct = 0;
  private total = 0;

  constructor(private readonly options: PredictionOptions = {}, ...extra: []) {
    parseOptions('metrics.Accuracy', options, PREDICTION_SPEC, extra);
  }

  update(preds: Values, target: Values): void {
    const actual = targetLabels('Accuracy', target);
    const predicted = predictedLabels('Accuracy', preds, actual.length, this.options);
    for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) this.correct++;
    this.total += actual.length;
  }

  compute(): number {
    if (this.total === 0) throw new Error('Accuracy.compute: no samples seen; call update() first');
    return this.correct / this.total;
  }

  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
}

/** Fraction of samples whose target is among the k highest of [N, C] scores. */
export class TopKAccuracy implements Metric {
  private hits = 0;
  private total = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`TopKAccuracy: k must be a positive integer, got ${k}`);
  }

  update(scores: Values, target: Values): void {
    const actual = targetLabels('TopKAccuracy', target);
    const { values, classes } = scoreMatrix('TopKAccuracy', scores, actual.length);
    actual.forEach((y, i) => {
      if (y >= classes) throw new Error(`TopKAccuracy: target ${y} at index ${i} is not a column of scores with ${classes} classes`);
      let above = 0;
      for (let j = 0; j < classes; j++) if (values[i * classes + j]! > values[i * classes + y]!) above++;
      if (above < this.k) this.hits++;
    });
    this.total += actual.length;
  }

  compute(): number {
    if (this.total === 0) throw new Error('TopKAccuracy.compute: no samples seen; call update() first');
    return this.hits / this.total;
  }

  reset(): void {
    this.hits = 0;
    this.total = 0;
  }
}

/** Confusion counts that grow when larger labels appear, unless the number of classes is fixed. */
class ConfusionCounter {
  private counts: number[][] = [];

  constructor(
    private readonly name: string,
    private readonly numClasses: number | undefined,
    private readonly prediction: PredictionOptions,
  ) {
    this.reset();
  }

  private grow(k: number): void {
    while (this.counts.length < k) this.counts.push([]);
    for (const row of this.counts) while (row.length < k) row.push(0);
  }

  update(preds: Values, target: Values): void {
    const op = this.name;
    const actual = targetLabels(op, target);
    const predicted = predictedLabels(op, preds, actual.length, this.prediction);
    const p = flat(op, preds, 'preds');
    let hi = p.shape.length === 2 && p.shape[1]! > 1 ? p.shape[1]! - 1 : 1;
    for (let i = 0; i < actual.length; i++) hi = Math.max(hi, actual[i]!, predicted[i]!);
    if (this.numClasses !== undefined && hi >= this.numClasses) {
      throw new Error(`${op}: found class label ${hi} but numClasses is ${this.numClasses}`);
    }
    this.grow(hi + 1);
    for (let i = 0; i < actual.length; i++) this.counts[actual[i]!]![predicted[i]!]! += 1;
  }

  matrix(): number[][] {
    if (this.counts.every((row) => row.every((v) => v === 0))) {
      throw new Error(`${this.name}.compute: no samples seen; call update() first`);
    }
    return this.counts.map((row) => [...row]);
  }

  reset(): void {
    this.counts = [];
    this.grow(this.numClasses ?? 0);
  }
}

/** Accumulates a confusion matrix (rows: true class, columns: predicted), normalized on request. */
export class ConfusionMatrix implements Metric<number[][]> {
  private readonly counter: ConfusionCounter;

  constructor(private readonly options: Omit<ConfusionMatrixOptions, 'sampleWeight'> = {}, ...extra: []) {
    parseOptions('metrics.ConfusionMatrix', options, { ...CLASS_COUNT_SPEC, ...NORMALIZE_SPEC }, extra);
    this.counter = new ConfusionCounter('ConfusionMatrix', options.numClasses, options);
  }

  update(preds: Values, target: Values): void {
    this.counter.update(preds, target);
  }

  compute(): number[][] {
    return normalizeMatrix(this.counter.matrix(), this.options.normalize);
  }

  reset(): void {
    this.counter.reset();
  }
}

/** A ratio metric (precision, recall, ...) over the accumulated confusion matrix. */
abstract class RatioMetric implements Metric {
  protected abstract readonly kind: RatioKind;
  protected beta = 1;
  private readonly counter: ConfusionCounter;
  /** The options the subclass takes. */
  protected static readonly spec: Spec = RATIO_SPEC;

  constructor(protected readonly options: Omit<ClassMetricOptions, 'sampleWeight'> = {}, ...extra: []) {
    parseOptions(`metrics.${new.target.name}`, options, (new.target as unknown as typeof RatioMetric).spec, extra);
    this.counter = new ConfusionCounter(this.constructor.name, options.numClasses, options);
    if (options.average === 'none') {
      throw new Error(`${this.constructor.name}: average 'none' gives one value per class; use computePerClass() with another average`);
    }
  }

  update(preds: Values, target: Values): void {
    this.counter.update(preds, target);
  }

  compute(): number {
    return fromConfusion(this.constructor.name, this.kind, this.counter.matrix(), this.options, this.beta) as number;
  }

  /** The metric of every class. */
  computePerClass(): number[] {
    return fromConfusion(this.constructor.name, this.kind, this.counter.matrix(), { ...this.options, average: 'none' }, this.beta) as number[];
  }

  /** Per-class true/false positives/negatives and support so far. */
  counts(): ClassCounts {
    return classCounts(this.counter.matrix());
  }

  reset(): void {
    this.counter.reset();
  }
}

export class Precision extends RatioMetric {
  protected readonly kind = 'precision';
}
export class Recall extends RatioMetric {
  protected readonly kind = 'recall';
}
export class Specificity extends RatioMetric {
  protected readonly kind = 'specificity';
}
export class FalsePositiveRate extends RatioMetric {
  protected readonly kind = 'fpr';
}
export class FalseNegativeRate extends RatioMetric {
  protected readonly kind = 'fnr';
}
export class F1Score extends RatioMetric {
  protected readonly kind = 'fbeta';
}
export class FBetaScore extends RatioMetric {
  protected readonly kind = 'fbeta';
  protected static override readonly spec: Spec = { ...RATIO_SPEC, beta: num };

  constructor(options: Omit<ClassMetricOptions, 'sampleWeight'> & { beta: number }, ...extra: []) {
    super(options, ...extra);
    if (!(options.beta > 0) || !Number.isFinite(options.beta)) throw new Error(`FBetaScore: beta must be a positive number, got ${options.beta}`);
    this.beta = options.beta;
  }
}

/** Keeps every score and label, for metrics that need them all at once (ROC AUC, average precision). */
abstract class ScoreCollector implements Metric {
  private scores: number[] = [];
  private labels: number[] = [];
  private columns: number | null = null;

  update(scores: Values, target: Values): void {
    const op = this.constructor.name;
    const actual = targetLabels(op, target);
    const { values, classes } = scoreMatrix(op, scores, actual.length);
    if (this.columns !== null && classes !== this.columns) {
      throw new Error(`${op}: scores had ${this.columns} column(s) in earlier batches but ${classes} now`);
    }
    this.columns = classes;
    for (const v of values) this.scores.push(v);
    for (const y of actual) this.labels.push(y);
  }

  protected collected(): { scores: number[] | Tensor; labels: number[] } {
    if (this.columns === null || this.labels.length === 0) throw new Error(`${this.constructor.name}.compute: no samples seen; call update() first`);
    const scores = this.columns === 1 ? this.scores : Tensor.fromData(Float64Array.from(this.scores), [this.labels.length, this.columns], 'float64');
    return { scores, labels: this.labels };
  }

  abstract compute(): number;

  reset(): void {
    this.scores = [];
    this.labels = [];
    this.columns = null;
  }
}

/** Area under the ROC curve over all batches (binary [N] scores or one-vs-rest [N, C]). */
export class AUROC extends ScoreCollector {
  constructor(private readonly options: BinaryCurveOptions & MultiClassOptions = {}, ...extra: []) {
    super();
    parseOptions('metrics.AUROC', options, CURVE_SPEC, extra);
  }

  compute(): number {
    const { scores, labels } = this.collected();
    return rocAuc(scores, labels, this.options);
  }
}

/** Average precision over all batches (binary [N] scores or one-vs-rest [N, C]). */
export class AveragePrecision extends ScoreCollector {
  constructor(private readonly options: BinaryCurveOptions & MultiClassOptions = {}, ...extra: []) {
    super();
    parseOptions('metrics.AveragePrecision', options, CURVE_SPEC, extra);
  }

  compute(): number {
    const { scores, labels } = this.collected();
    return averagePrecision(scores, labels, this.options);
  }
}

/** Running sums for regression metrics over [N] or [N, outputs] batches. */
abstract class RegressionMetric implements Metric {
  protected n = 0;
  protected outputs: number | null = null;
  protected sumSq = 0;
  protected sumAbs = 0;
  protected count = 0;
  /** Per output: running mean and M2 of the target (Chan et al.'s parallel update), and residual sum of squares. */
  protected mean: number[] = [];
  protected m2: number[] = [];
  protected ssRes: number[] = [];

  update(preds: Values, target: Values): void {
    const op = this.constructor.name;
    const p = flat(op, preds, 'preds');
    const t = flat(op, target, 'target');
    if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i]) || p.shape.length > 2 || p.shape.length === 0) {
      throw new Error(`${op}: preds ${shapeStr(p.shape)} and target ${shapeStr(t.shape)} must have the same shape, [N] or [N, outputs]`);
    }
    const outputs = p.shape.length === 2 ? p.shape[1]! : 1;
    if (this.outputs !== null && outputs !== this.outputs) throw new Error(`${op}: batches had ${this.outputs} output(s) before but ${outputs} now`);
    if (this.outputs === null) {
      this.outputs = outputs;
      this.mean = new Array<number>(outputs).fill(0);
      this.m2 = new Array<number>(outputs).fill(0);
      this.ssRes = new Array<number>(outputs).fill(0);
    }
    const rows = p.values.length / outputs;
    for (let j = 0; j < outputs; j++) {
      // Sum, then divide: a constant target's mean is exact, so its M2 stays exactly 0 (R² of a constant).
      let batchMean = 0;
      for (let i = 0; i < rows; i++) batchMean += t.values[i * outputs + j]!;
      batchMean /= rows;
      let batchM2 = 0;
      for (let i = 0; i < rows; i++) {
        const y = t.values[i * outputs + j]!;
        const r = y - p.values[i * outputs + j]!;
        batchM2 += (y - batchMean) ** 2;
        this.ssRes[j]! += r * r;
        this.sumSq += r * r;
        this.sumAbs += Math.abs(r);
      }
      const total = this.n + rows;
      if (total > 0) {
        const delta = batchMean - this.mean[j]!;
        this.m2[j]! += batchM2 + (delta * delta * this.n * rows) / total;
        this.mean[j]! += (delta * rows) / total;
      }
    }
    this.n += rows;
    this.count += p.values.length;
  }

  protected check(): void {
    if (this.count === 0) throw new Error(`${this.constructor.name}.compute: no samples seen; call update() first`);
  }

  abstract compute(): number;

  reset(): void {
    this.n = 0;
    this.outputs = null;
    this.sumSq = 0;
    this.sumAbs = 0;
    this.count = 0;
    this.mean = [];
    this.m2 = [];
    this.ssRes = [];
  }
}

export class MeanSquaredError extends RegressionMetric {
  compute(): number {
    this.check();
    return this.sumSq / this.count;
  }
}

export class MeanAbsoluteError extends RegressionMetric {
  compute(): number {
    this.check();
    return this.sumAbs / this.count;
  }
}

/**
 * R² over all batches (sklearn.metrics.r2_score), combining outputs as `multioutput` says
 * (default 'uniform_average'). For one score per output use computePerOutput(): compute() gives
 * the single number fit() reads, so 'raw_values' is rejected here.
 */
export class R2Score extends RegressionMetric {
  constructor(private readonly options: R2ScoreOptions & { multioutput?: Exclude<R2Multioutput, 'raw_values'> } = {}, ...extra: []) {
    super();
    parseOptions('metrics.R2Score', options, R2_SPEC, extra);
    checkR2Options('R2Score', options);
    if ((options.multioutput as R2Multioutput | undefined) === 'raw_values') {
      throw new Error("R2Score: multioutput 'raw_values' gives one value per output; use computePerOutput() with another multioutput");
    }
  }

  override update(preds: Values, target: Values): void {
    super.update(preds, target);
    // Custom weights must match the outputs: say so at the first batch, not after an epoch.
    checkR2Options('R2Score', this.options, this.outputs ?? undefined);
  }

  compute(): number {
    return this.scores(this.options) as number;
  }

  /** One R² per output (multioutput 'raw_values'). */
  computePerOutput(): number[] {
    return this.scores({ ...this.options, multioutput: 'raw_values' }) as number[];
  }

  private scores(options: R2ScoreOptions): number | number[] {
    this.check();
    if (this.n < 2) throw new Error(`R2Score.compute: R² is not defined for fewer than two samples, got ${this.n}`);
    checkR2Options('R2Score', options, this.outputs ?? undefined);
    return r2FromSums(this.m2, this.ssRes, options);
  }
}

/** exp(mean token cross-entropy) over all batches of logits [..., V] and token ids [...]. */
export class Perplexity {
  private sum = 0;
  private count = 0;

  constructor(private readonly options: PerplexityOptions = {}, ...extra: []) {
    parseOptions('metrics.Perplexity', options, PERPLEXITY_SPEC, extra);
  }

  update(logits: Tensor, target: Tensor): void {
    const { sum, count } = tokenNll(logits, target, this.options);
    this.sum += sum;
    this.count += count;
  }

  compute(): number {
    if (this.count === 0) throw new Error('Perplexity.compute: no tokens seen; call update() first');
    return Math.exp(this.sum / this.count);
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
}
