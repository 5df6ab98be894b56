/**
 * Sequence batching: padding and truncation into [B, T] int32 batches with the lengths and padding
 * masks the recurrent layers take, length bucketing, a DataLoader collate, and BPTT windows.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { bool, int, parseOptions } from '../ops/args.js';

export interface PadOptions {
  /** The value of padded steps (default 0, the index of '<pad>' in a default Vocab). */
  padValue?: number;
  /** Cut longer sequences to this many steps (default: the longest sequence). */
  maxLength?: number;
  /** Which end a too-long sequence loses: 'post' keeps the start (default), 'pre' keeps the end. */
  truncate?: 'pre' | 'post';
  /** [T, B] instead of [B, T] (default true: batch first). */
  batchFirst?: boolean;
}

/** A padded batch: what nn.LSTM/GRU/RNN take as input (after an Embedding) and in their options. */
export interface PaddedBatch {
  /** int32 [B, T] ([T, B] when batchFirst is false); sequences start at step 0, padding follows. */
  input: Tensor;
  /** int32 [B]: each sequence's length after truncation. */
  lengths: Tensor;
  /** bool [B, T] (always batch first, as the layers take it): true at padded steps. */
  paddingMask: Tensor;
}

type Sequence = readonly number[] | Int32Array;

function checkSequences(name: string, sequences: unknown): asserts sequences is readonly Sequence[] {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new Error(`${name}: expected a non-empty array of sequences (arrays of token ids)`);
  sequences.forEach((s, b) => {
    if (!(Array.isArray(s) || s instanceof Int32Array)) throw new Error(`${name}: sequence ${b} is not an array of token ids`);
    for (let i = 0; i < s.length; i++) {
      if (!Number.isInteger(s[i])) throw new Error(`${name}: sequence ${b} has a non-integer token ${String(s[i])} at position ${i}`);
    }
  });
}

/** Pads (and truncates) token-id sequences into one batch. */
export function padSequences(sequences: readonly Sequence[], options: PadOptions = {}): PaddedBatch {
  checkOptionKeys('padSequences', options, ['padValue', 'maxLength', 'truncate', 'batchFirst']);
  checkSequences('padSequences', sequences);
  const padValue = options.padValue ?? 0;
  if (!Number.isInteger(padValue)) throw new Error(`padSequences: padValue must be an integer, got ${String(padValue)}`);
  const truncate = options.truncate ?? 'post';
  if (truncate !== 'pre' && truncate !== 'post') throw new Error(`padSequences: truncate must be 'pre' or 'post', got ${String(truncate)}`);
  const longest = Math.max(...sequences.map((s) => s.length));
  const maxLength = options.maxLength ?? longest;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`padSequences: maxLength must be a positive integer, got ${String(maxLength)}`);
  const steps = Math.min(longest, maxLength);
  if (steps === 0) throw new Error('padSequences: every sequence is empty');
  const batch = sequences.length;
  const batchFirst = options.batchFirst ?? true;
  const ids = new Int32Array(batch * steps).fill(padValue);
  const mask = new Uint8Array(batch * steps).fill(1);
  const lengths = new Int32Array(batch);
  sequences.forEach((s, b) => {
    const n = Math.min(s.length, steps);
    const from = truncate === 'pre' ? s.length - n : 0;
    lengths[b] = n;
    for (let t = 0; t < n; t++) {
      ids[batchFirst ? b * steps + t : t * batch + b] = s[from + t]!;
      mask[b * steps + t] = 0;
    }
  });
  return {
    input: Tensor.fromData(ids, batchFirst ? [batch, steps] : [steps, batch], 'int32'),
    lengths: Tensor.fromData(lengths, [batch], 'int32'),
    paddingMask: Tensor.fromData(mask, [batch, steps], 'bool'),
  };
}

/** A labelled sample for padCollate: a token-id sequence and its class (or any number). */
export interface LabelledSequence {
  tokens: Sequence;
  label: number;
}

/** A padded batch with the samples' labels (int32 [B] if all are integers, else float32). */
export interface LabelledBatch extends PaddedBatch {
  labels: Tensor;
}

/**
 * A collate function for data.DataLoader: samples that are token-id arrays become a PaddedBatch;
 * samples { tokens, label } become a PaddedBatch with labels.
 */
export function padCollate<S extends Sequence | LabelledSequence = Sequence>(
  options: PadOptions = {},
): (samples: S[]) => S extends LabelledSequence ? LabelledBatch : PaddedBatch {
  padSequences([[0]], options); // checks the options once, up front
  return ((samples: S[]): PaddedBatch | LabelledBatch => {
    if (!Array.isArray(samples) || samples.length === 0) throw new Error('padCollate: expected a non-empty array of samples');
    const first = samples[0]!;
    if (Array.isArray(first) || first instanceof Int32Array) return padSequences(samples as Sequence[], options);
    const labelled = samples as LabelledSequence[];
    labelled.forEach((s, i) => {
      if (s === null || typeof s !== 'object' || !('tokens' in s) || typeof s.label !== 'number') {
        throw new Error(`padCollate: sample ${i} must be a token-id array or { tokens, label }, like sample 0`);
      }
    });
    const batch = padSequences(labelled.map((s) => s.tokens), options);
    const labels = labelled.map((s) => s.label);
    return {
      ...batch,
      labels: labels.every(Number.isInteger)
        ? Tensor.fromData(Int32Array.from(labels), [labels.length], 'int32')
        : Tensor.fromData(Float32Array.from(labels), [labels.length], 'float32'),
    };
  }) as (samples: S[]) => S extends LabelledSequence ? LabelledBatch : PaddedBatch;
}

export interface BucketOptions {
  /** Shuffle the batches (and the samples before bucketing) with this seed; default: keep order, no shuffling. */
  seed?: number;
  /** Sort within pools of this many batches (default 100): a larger pool pads less, a smaller one mixes more. */
  poolBatches?: number;
  /** Leave out the last, smaller batch of each pool (default false). */
  dropLast?: boolean;
}

/**
 * Batches of sample indices of similar lengths (torchtext's BucketIterator): the samples (shuffled
 * when seeded) are cut into pools of poolBatches * batchSize, each pool is sorted by length and cut
 * into batches, and the batches are shuffled. Feed each batch's samples to padCollate.
 */
export function bucketBatches(lengths: readonly number[], batchSize: number, options: BucketOptions = {}, ...extra: []): number[][] {
  parseOptions('bucketBatches', options, { seed: int, poolBatches: int, dropLast: bool }, extra);
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isInteger(n) && n >= 0)) throw new Error('bucketBatches: lengths must be an array of non-negative integers');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`bucketBatches: batchSize must be a positive integer, got ${String(batchSize)}`);
  const poolBatches = options.poolBatches ?? 100;
  if (!Number.isInteger(poolBatches) || poolBatches < 1) throw new Error(`bucketBatches: poolBatches must be a positive integer, got ${String(poolBatches)}`);
  const generator = options.seed === undefined ? null : new Generator(options.seed);
  const order = lengths.map((_, i) => i);
  if (generator !== null) shuffleInPlace(order, generator);
  const batches: number[][] = [];
  const pool = poolBatches * batchSize;
  for (let start = 0; start < order.length; start += pool) {
    const sorted = order.slice(start, start + pool).sort((a, b) => lengths[a]! - lengths[b]!);
    for (let i = 0; i < sorted.length; i += batchSize) {
      const batch = sorted.slice(i, i + batchSize);
      if (batch.length < batchSize && options.dropLast === true) continue;
      batches.push(batch);
    }
  }
  if (generator !== null) shuffleInPlace(batches, generator);
  return batches;
}

function shuffleInPlace<T>(items: T[], generator: Generator): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(generator.nextDouble() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/**
 * Lays a token stream out as batchSize parallel streams (PyTorch's word_language_model batchify):
 * int32 [steps, batchSize], column b holding tokens b*steps .. (b+1)*steps - 1; the tail that
 * does not fill a row is dropped.
 */
export function batchify(ids: readonly number[] | Int32Array, batchSize: number): Tensor {
  if (!(Array.isArray(ids) || ids instanceof Int32Array)) throw new Error('batchify: ids must be an array of token ids');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchify: batchSize must be a positive integer, got ${String(batchSize)}`);
  const steps = Math.floor(ids.length / batchSize);
  if (steps < 2) throw new Error(`batchify: ${ids.length} tokens make fewer than 2 steps of ${batchSize} streams`);
  const out = new Int32Array(steps * batchSize);
  for (let b = 0; b < batchSize; b++) {
    for (let t = 0; t < steps; t++) {
      const id = ids[b * steps + t]!;
      if (!Number.isInteger(id)) throw new Error(`batchify: token ${b * steps + t} is ${String(id)}, not an integer id`);
      out[t * batchSize + b] = id;
    }
  }
  return Tensor.fromData(out, [steps, batchSize], 'int32');
}

/** One BPTT window: input steps and the next-token targets, both [len, B] (targets shifted by one step). */
export interface BpttWindow {
  input: Tensor;
  target: Tensor;
}

/**
 * Cuts batchify's [steps, B] streams into consecutive windows of bptt steps (the last may be
 * shorter), each target one step ahead of its input: carry the hidden state (detached) from one
 * window to the next.
 */
export function* bpttWindows(streams: Tensor, bptt: number): IterableIterator<BpttWindow> {
  if (!(streams instanceof Tensor) || streams.ndim !== 2) throw new Error('bpttWindows: streams must be a 2-D [steps, batch] tensor (see batchify)');
  if (!Number.isInteger(bptt) || bptt < 1) throw new Error(`bpttWindows: bptt must be a positive integer, got ${String(bptt)}`);
  const steps = streams.shape[0]!;
  for (let start = 0; start < steps - 1; start += bptt) {
    const len = Math.min(bptt, steps - 1 - start);
    yield { input: streams.narrow(0, start, len), target: streams.narrow(0, start + 1, len) };
  }
}
