/** Creating tensors: from values, filled, ranges, identity, and random. */
import { Tensor, type Nested } from './tensor.js';
import { allocate, DEFAULT_FLOAT, isFloat, type DType, type TypedArray } from './dtype.js';
import { checkShape, checkSize, numel, shapeStr, type Shape } from './shape.js';
import { defaultGenerator, Generator } from './random.js';
import { kernels } from '../backend/registry.js';
import { KernelError, type RandomSpec } from '../backend/types.js';
// The shared argument checker depends only on tensor/'s types and dtypes, so creation can use it too.
import { bool, dtype as dtypeCheck, instanceOf, parseOptions } from '../ops/args.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export interface FromValuesOptions extends TensorOptions {
  /** Accept NaN and ±Infinity in the values (rejected by default, to catch broken data early). */
  allowNonFinite?: boolean;
}

const TENSOR_SPEC = { dtype: dtypeCheck, requiresGrad: bool };
const RANDOM_SPEC = { ...TENSOR_SPEC, generator: instanceOf(Generator, 'Generator') };

/** Checks a creation function's options object (unknown keys with a did-you-mean, wrong types) and that nothing follows it. */
function checked<O extends TensorOptions>(op: string, options: O, extra: readonly unknown[], random = false): O {
  parseOptions(op, options, random ? RANDOM_SPEC : TENSOR_SPEC, extra);
  return options;
}

function finish(t: Tensor, options: TensorOptions, op: string): Tensor {
  if (options.requiresGrad === true) {
    if (!isFloat(t.dtype)) {
      throw new Error(`${op}: only floating-point tensors can require gradients, got dtype ${t.dtype}`);
    }
    t.requiresGrad_(true);
  }
  return t;
}

function dtypeOfArray(data: ArrayLike<number>): DType | null {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return null;
}

function fillFrom(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocate(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else out.set(values as ArrayLike<number>);
  return out;
}

type TensorValues = Nested<number> | Nested<boolean> | ArrayLike<number>;

/**
 * A tensor from a number, a boolean, nested arrays or a typed array. The dtype is inferred
 * (booleans: bool; integers: int32, or float32 with requiresGrad; any fraction: float32; typed
 * arrays by their type) unless given.
 */
export function tensor(values: TensorValues, options: FromValuesOptions = {}, ...extra: []): Tensor {
  parseOptions('tensor', options, { ...TENSOR_SPEC, allowNonFinite: bool }, extra);
  const flat: number[] = [];
  let shape: number[] = [];
  // Widened on purpose: note() updates it from inside callbacks, which flow analysis does not follow.
  let inferred = 'bool' as DType;
  const note = (v: unknown, where: string): void => {
    if (typeof v === 'boolean') {
      flat.push(v ? 1 : 0);
      return;
    }
    if (typeof v !== 'number') {
      throw new Error(`tensor: expected numbers or booleans, got ${v === null ? 'null' : typeof v} at ${where}`);
    }
    if (!Number.isFinite(v) && options.allowNonFinite !== true) {
      throw new Error(`tensor: value ${v} at ${where} is not finite (pass { allowNonFinite: true } to allow NaN and Infinity)`);
    }
    if (inferred !== 'float32') inferred = Number.isInteger(v) ? 'int32' : 'float32';
    flat.push(v);
  };
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    const arr = values as unknown as ArrayLike<number>;
    const own = dtypeOfArray(arr);
    const dtype = options.dtype ?? own ?? DEFAULT_FLOAT;
    if (options.allowNonFinite !== true && isFloat(own ?? 'int32')) {
      for (let i = 0; i < arr.length; i++) {
        if (!Number.isFinite(arr[i]!)) {
          throw new Error(`tensor: value ${arr[i]} at index ${i} is not finite (pass { allowNonFinite: true } to allow it)`);
        }
      }
    }
    return finish(Tensor.fromData(fillFrom(dtype, arr), [arr.length], dtype), options, 'tensor');
  }
  if (Array.isArray(values)) {
    // Walk the nesting breadth-first by level, checking every array at a level has the same length.
    let level: unknown[] = [values];
    let path: string[] = [''];
    for (;;) {
      const first = level[0];
      if (!Array.isArray(first)) break;
      const len = first.length;
      const next: unknown[] = [];
      const nextPath: string[] = [];
      level.forEach((arr, k) => {
        if (!Array.isArray(arr) || arr.length !== len) {
          const got = Array.isArray(arr) ? `length ${arr.length}` : typeof arr;
          throw new Error(
            `tensor: ragged nested array: expected every entry at depth ${shape.length} to be an array of length ${len}, ` +
              `but values${path[k]} has ${got}`,
          );
        }
        // A for loop, not forEach, which skips the holes of a sparse array ([1, , 3]) silently.
        for (let i = 0; i < len; i++) {
          if (!(i in arr)) {
            throw new Error(`tensor: values${path[k]} is a sparse array with a hole at index ${i}: every entry needs a value`);
          }
          next.push(arr[i]);
          nextPath.push(`${path[k]}[${i}]`);
        }
      });
      shape = [...shape, len];
      level = next;
      path = nextPath;
      if (len === 0) break;
    }
    level.forEach((v, k) => {
      if (Array.isArray(v)) throw new Error(`tensor: ragged nested array: values${path[k]} is an array where a number was expected`);
      note(v, `values${path[k]}`);
    });
    if (flat.length === 0) inferred = DEFAULT_FLOAT;
  } else {
    note(values, 'the top level');
  }
  // JS has no float literals (1.0 === 1): values meant to require grad are floats.
  const dtype = options.dtype ?? (inferred === 'int32' && options.requiresGrad === true ? DEFAULT_FLOAT : inferred);
  return finish(Tensor.fromData(fillFrom(dtype, flat), shape, dtype), options, 'tensor');
}

/** Runs an allocation for op, naming the op in a too-large-allocation error (as apply() does for ops). */
function named<T>(op: string, allocation: () => T): T {
  try {
    return allocation();
  } catch (e) {
    if (e instanceof KernelError) throw new Error(`${op}: ${e.message}`);
    throw e;
  }
}

function filled(op: string, shape: Shape, value: number, options: TensorOptions, dtype: DType): Tensor {
  checkShape(op, shape);
  const data = named(op, () => allocate(dtype, numel(shape)));
  if (value !== 0) data.fill(dtype === 'bool' ? Number(value !== 0) : value);
  return finish(Tensor.fromData(data, shape, dtype), options, op);
}

export function zeros(shape: Shape, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('zeros', options, extra);
  return filled('zeros', shape, 0, options, options.dtype ?? DEFAULT_FLOAT);
}

export function ones(shape: Shape, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('ones', options, extra);
  return filled('ones', shape, 1, options, options.dtype ?? DEFAULT_FLOAT);
}

function dtypeOfValue(value: number | boolean): DType {
  return typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int32' : DEFAULT_FLOAT;
}

/** A tensor of `shape` filled with value (dtype inferred from it unless given). */
export function full(shape: Shape, value: number | boolean, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('full', options, extra);
  return filled('full', shape, Number(value), options, options.dtype ?? dtypeOfValue(value));
}

export function zerosLike(t: Tensor, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('zerosLike', options, extra);
  return filled('zerosLike', t.shape, 0, options, options.dtype ?? t.dtype);
}

export function onesLike(t: Tensor, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('onesLike', options, extra);
  return filled('onesLike', t.shape, 1, options, options.dtype ?? t.dtype);
}

export function fullLike(t: Tensor, value: number | boolean, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('fullLike', options, extra);
  return filled('fullLike', t.shape, Number(value), options, options.dtype ?? t.dtype);
}

/** Values from start (inclusive) to end (exclusive) by step; arange(n) counts 0..n-1. */
export function arange(end: number, options?: TensorOptions): Tensor;
export function arange(start: number, end: number, step?: number, options?: TensorOptions): Tensor;
export function arange(a: number, b?: number | TensorOptions, c?: number, d?: TensorOptions, ...extra: unknown[]): Tensor {
  const [start, end, step, options] = typeof b === 'number' ? [a, b, c ?? 1, d ?? {}] : [0, a, 1, b ?? {}];
  checked('arange', options, typeof b === 'number' ? extra : [c, d, ...extra].filter((v) => v !== undefined));
  for (const [name, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (!Number.isFinite(v)) throw new Error(`arange: ${name} must be a finite number, got ${v}`);
  }
  if (step === 0) throw new Error('arange: step must be nonzero');
  if ((end - start) / step < 0) {
    throw new Error(`arange: the range from ${start} to ${end} cannot be covered with step ${step} (wrong sign)`);
  }
  const n = Math.ceil((end - start) / step);
  const dtype = options.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : DEFAULT_FLOAT);
  const data = named('arange', () => allocate(dtype, n));
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [n], dtype), options, 'arange');
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('linspace', options, extra);
  checkSize('linspace', 'steps', steps);
  const dtype = options.dtype ?? DEFAULT_FLOAT;
  const data = named('linspace', () => allocate(dtype, steps));
  // torch does the arithmetic in the output's float type, so float32 rounds at every step.
  const r = dtype === 'float32' ? Math.fround : (v: number): number => v;
  const [a, b] = [r(start), r(end)];
  const delta = steps > 1 ? r(r(b - a) / (steps - 1)) : 0;
  // Fill from both ends, as torch does, so the last value is exactly `end` (and a single step is `start`).
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = steps === 1 ? a : i < half ? r(a + r(i * delta)) : r(b - r((steps - 1 - i) * delta));
  return finish(Tensor.fromData(data, [steps], dtype), options, 'linspace');
}

/** An n x m matrix with ones on the diagonal. */
export function eye(n: number, m: number = n, options: TensorOptions = {}, ...extra: []): Tensor {
  checked('eye', options, extra);
  checkShape('eye', [n, m]);
  const dtype = options.dtype ?? DEFAULT_FLOAT;
  const data = named('eye', () => allocate(dtype, n * m));
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(Tensor.fromData(data, [n, m], dtype), options, 'eye');
}

function randomTensor(op: string, shape: Shape, spec: RandomSpec, options: RandomOptions, dtype: DType): Tensor {
  checkShape(op, shape);
  const data = named(op, () => kernels().random(spec, numel(shape), dtype, options.generator ?? defaultGenerator));
  return finish(Tensor.fromData(data, shape, dtype), options, op);
}

/** Uniform random values in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('rand', options, extra, true);
  return randomTensor('rand', shape, { kind: 'uniform', low: 0, high: 1 }, options, floatDType('rand', options));
}

/** Standard normal random values. */
export function randn(shape: Shape, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('randn', options, extra, true);
  return randomTensor('randn', shape, { kind: 'normal', mean: 0, std: 1 }, options, floatDType('randn', options));
}

export function randLike(t: Tensor, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('randLike', options, extra, true);
  return rand(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : DEFAULT_FLOAT, ...options });
}

export function randnLike(t: Tensor, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('randnLike', options, extra, true);
  return randn(t.shape, { dtype: isFloat(t.dtype) ? t.dtype : DEFAULT_FLOAT, ...options });
}

function floatDType(op: string, options: TensorOptions): DType {
  const dtype = options.dtype ?? DEFAULT_FLOAT;
  if (!isFloat(dtype)) throw new Error(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/** Random integers in [low, high) (int32 unless a dtype is given). */
export function randint(low: number, high: number, shape: Shape, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('randint', options, extra, true);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: expected integers low < high, got low ${low} and high ${high}`);
  }
  return randomTensor('randint', shape, { kind: 'randint', low, high }, options, options.dtype ?? 'int32');
}

/** A random permutation of 0..n-1 (Fisher-Yates), as int32. */
export function randperm(n: number, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('randperm', options, extra, true);
  checkSize('randperm', 'n', n);
  const rng = options.generator ?? defaultGenerator;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  const dtype = options.dtype ?? 'int32';
  return finish(Tensor.fromData(fillFrom(dtype, perm), [n], dtype), options, 'randperm');
}

/** 1 with probability p (elementwise, p a tensor of probabilities), else 0; same shape and dtype as p. */
export function bernoulli(p: Tensor, options: RandomOptions = {}, ...extra: []): Tensor {
  checked('bernoulli', options, extra, true);
  if (!isFloat(p.dtype)) throw new Error(`bernoulli: probabilities must be a float tensor, got dtype ${p.dtype}`);
  const probs = p.toTypedArray();
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i]! >= 0 && probs[i]! <= 1)) {
      throw new Error(`bernoulli: probabilities must be in [0, 1], got ${probs[i]} at flat index ${i}`);
    }
  }
  const u = kernels().random({ kind: 'uniform', low: 0, high: 1 }, probs.length, 'float64', options.generator ?? defaultGenerator);
  const dtype = options.dtype ?? p.dtype;
  const out = allocate(dtype, probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = u[i]! < probs[i]! ? 1 : 0;
  return finish(Tensor.fromData(out, p.shape, dtype), options, 'bernoulli');
}

/**
 * Draws numSamples category indices per row of `probs` (1-D or 2-D non-negative weights, not
 * necessarily normalised), with or without replacement (torch.multinomial); int32 result.
 */
export function multinomial(probs: Tensor, numSamples: number, replacement = false, options: RandomOptions = {}): Tensor {
  if (probs.ndim !== 1 && probs.ndim !== 2) {
    throw new Error(`multinomial: probs must be 1-D or 2-D, got shape ${shapeStr(probs.shape)}`);
  }
  const rows = probs.ndim === 1 ? 1 : probs.shape[0]!;
  const k = probs.shape[probs.ndim - 1]!;
  checkSize('multinomial', 'numSamples', numSamples, 1);
  if (!replacement && numSamples > k) {
    throw new Error(`multinomial: cannot draw ${numSamples} samples without replacement from ${k} categories`);
  }
  const w = probs.toTypedArray();
  const rng = options.generator ?? defaultGenerator;
  const out = new Int32Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const weights = Array.from(w.subarray(r * k, (r + 1) * k));
    if (weights.some((v) => !(v >= 0) || !Number.isFinite(v))) {
      throw new Error(`multinomial: weights must be finite and non-negative (row ${r})`);
    }
    for (let s = 0; s < numSamples; s++) {
      const total = weights.reduce((a, b) => a + b, 0);
      if (total <= 0) throw new Error(`multinomial: row ${r} has no positive weight left to sample from`);
      let u = rng.nextDouble() * total;
      let pick = k - 1;
      for (let i = 0; i < k; i++) {
        u -= weights[i]!;
        if (u < 0 && weights[i]! > 0) {
          pick = i;
          break;
        }
      }
      while (weights[pick] === 0) pick--;
      out[r * numSamples + s] = pick;
      if (!replacement) weights[pick] = 0;
    }
  }
  const shape = probs.ndim === 1 ? [numSamples] : [rows, numSamples];
  return Tensor.fromData(out, shape, 'int32');
}
