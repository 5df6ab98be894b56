/**
 * Datasets: anything with a length and a way to get the i-th sample (torch.utils.data.Dataset),
 * plus the standard wrappers: TensorDataset, Subset, ConcatDataset and randomSplit.
 */
import { Tensor } from '../tensor/tensor.js';
import { Generator, defaultGenerator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { indexSelect } from '../ops/indexing.js';
import { select } from '../ops/movement.js';
import { finite, instanceOf, parseOptions } from '../ops/args.js';

/** A map-style dataset: `length` samples, read by index. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
  /**
   * Optional fast path: the samples at `indices` already collated into one batch (what the
   * default collate would make of them). DataLoader uses it when no custom collate is given.
   */
  getBatch?(indices: readonly number[]): Collated<T>;
}

/** A dataset whose samples come asynchronously (read from disk, fetched, decoded); iterate with `for await`. */
export interface AsyncDataset<T> {
  readonly length: number;
  get(index: number): Promise<T>;
}

/** What the default collate makes of a list of samples of type T: tensors and numbers stacked into tensors, structure kept. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : never;

/** The options random functions of the data pipeline take: a Generator, or a seed to make one. */
export interface SeedOptions {
  generator?: Generator;
  seed?: number;
}

/** The options of every seeded function. */
export const SEED_SPEC = { generator: instanceOf(Generator), seed: finite };

export function generatorFrom(options: SeedOptions): Generator {
  if (options.generator !== undefined && options.seed !== undefined) {
    throw new Error('data: give either a generator or a seed, not both');
  }
  if (options.seed !== undefined) return new Generator(options.seed);
  return options.generator ?? defaultGenerator;
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates, as randperm). */
export function permutation(n: number, generator: Generator): number[] {
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(generator.nextDouble() * (i + 1));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return perm;
}

export function checkIndex(where: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new Error(`${where}: index ${index} is out of range for a dataset of ${length} samples (valid: 0 to ${length - 1})`);
  }
}

function indexTensor(indices: readonly number[]): Tensor {
  return Tensor.fromData(Int32Array.from(indices), [indices.length], 'int32');
}

type TensorTuple<T extends readonly Tensor[]> = { -readonly [K in keyof T]: Tensor };

/**
 * Samples are the i-th rows of each tensor (all share the first dimension), as
 * torch.utils.data.TensorDataset: `new TensorDataset(images, labels)` yields `[image, label]`.
 */
export class TensorDataset<T extends readonly Tensor[]> implements Dataset<TensorTuple<T>> {
  readonly tensors: T;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new Error('TensorDataset: give at least one tensor');
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${k} is 0-dim; every tensor needs a first (sample) dimension`);
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, k) => {
      if (t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: every tensor must have the same size in dim 0; tensor 0 has shape ${shapeStr(tensors[0]!.shape)} ` +
            `but tensor ${k} has shape ${shapeStr(t.shape)}`,
        );
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  get(index: number): TensorTuple<T> {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => select(t, 0, index)) as unknown as TensorTuple<T>;
  }

  getBatch(indices: readonly number[]): Collated<TensorTuple<T>> {
    for (const i of indices) checkIndex('TensorDataset.getBatch', i, this.length);
    const index = indexTensor(indices);
    return this.tensors.map((t) => indexSelect(t, 0, index)) as unknown as Collated<TensorTuple<T>>;
  }
}

/** The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<T> implements Dataset<T> {
  readonly indices: readonly number[];
  getBatch?: (indices: readonly number[]) => Collated<T>;

  constructor(
    readonly dataset: Dataset<T>,
    indices: readonly number[],
  ) {
    for (const i of indices) checkIndex('Subset', i, dataset.length);
    this.indices = [...indices];
    const inner = dataset.getBatch;
    if (inner !== undefined) {
      this.getBatch = (batch: readonly number[]): Collated<T> => {
        for (const i of batch) checkIndex('Subset.getBatch', i, this.indices.length);
        return inner.call(dataset, batch.map((i) => this.indices[i]!));
      };
    }
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]!);
  }
}

/** Datasets one after another (torch.utils.data.ConcatDataset). */
export class ConcatDataset<T> implements Dataset<T> {
  private readonly ends: number[] = [];

  constructor(readonly datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0) throw new Error('ConcatDataset: give at least one dataset');
    let total = 0;
    for (const d of datasets) {
      total += d.length;
      this.ends.push(total);
    }
  }

  get length(): number {
    return this.ends[this.ends.length - 1]!;
  }

  get(index: number): T {
    checkIndex('ConcatDataset.get', index, this.length);
    let lo = 0;
    let hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (index < this.ends[mid]!) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.ends[lo - 1]!;
    return this.datasets[lo]!.get(index - start);
  }
}

/**
 * Splits a dataset at random into non-overlapping subsets (torch.utils.data.random_split).
 * `lengths` are counts summing to the dataset's length, or fractions summing to 1; with
 * fractions each part gets floor(fraction * n) and the remainder goes one by one to the first parts.
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: SeedOptions = {}, ...extra: []): Subset<T>[] {
  parseOptions('randomSplit', options, SEED_SPEC, extra);
  const n = dataset.length;
  const counts = splitCounts('randomSplit', n, lengths);
  const perm = permutation(n, generatorFrom(options));
  const out: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.slice(start, start + c)));
    start += c;
  }
  return out;
}

function splitCounts(op: string, n: number, lengths: readonly number[]): number[] {
  if (lengths.length === 0) throw new Error(`${op}: give at least one length`);
  for (const l of lengths) {
    if (!Number.isFinite(l) || l < 0) throw new Error(`${op}: lengths must be non-negative numbers, got [${lengths.join(', ')}]`);
  }
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) < 1e-9 && total <= n) {
    const counts = lengths.map((f) => Math.floor(f * n));
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % counts.length, remainder--) counts[i]! += 1;
    return counts;
  }
  if (lengths.some((l) => !Number.isInteger(l)) || total !== n) {
    throw new Error(
      `${op}: lengths [${lengths.join(', ')}] must be counts summing to the dataset's length ${n}, or fractions summing to 1`,
    );
  }
  return [...lengths];
}
