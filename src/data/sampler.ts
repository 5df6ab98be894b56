/**
 * Samplers (the order in which a DataLoader reads a dataset) and class-imbalance helpers:
 * WeightedRandomSampler with PyTorch's semantics, class-balanced weights, and over/undersampling
 * as index lists for a Subset.
 */
import { Tensor } from '../tensor/tensor.js';
import { multinomial, tensor } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { generatorFrom, SEED_SPEC } from './dataset.js';
import type { SeedOptions } from './dataset.js';
import { checkOptionKeys, parseOptions } from '../ops/args.js';

/** What a DataLoader's `sampler` option takes: indices to read, and how many an epoch yields. */
export interface Sampler extends Iterable<number> {
  readonly length: number;
}

function weightList(op: string, weights: Tensor | readonly number[]): number[] {
  const list = weights instanceof Tensor ? (weights.ndim === 1 ? Array.from(weights.toTypedArray(), Number) : null) : Array.isArray(weights) ? [...weights] : null;
  if (list === null) throw new Error(`${op}: weights must be a 1-D tensor or an array of numbers`);
  if (list.length === 0) throw new Error(`${op}: weights is empty`);
  list.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new Error(`${op}: weights must be finite and non-negative, weights[${i}] is ${String(w)}`);
  });
  if (!list.some((w) => w > 0)) throw new Error(`${op}: every weight is 0`);
  return list;
}

/**
 * torch.utils.data.WeightedRandomSampler: each epoch draws `numSamples` indices with probability
 * proportional to `weights` (weights need not sum to 1), with replacement by default; without
 * replacement, an index appears at most once (numSamples <= the number of positive weights).
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: readonly number[];
  private readonly generator: Generator;

  constructor(
    weights: Tensor | readonly number[],
    readonly numSamples: number,
    readonly replacement = true,
    options: SeedOptions = {},
  ) {
    const op = 'WeightedRandomSampler';
    this.weights = weightList(op, weights);
    if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`${op}: numSamples must be a positive integer, got ${String(numSamples)}`);
    if (typeof replacement !== 'boolean') throw new Error(`${op}: replacement must be a boolean, got ${String(replacement)}`);
    const positive = this.weights.filter((w) => w > 0).length;
    if (!replacement && numSamples > positive) throw new Error(`${op}: cannot draw ${numSamples} samples without replacement from ${positive} indices with a positive weight`);
    parseOptions(op, options, SEED_SPEC);
    this.generator = generatorFrom(options);
  }

  get length(): number {
    return this.numSamples;
  }

  *[Symbol.iterator](): Iterator<number> {
    const drawn = multinomial(tensor(this.weights, { dtype: 'float64' }), this.numSamples, this.replacement, { generator: this.generator });
    yield* Array.from(drawn.toTypedArray(), Number);
  }
}

function labelList(op: string, labels: Tensor | readonly (number | string)[]): (number | string)[] {
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1) throw new Error(`${op}: labels must be 1-D, got shape [${labels.shape.join(', ')}]`);
    return Array.from(labels.toTypedArray(), Number);
  }
  if (!Array.isArray(labels)) throw new Error(`${op}: labels must be a 1-D tensor or an array`);
  return [...labels];
}

function indicesByClass(labels: readonly (number | string)[]): Map<number | string, number[]> {
  const byClass = new Map<number | string, number[]>();
  labels.forEach((y, i) => byClass.set(y, [...(byClass.get(y) ?? []), i]));
  return byClass;
}

/** Per-sample weights 1 / (count of its class): with WeightedRandomSampler, every class is drawn equally often. */
export function classBalancedWeights(labels: Tensor | readonly (number | string)[]): number[] {
  const list = labelList('classBalancedWeights', labels);
  const counts = new Map<number | string, number>();
  for (const y of list) counts.set(y, (counts.get(y) ?? 0) + 1);
  return list.map((y) => 1 / counts.get(y)!);
}

/**
 * Per-class weights n_samples / (n_classes * count of the class), scikit-learn's
 * compute_class_weight('balanced'): Keras's class_weight, or the `weight` of F.crossEntropy. Labels
 * are class indices 0..numClasses-1 (numClasses defaults to the largest label + 1); a class with no
 * sample is an error, as in scikit-learn.
 */
export function classWeights(labels: Tensor | readonly number[], options: { numClasses?: number } = {}): Tensor {
  checkOptionKeys('classWeights', options, ['numClasses']);
  const list = labelList('classWeights', labels);
  if (list.length === 0) throw new Error('classWeights: labels are empty');
  for (const y of list) {
    if (typeof y !== 'number' || !Number.isSafeInteger(y) || y < 0) throw new Error(`classWeights: labels must be class indices (non-negative integers), got ${String(y)}`);
  }
  const largest = Math.max(...(list as number[]));
  const numClasses = options.numClasses ?? largest + 1;
  if (!Number.isSafeInteger(numClasses) || numClasses <= largest) {
    throw new Error(`classWeights: numClasses must be an integer above the largest label ${largest}, got ${String(options.numClasses)}`);
  }
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of list as number[]) counts[y]! += 1;
  const missing = counts.findIndex((c) => c === 0);
  if (missing >= 0) throw new Error(`classWeights: class ${missing} has no sample, so its weight is undefined`);
  return tensor(counts.map((c) => list.length / (numClasses * c)), { dtype: 'float32' });
}

/**
 * Random oversampling: indices (for a Subset) holding every sample once plus random repeats of
 * each smaller class until every class has as many as the largest. Sorted by index.
 */
export function oversample(labels: Tensor | readonly (number | string)[], options: SeedOptions = {}): number[] {
  parseOptions('oversample', options, SEED_SPEC);
  const rng = generatorFrom(options);
  const byClass = indicesByClass(labelList('oversample', labels));
  const target = Math.max(0, ...[...byClass.values()].map((v) => v.length));
  const out: number[] = [];
  for (const members of byClass.values()) {
    out.push(...members);
    for (let k = members.length; k < target; k++) out.push(members[Math.floor(rng.nextDouble() * members.length)]!);
  }
  return out.sort((a, b) => a - b);
}

/** Random undersampling: indices (for a Subset) of a random subset of each class, as many as the smallest class has. Sorted. */
export function undersample(labels: Tensor | readonly (number | string)[], options: SeedOptions = {}): number[] {
  parseOptions('undersample', options, SEED_SPEC);
  const rng = generatorFrom(options);
  const byClass = indicesByClass(labelList('undersample', labels));
  const target = Math.min(...[...byClass.values()].map((v) => v.length));
  const out: number[] = [];
  for (const members of byClass.values()) {
    const pool = [...members];
    // A partial Fisher-Yates shuffle picks `target` of them uniformly.
    for (let k = 0; k < target; k++) {
      const j = k + Math.floor(rng.nextDouble() * (pool.length - k));
      [pool[k], pool[j]] = [pool[j]!, pool[k]!];
      out.push(pool[k]!);
    }
  }
  return out.sort((a, b) => a - b);
}
