/// <reference types="node" />
/**
 * DataLoader with worker threads (Node-only, exported as data.DataLoader from 'nabla/node'):
 * `numWorkers` threads run the on-the-fly `transform`, as PyTorch's DataLoader(num_workers=...).
 * Functions cannot be sent to a thread, so the transform comes from a module (a path or URL and an
 * export name) that every worker imports. The main thread reads and collates the batches (a
 * dataset cannot be sent either) and hands each batch's input to worker b mod numWorkers; batches
 * come back in order, and since batch b draws from augmentGenerator(epoch seed, b) whichever thread
 * runs it, the batches are identical to numWorkers 0 for the same seed.
 */
import { Worker } from 'node:worker_threads';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../tensor/dtype.js';
import { check, either, func, int, parseOptions, type Spec } from '../ops/args.js';
import { workerUrls } from '../util/workers.js';
import { DataLoader as BaseDataLoader, LOADER_SPEC, augmentGenerator, transformBatch, yieldToEventLoop, type DataLoaderOptions } from './dataloader.js';
import type { AsyncDataset, Collated, Dataset } from './dataset.js';
import type { Transform } from './transforms.js';

/** A transform that worker threads can load: `module`'s export `exportName` (default 'default'). */
export interface TransformModule {
  module: string | URL;
  exportName?: string;
}

export interface WorkerDataLoaderOptions<T, B> extends Omit<DataLoaderOptions<T, B>, 'transform' | 'numWorkers'> {
  /** A transform function (run on the main thread), or a module exporting one (required with numWorkers > 0). */
  transform?: Transform | TransformModule;
  /** Worker threads running the transform (default 0: the main thread, as PyTorch). */
  numWorkers?: number;
  /** Batches in flight per worker (PyTorch's prefetch_factor, default 2). */
  prefetchFactor?: number;
}

const transformModule = check<TransformModule>(
  '{ module: path or URL, exportName?: string }',
  (v) => {
    if (typeof v !== 'object' || v === null) return false;
    const { module, exportName, ...rest } = v as Record<string, unknown>;
    return (typeof module === 'string' || module instanceof URL) && (exportName === undefined || typeof exportName === 'string') && Object.keys(rest).length === 0;
  },
);
const nonNegativeInt = check<number>('a non-negative integer', (v) => int(v) && v >= 0);
const positiveInt = check<number>('a positive integer', (v) => int(v) && v > 0);

const WORKER_LOADER_SPEC: Spec = {
  ...LOADER_SPEC,
  transform: either(func, transformModule),
  numWorkers: nonNegativeInt,
  prefetchFactor: positiveInt,
};

// The worker: evaluated source, so it runs the same under tsx (TypeScript modules) and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxUrl !== undefined) (await import(workerData.tsxUrl)).register();
  const nb = await import(workerData.nablaUrl);
  await nb.ready?.();
  nb.setNumThreads(1);
  const mod = await import(workerData.moduleUrl);
  const transform = mod[workerData.exportName];
  if (typeof transform !== 'function') throw new Error(workerData.moduleUrl + ' has no export ' + workerData.exportName + ' that is a transform function');
  parentPort.on('message', (m) => {
    try {
      const out = transform(nb.Tensor.fromData(m.data, m.shape, m.dtype), nb.data.augmentGenerator(m.seed, m.index));
      if (!(out instanceof nb.Tensor)) throw new Error('the transform must return a Tensor, got ' + (out === null ? 'null' : typeof out));
      const data = out.toTypedArray().slice();
      parentPort.postMessage({ id: m.id, data, shape: out.shape, dtype: out.dtype }, [data.buffer]);
    } catch (error) {
      parentPort.postMessage({ id: m.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((error) => parentPort.postMessage({ fatal: error instanceof Error ? error.message : String(error) }));
`;

type WorkerReply =
  | { ready: true }
  | { fatal: string }
  | { id: number; error: string }
  | { id: number; data: Float32Array | Float64Array; shape: number[]; dtype: FloatDType };

/** Worker threads that each import the transform module and transform the inputs they are sent, in the order sent. */
class TransformPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (t: Tensor) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  readonly ready: Promise<void>;

  constructor(numWorkers: number, spec: TransformModule) {
    const urls = workerUrls('DataLoader', spec.module);
    const exportName = spec.exportName ?? 'default';
    let readyCount = 0;
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((resolveReady = res), (rejectReady = rej)));
    this.ready.catch(() => {}); // a failure also reaches whoever awaits `ready`
    const fail = (error: Error): void => {
      this.failure ??= error;
      rejectReady(this.failure);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.workers = Array.from({ length: numWorkers }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...urls, exportName } });
      worker.on('message', (m: WorkerReply) => {
        if ('ready' in m) {
          if (++readyCount === numWorkers) resolveReady();
        } else if ('fatal' in m) {
          fail(new Error(`DataLoader: a worker could not load the transform: ${m.fatal}`));
        } else {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if ('error' in m) p?.reject(new Error(`DataLoader: the transform failed in a worker: ${m.error}`));
          else p?.resolve(Tensor.fromData(m.data, m.shape, m.dtype));
        }
      });
      worker.on('error', (e) => fail(new Error(`DataLoader: a worker failed: ${e.message}`)));
      worker.unref();
      return worker;
    });
  }

  /** The transformed input of batch `index` of the epoch with this augmentation seed, from worker index mod numWorkers. */
  run(input: Tensor, augmentSeed: number, index: number): Promise<Tensor> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    const data = (input.toTypedArray() as Float32Array | Float64Array).slice();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[index % this.workers.length]!.postMessage({ id, data, shape: input.shape, dtype: input.dtype, seed: augmentSeed, index }, [data.buffer]);
    });
  }

  /** Keeps the process alive while an epoch waits for workers, and lets it exit between epochs. */
  hold(on: boolean): void {
    for (const w of this.workers) {
      if (on) w.ref();
      else w.unref();
    }
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The batch's input tensor: the batch itself, or its first entry. */
function inputOf(batch: unknown): Tensor {
  let input: unknown;
  transformBatch('DataLoader', batch, (x) => ((input = x), x));
  return input as Tensor;
}

/**
 * data.DataLoader with `numWorkers` (Node): the browser-safe DataLoader plus worker threads for the
 * transform. Iterate with `for await`; call close() (or let the process exit) to end the workers,
 * which start at the first epoch and stay for the next ones (PyTorch's persistent_workers).
 */
export class DataLoader<T, B = Collated<T>> extends BaseDataLoader<T, B> {
  protected static override readonly optionSpec: Spec = WORKER_LOADER_SPEC;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  private readonly transformModule: TransformModule | null;
  private moduleTransform: Promise<Transform> | null = null;
  private pool: TransformPool | null = null;

  constructor(dataset: Dataset<T> | AsyncDataset<T>, options: WorkerDataLoaderOptions<T, B> = {}) {
    parseOptions('DataLoader', options, WORKER_LOADER_SPEC);
    const { transform, numWorkers: _n, prefetchFactor: _p, ...rest } = options;
    super(dataset, typeof transform === 'function' ? { ...rest, transform } : rest);
    this.numWorkers = options.numWorkers ?? 0;
    this.prefetchFactor = options.prefetchFactor ?? 2;
    this.transformModule = transform !== undefined && typeof transform !== 'function' ? transform : null;
    if (this.numWorkers > 0 && this.transformModule === null) {
      throw new Error(
        typeof transform === 'function'
          ? 'DataLoader: with numWorkers > 0 the transform must come from a module the workers can import: give transform: { module, exportName } instead of a function'
          : 'DataLoader: numWorkers > 0 runs the transform on worker threads, but there is no transform; leave numWorkers at 0',
      );
    }
  }

  protected override augments(): boolean {
    return this.transformModule !== null || super.augments();
  }

  override *[Symbol.iterator](): Iterator<B> {
    if (this.transformModule !== null) {
      throw new Error('DataLoader: a transform from a module (or numWorkers > 0) loads asynchronously; iterate with `for await (const batch of loader)`');
    }
    const it = super[Symbol.iterator]();
    for (let r = it.next(); r.done !== true; r = it.next()) yield r.value;
  }

  override async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.transformModule === null) {
      const it = super[Symbol.asyncIterator]();
      for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
      return;
    }
    if (this.numWorkers === 0) {
      const transform = await this.loadTransform(this.transformModule);
      const { batches, augmentSeed } = this.epochPlan();
      for (let b = 0; b < batches.length; b++) {
        const generator = augmentGenerator(augmentSeed, b);
        yield transformBatch('DataLoader', await this.loadBatch(batches[b]!), (x) => transform(x, generator));
        await yieldToEventLoop();
      }
      return;
    }
    const pool = (this.pool ??= new TransformPool(this.numWorkers, this.transformModule));
    pool.hold(true);
    try {
      await pool.ready;
      const { batches, augmentSeed } = this.epochPlan();
      const window = this.numWorkers * this.prefetchFactor;
      const inFlight: Promise<B>[] = [];
      const submit = async (b: number): Promise<B> => {
        const batch = await this.loadBatch(batches[b]!);
        const out = await pool.run(inputOf(batch), augmentSeed, b);
        return transformBatch('DataLoader', batch, () => out);
      };
      let next = 0;
      for (let b = 0; b < batches.length; b++) {
        while (next < batches.length && next < b + window) {
          const p = submit(next++);
          p.catch(() => {}); // awaited in order below; an early failure must not be unhandled meanwhile
          inFlight.push(p);
        }
        yield await inFlight.shift()!;
      }
    } finally {
      pool.hold(false);
    }
  }

  private loadTransform(spec: TransformModule): Promise<Transform> {
    this.moduleTransform ??= (async () => {
      const { moduleUrl } = workerUrls('DataLoader', spec.module);
      const exportName = spec.exportName ?? 'default';
      const transform = ((await import(moduleUrl)) as Record<string, unknown>)[exportName];
      if (typeof transform !== 'function') throw new Error(`DataLoader: ${moduleUrl} has no export ${exportName} that is a transform function`);
      return transform as Transform;
    })();
    return this.moduleTransform;
  }

  /** Ends the worker threads (a later epoch starts new ones). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.terminate();
  }
}
