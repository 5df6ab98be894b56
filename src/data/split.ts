/**
 * Train / dev / test splits in the sense of a deep-learning course: held-out dev (validation)
 * and test sets, optionally an extra "train-dev" set drawn from the training distribution to
 * tell variance from data mismatch, and a stratified option that keeps class proportions.
 */
import { Tensor } from '../tensor/tensor.js';
import { generatorFrom, permutation, SEED_SPEC, Subset, type Dataset, type SeedOptions } from './dataset.js';
import { num, parseOptions, unchecked } from '../ops/args.js';

export interface SplitOptions extends SeedOptions {
  /** Size of the dev (validation) set: a fraction of the whole in [0, 1) or a count (an integer >= 1). Default 0. */
  dev?: number;
  /** Size of the test set, as for dev. Default 0. */
  test?: number;
  /** Size of a train-dev set held out from the training data, as for dev. Default 0. */
  trainDev?: number;
  /** Class labels (one per sample): each split then keeps the class proportions of the whole. */
  stratify?: Tensor | readonly (number | string)[];
}

export interface SplitIndices {
  train: number[];
  dev: number[];
  test: number[];
  trainDev: number[];
}

export interface Splits<T> {
  train: Subset<T>;
  dev: Subset<T>;
  test: Subset<T>;
  trainDev: Subset<T>;
}

function partSize(name: string, value: number | undefined, n: number): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) throw new Error(`trainDevTestSplit: ${name} must be a non-negative number, got ${value}`);
  if (value < 1) return Math.ceil(value * n);
  if (!Number.isInteger(value)) {
    throw new Error(`trainDevTestSplit: ${name} = ${value} is neither a fraction in [0, 1) nor a whole count`);
  }
  return value;
}

/** The label of each sample as a string key, from a tensor or an array. */
function labelKeys(labels: Tensor | readonly (number | string)[]): string[] {
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1) throw new Error(`trainDevTestSplit: stratify labels must be 1-D, got shape [${labels.shape.join(', ')}]`);
    return Array.from(labels.toTypedArray(), String);
  }
  return labels.map(String);
}

/**
 * Random disjoint index sets for train, dev, test and train-dev over n samples. Train gets what
 * the others leave. With `stratify`, samples of each class are spread evenly over the splits,
 * so each split's class counts are within one of the exact proportions.
 */
/** The parts' sizes and stratify are checked where they are read, with messages naming the part. */
const SPLIT_SPEC = { dev: num, test: num, trainDev: num, stratify: unchecked, ...SEED_SPEC };

export function splitIndices(n: number, options: SplitOptions = {}, ...extra: []): SplitIndices {
  parseOptions('splitIndices', options, SPLIT_SPEC, extra);
  return indicesOfSplits(n, options);
}

function indicesOfSplits(n: number, options: SplitOptions): SplitIndices {
  if (!Number.isInteger(n) || n < 0) throw new Error(`trainDevTestSplit: number of samples must be a non-negative integer, got ${n}`);
  const sizes = {
    test: partSize('test', options.test, n),
    dev: partSize('dev', options.dev, n),
    trainDev: partSize('trainDev', options.trainDev, n),
  };
  const heldOut = sizes.test + sizes.dev + sizes.trainDev;
  if (heldOut > n) {
    throw new Error(
      `trainDevTestSplit: test (${sizes.test}) + dev (${sizes.dev}) + trainDev (${sizes.trainDev}) = ${heldOut} samples ` +
        `but the dataset has only ${n}`,
    );
  }
  const generator = generatorFrom(options);
  let order = permutation(n, generator);
  if (options.stratify !== undefined) {
    const keys = labelKeys(options.stratify);
    if (keys.length !== n) {
      throw new Error(`trainDevTestSplit: stratify has ${keys.length} labels but the dataset has ${n} samples`);
    }
    // Rank each sample within its class (in random order), then order all samples by rank / class
    // size: every prefix of that order holds each class in proportion, so cutting it into
    // consecutive parts stratifies them.
    const seen = new Map<string, number>();
    const classSize = new Map<string, number>();
    for (const k of keys) classSize.set(k, (classSize.get(k) ?? 0) + 1);
    const position = new Float64Array(n);
    for (const i of order) {
      const k = keys[i]!;
      const rank = seen.get(k) ?? 0;
      seen.set(k, rank + 1);
      position[i] = (rank + 0.5) / classSize.get(k)!;
    }
    const tieBreak = new Map(order.map((sample, at) => [sample, at]));
    order = [...order].sort((a, b) => position[a]! - position[b]! || tieBreak.get(a)! - tieBreak.get(b)!);
  }
  const parts: number[][] = [];
  let start = 0;
  for (const size of [sizes.test, sizes.dev, sizes.trainDev]) {
    parts.push(order.slice(start, start + size));
    start += size;
  }
  parts.push(order.slice(start));
  // Each part is shuffled again so stratified parts do not come out sorted by class position.
  const [test, dev, trainDev, train] = parts.map((p) => permutation(p.length, generator).map((j) => p[j]!)) as [
    number[],
    number[],
    number[],
    number[],
  ];
  return { train, dev, test, trainDev };
}

/**
 * Splits a dataset into train, dev, test and (optionally) train-dev subsets, e.g.
 * `trainDevTestSplit(ds, { dev: 0.1, test: 0.1, stratify: labels, seed: 0 })`.
 */
export function trainDevTestSplit<T>(dataset: Dataset<T>, options: SplitOptions = {}, ...extra: []): Splits<T> {
  parseOptions('trainDevTestSplit', options, SPLIT_SPEC, extra);
  const idx = indicesOfSplits(dataset.length, options);
  return {
    train: new Subset(dataset, idx.train),
    dev: new Subset(dataset, idx.dev),
    test: new Subset(dataset, idx.test),
    trainDev: new Subset(dataset, idx.trainDev),
  };
}
