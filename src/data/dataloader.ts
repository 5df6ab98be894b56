/**
 * DataLoader: batches of samples from a dataset, optionally shuffled with a seeded generator and
 * augmented on the fly (torch.utils.data.DataLoader on the main thread; data/workers.ts adds worker
 * threads in Node). Each iteration is one epoch.
 */
import { Tensor } from '../tensor/tensor.js';
import { shapeStr } from '../tensor/shape.js';
import { stack } from '../ops/join.js';
import { Generator } from '../tensor/random.js';
import { bool, check, describe as describeValue, func, int, parseOptions, unchecked, type Spec } from '../ops/args.js';
import type { Transform } from './transforms.js';
import type { Sampler } from './sampler.js';
import { generatorFrom, permutation, SEED_SPEC, type AsyncDataset, type Collated, type Dataset, type SeedOptions } from './dataset.js';

/**
 * Stacks a list of samples into a batch, as torch's default_collate: tensors are stacked along
 * a new first dim, numbers become a 1-D tensor (int32 if all are integers, else float32),
 * booleans a bool tensor, and arrays and plain objects are collated field by field.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  return collateValues(samples, 'batch') as Collated<T>;
}

function collateValues(values: readonly unknown[], path: string): unknown {
  if (values.length === 0) throw new Error('defaultCollate: cannot collate an empty list of samples');
  const first = values[0];
  if (first instanceof Tensor) {
    values.forEach((v, i) => {
      if (!(v instanceof Tensor)) throw new Error(`defaultCollate: ${path} of sample 0 is a Tensor but of sample ${i} is ${describe(v)}`);
      if (v.shape.length !== first.shape.length || v.shape.some((d, k) => d !== first.shape[k])) {
        throw new Error(
          `defaultCollate: cannot stack ${path}: sample 0 has shape ${shapeStr(first.shape)} but sample ${i} has shape ` +
            `${shapeStr(v.shape)}; give the DataLoader a custom collate (e.g. one that pads) for samples of different sizes`,
        );
      }
    });
    return stack(values as Tensor[], 0);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    const kind = typeof first;
    values.forEach((v, i) => {
      if (typeof v !== kind) throw new Error(`defaultCollate: ${path} of sample 0 is a ${kind} but of sample ${i} is ${describe(v)}`);
    });
    if (kind === 'boolean') return Tensor.fromData(Uint8Array.from(values as boolean[], Number), [values.length], 'bool');
    const numbers = values as number[];
    return numbers.every(Number.isInteger)
      ? Tensor.fromData(Int32Array.from(numbers), [numbers.length], 'int32')
      : Tensor.fromData(Float32Array.from(numbers), [numbers.length], 'float32');
  }
  if (Array.isArray(first)) {
    values.forEach((v, i) => {
      if (!Array.isArray(v) || v.length !== first.length) {
        throw new Error(`defaultCollate: ${path} of sample 0 is an array of ${first.length} but of sample ${i} is ${describe(v)}`);
      }
    });
    return first.map((_, k) => collateValues(values.map((v) => (v as unknown[])[k]), `${path}[${k}]`));
  }
  if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = collateValues(
        values.map((v, i) => {
          if (typeof v !== 'object' || v === null || !(key in v)) {
            throw new Error(`defaultCollate: ${path}.${key} is missing from sample ${i}`);
          }
          return (v as Record<string, unknown>)[key];
        }),
        `${path}.${key}`,
      );
    }
    return out;
  }
  throw new Error(
    `defaultCollate: don't know how to batch ${path} of type ${describe(first)}; samples may hold tensors, numbers, ` +
      'booleans, arrays and plain objects of those, or give the DataLoader a custom collate',
  );
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Tensor) return `a Tensor of shape ${shapeStr(v.shape)}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

export interface DataLoaderOptions<T, B> extends SeedOptions {
  /** Samples per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** Draw a new random order every epoch (default false). Seed it with `seed` or `generator`. */
  shuffle?: boolean;
  /** Leave out the last batch if it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: defaultCollate). */
  collate?: (samples: T[]) => B;
  /** The indices to read each epoch, in order (a WeightedRandomSampler, say); excludes shuffle, as in PyTorch. */
  sampler?: Sampler;
  /**
   * On-the-fly augmentation (torchvision's `transform=`, Keras's ImageDataGenerator.flow): applied to
   * every batch's input (the batch itself when it is a Tensor, else its first entry, as the x of
   * [x, y]) after collation. Its random draws come from a generator seeded per epoch and batch from
   * the loader's own (`seed`/`generator`), so every epoch sees fresh draws and a seed repeats them.
   */
  transform?: Transform;
  /** Worker threads (PyTorch's num_workers); only 0 here, more with data.DataLoader from 'nabla/node'. */
  numWorkers?: number;
}

/** One epoch: the sample indices of each batch, and the seed of the batches' augmentation draws. */
export interface EpochPlan {
  batches: number[][];
  augmentSeed: number;
}

/** The generator batch `index` of an epoch augments with: its own stream, whichever thread makes the batch. */
export function augmentGenerator(augmentSeed: number, index: number): Generator {
  return new Generator(augmentSeed + index * 2 ** 32);
}

/** A batch with `transform` applied to its input: the batch if it is a Tensor, else its first entry. */
export function transformBatch<B>(op: string, batch: B, transform: (x: Tensor) => Tensor): B {
  const apply = (x: Tensor): Tensor => {
    const out = transform(x);
    if (!(out instanceof Tensor)) throw new Error(`${op}: the transform must return a Tensor, got ${describeValue(out)}`);
    return out;
  };
  if (batch instanceof Tensor) return apply(batch) as B;
  if (Array.isArray(batch) && batch[0] instanceof Tensor) return [apply(batch[0]), ...batch.slice(1)] as B;
  throw new Error(`${op}: transform applies to a batch that is a Tensor or an array whose first entry is the input Tensor ([x, y]), got ${describeValue(batch)}`);
}

export const LOADER_SPEC = {
  batchSize: int,
  shuffle: bool,
  dropLast: bool,
  collate: func,
  sampler: unchecked,
  ...SEED_SPEC,
  transform: func,
  numWorkers: check<number>('0 (worker threads need data.DataLoader from \'nabla/node\')', (v) => v === 0),
};

/** Lets timers, I/O and rendering run between batches of an async iteration. */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate !== undefined) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collate: ((samples: T[]) => B) | null;
  private readonly generator: Generator;
  readonly sampler: Sampler | undefined;
  readonly transform: Transform | undefined;
  /** The options the constructor accepts (a subclass that takes more extends it). */
  protected static readonly optionSpec: Spec = LOADER_SPEC;

  constructor(
    readonly dataset: Dataset<T> | AsyncDataset<T>,
    options: DataLoaderOptions<T, B> = {},
    ...extra: []
  ) {
    parseOptions('DataLoader', options, (new.target as unknown as { optionSpec: Spec }).optionSpec, extra);
    if (dataset === null || typeof dataset !== 'object' || typeof dataset.get !== 'function' || !Number.isInteger(dataset.length)) {
      throw new Error('DataLoader: the dataset must have an integer `length` and a `get(index)` method');
    }
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    }
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.collate = options.collate ?? null;
    this.generator = generatorFrom(options);
    this.sampler = options.sampler;
    this.transform = options.transform;
    if (this.sampler !== undefined) {
      if (typeof this.sampler?.[Symbol.iterator] !== 'function' || !Number.isInteger(this.sampler.length)) throw new Error('DataLoader: sampler must be iterable with an integer length (data.WeightedRandomSampler, ...)');
      if (this.shuffle) throw new Error('DataLoader: sampler option is mutually exclusive with shuffle');
    }
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.sampler?.length ?? this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of the next epoch (draws from the generator when shuffling). */
  batchIndices(): number[][] {
    const order = this.sampler !== undefined ? this.samplerOrder(this.sampler) : this.shuffle ? permutation(this.dataset.length, this.generator) : Array.from({ length: this.dataset.length }, (_, i) => i);
    const n = order.length;
    const batches: number[][] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize);
      if (batch.length < this.batchSize && this.dropLast) break;
      batches.push(batch);
    }
    return batches;
  }

  /** The next epoch's batches and augmentation seed (drawn from the loader's generator after the shuffle, only with a transform). */
  epochPlan(): EpochPlan {
    const batches = this.batchIndices();
    return { batches, augmentSeed: this.augments() ? this.generator.nextUint32() : 0 };
  }

  /** Whether batches are transformed (an epoch then draws an augmentation seed). */
  protected augments(): boolean {
    return this.transform !== undefined;
  }

  private samplerOrder(sampler: Sampler): number[] {
    const order = [...sampler];
    const bad = order.find((i) => !Number.isInteger(i) || i < 0 || i >= this.dataset.length);
    if (bad !== undefined) throw new Error(`DataLoader: the sampler gave index ${bad}, outside the dataset's 0..${this.dataset.length - 1}`);
    return order;
  }

  *[Symbol.iterator](): Iterator<B> {
    const { batches, augmentSeed } = this.epochPlan();
    for (let b = 0; b < batches.length; b++) yield this.augment(this.makeBatch(batches[b]!), augmentSeed, b);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const { batches, augmentSeed } = this.epochPlan();
    for (let b = 0; b < batches.length; b++) {
      yield this.augment(await this.loadBatch(batches[b]!), augmentSeed, b);
      await yieldToEventLoop();
    }
  }

  /** The collated batch of these samples, before any transform; async datasets are awaited. */
  protected async loadBatch(indices: number[]): Promise<B> {
    const dataset = this.dataset as Dataset<T>;
    if (this.collate === null && dataset.getBatch !== undefined) return dataset.getBatch(indices) as B;
    return this.collateSamples(await Promise.all(indices.map((i) => this.dataset.get(i))));
  }

  protected augment(batch: B, augmentSeed: number, index: number): B {
    const transform = this.transform;
    if (transform === undefined) return batch;
    const generator = augmentGenerator(augmentSeed, index);
    return transformBatch('DataLoader', batch, (x) => transform(x, generator));
  }

  private makeBatch(indices: number[]): B {
    const dataset = this.dataset as Dataset<T>;
    if (this.collate === null && dataset.getBatch !== undefined) return dataset.getBatch(indices) as B;
    const samples = indices.map((i) => {
      const sample = dataset.get(i);
      if (sample instanceof Promise) {
        throw new Error('DataLoader: the dataset returns promises from get(); iterate it with `for await (const batch of loader)`');
      }
      return sample;
    });
    return this.collateSamples(samples);
  }

  private collateSamples(samples: T[]): B {
    return this.collate === null ? (defaultCollate(samples) as B) : this.collate(samples);
  }
}

/** Every sample of a dataset collated into one batch, e.g. `const [x, y] = toTensors(trainSubset)`. */
export function toTensors<T>(dataset: Dataset<T>): Collated<T> {
  const indices = Array.from({ length: dataset.length }, (_, i) => i);
  if (dataset.getBatch !== undefined) return dataset.getBatch(indices);
  return defaultCollate(indices.map((i) => dataset.get(i)));
}
