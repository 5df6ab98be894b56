/**
 * Seeded mutation fuzzing of file readers: valid tiny files get bit flips, byte changes,
 * truncation, forged length fields, duplicated or deleted slices, and splices with each other.
 * Every input must be accepted with a self-consistent result or rejected with an Error whose
 * message names the format and the problem, within a time and allocation bound.
 */
import assert from 'node:assert/strict';

/** Inputs per format: NABLA_FUZZ_N overrides the default (e.g. NABLA_FUZZ_N=100000 for a long run). */
export function fuzzCount(fallback: number): number {
  const env = process.env.NABLA_FUZZ_N;
  if (env === undefined || env === '') return fallback;
  const n = Number(env);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`NABLA_FUZZ_N must be a positive integer, got ${env}`);
  return n;
}

/** NABLA_FUZZ_SEED shifts every format's seed, to explore other inputs (default 0: the fixed ones). */
export function fuzzSeed(base: number): number {
  const env = process.env.NABLA_FUZZ_SEED;
  if (env === undefined || env === '') return base;
  const shift = Number(env);
  if (!Number.isSafeInteger(shift)) throw new Error(`NABLA_FUZZ_SEED must be an integer, got ${env}`);
  return base + 1000 * shift;
}

/** mulberry32: a tiny seeded generator, so a failing input can be reproduced from its seed and index. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORGED = [0, 1, 2, 7, 8, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

/** One to three mutations of a seed file (or a splice of two). */
export function mutate(seeds: readonly Uint8Array[], rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  let bytes = seeds[int(seeds.length)]!.slice();
  for (let m = 1 + int(3); m > 0; m--) {
    const at = int(bytes.length + 1);
    switch (int(8)) {
      case 0: // bit flips
        for (let k = 1 + int(4); k > 0 && bytes.length > 0; k--) bytes[int(bytes.length)]! ^= 1 << int(8);
        break;
      case 1: // a random or boundary byte
        if (bytes.length > 0) bytes[int(bytes.length)] = [0, 0xff, 0x7f, 0x80][int(4)] ?? int(256);
        if (bytes.length > 0 && rand() < 0.5) bytes[int(bytes.length)] = int(256);
        break;
      case 2: // truncation
        bytes = bytes.slice(0, int(bytes.length + 1));
        break;
      case 3: {
        // a forged 32- or 16-bit length field, either endianness
        if (bytes.length < 4) break;
        const view = new DataView(bytes.buffer);
        const value = rand() < 0.7 ? FORGED[int(FORGED.length)]! : int(2 ** 32);
        const little = rand() < 0.5;
        const place = int(bytes.length - 3);
        if (rand() < 0.75) view.setUint32(place, value >>> 0, little);
        else view.setUint16(place, value & 0xffff, little);
        break;
      }
      case 4: {
        // a duplicated slice (a repeated chunk, segment or row)
        const start = int(bytes.length);
        const end = Math.min(bytes.length, start + 1 + int(64));
        const copy = bytes.slice(start, end);
        const out = new Uint8Array(bytes.length + copy.length);
        out.set(bytes.subarray(0, at));
        out.set(copy, at);
        out.set(bytes.subarray(at), at + copy.length);
        bytes = out;
        break;
      }
      case 5: {
        // a deleted slice
        const end = Math.min(bytes.length, at + 1 + int(16));
        bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(end)]);
        break;
      }
      case 6: {
        // inserted random bytes
        const extra = Uint8Array.from({ length: 1 + int(8) }, () => int(256));
        bytes = new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
        break;
      }
      default: {
        // the head of this file spliced onto the tail of another
        const other = seeds[int(seeds.length)]!;
        const cut = int(other.length + 1);
        bytes = new Uint8Array([...bytes.subarray(0, at), ...other.subarray(cut)]);
      }
    }
  }
  return bytes;
}

export interface FuzzTarget<T> {
  /** The format's name in reports. */
  format: string;
  /** Valid, tiny files to mutate. */
  seeds: readonly Uint8Array[];
  /** Reads one input through the public API. */
  read: (bytes: Uint8Array) => T;
  /** Asserts that an accepted result is self-consistent (throws otherwise). */
  check: (result: T) => void;
  /** An error message must match this: the reader names the format at its start. */
  errorPrefix: RegExp;
  /** Applied to half the inputs: e.g. recomputes checksums so mutations reach the decoder behind them. */
  repair?: (bytes: Uint8Array) => Uint8Array;
}

export interface FuzzReport {
  inputs: number;
  accepted: number;
  rejected: number;
  slowestMs: number;
  largestAllocation: number;
  totalMs: number;
}

/** Longest any one input may take, and the most it may allocate (far above the readers' documented bounds for these tiny files). */
export const FUZZ_TIME_LIMIT_MS = 1000;
export const FUZZ_ALLOCATION_LIMIT = 16 * 2 ** 20;

/** Runs `count` seeded mutations through `target`; throws an AssertionError naming the first bad input. */
export function runFuzz<T>(target: FuzzTarget<T>, count: number, seed: number): FuzzReport {
  const rand = random(seed);
  const report: FuzzReport = { inputs: 0, accepted: 0, rejected: 0, slowestMs: 0, largestAllocation: 0, totalMs: 0 };
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const mutated = mutate(target.seeds, rand);
    const input = target.repair !== undefined && rand() < 0.5 ? target.repair(mutated) : mutated;
    const where = `${target.format} input ${i} (seed ${seed}, ${input.length} bytes)`;
    const before = process.memoryUsage();
    const t0 = performance.now();
    let result: T | undefined;
    let error: unknown = null;
    try {
      result = target.read(input);
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage();
    const allocated = Math.max(0, after.arrayBuffers - before.arrayBuffers) + Math.max(0, after.heapUsed - before.heapUsed);
    report.inputs++;
    report.slowestMs = Math.max(report.slowestMs, ms);
    report.largestAllocation = Math.max(report.largestAllocation, allocated);
    assert.ok(ms < FUZZ_TIME_LIMIT_MS, `${where}: took ${ms.toFixed(0)} ms`);
    assert.ok(allocated < FUZZ_ALLOCATION_LIMIT, `${where}: allocated ${allocated} bytes`);
    if (error === null) {
      target.check(result as T);
      report.accepted++;
    } else {
      assert.ok(error instanceof Error, `${where}: threw a non-Error ${String(error)}`);
      assert.ok(!(error instanceof TypeError || error instanceof RangeError), `${where}: an engine error leaked: ${error.name}: ${error.message}`);
      assert.match(error.message, target.errorPrefix, `${where}: the message does not name the format`);
      const problem = error.message.replace(target.errorPrefix, '');
      assert.ok(problem.length >= 10, `${where}: the message does not say what is wrong: ${error.message}`);
      assert.ok(error.message.length <= 600, `${where}: a ${error.message.length}-character message`);
      report.rejected++;
    }
  }
  report.totalMs = performance.now() - started;
  return report;
}

/** The product of a shape's sizes. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
