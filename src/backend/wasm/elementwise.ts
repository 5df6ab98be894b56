/**
 * Float32 elementwise kernels, reductions and copies. Small one-pass ops stay in JS, where the
 * loops are monomorphic (Float32Array only) and switch on the op once per row, with results
 * bit-identical to the reference (the same formulas in double, rounded once on store). From 16k
 * elements, same-shape arithmetic goes to wasm: copying in and out beats the JS loop there (a
 * 131k-element add: ~0.4 ms against ~1.2 ms, most of the JS time in its fresh, zeroed result),
 * with identical results, since one float32 op rounds as the double computation rounded once
 * does. Also in wasm (asm/elementwise.ts): exp, tanh and sigmoid, whose double-precision Math
 * calls cost 20-35 ns per element, and relu, whose branch mispredicts on random data (float32
 * polynomials within about 1 ulp of the reference); softmax along the last dim; sums that keep
 * one block of dims. Other dtypes and rarer ops go to the reference kernels.
 */
import type { Backend, BinaryOp, ReduceOp, UnaryOp, UnaryParamsOf, View } from '../types.js';
import type { DType, TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { cpuBackend } from '../cpu/index.js';
import { sumAll } from '../cpu/elementwise.js';
import { forEachRow } from '../cpu/rows.js';
import { isContiguous } from '../cpu/strided.js';
import type { WasmRuntime } from './runtime.js';
import { stageDense, unstage } from './staging.js';

type F32 = Float32Array;

/** Op codes of asm/elementwise.ts's unaryF32. */
const WASM_UNARY: Partial<Record<UnaryOp, number>> = { relu: 0, exp: 1, tanh: 2, sigmoid: 3 };
/** Below this many elements the call into wasm costs more than it saves. */
const WASM_UNARY_MIN = 64;

const FAST_UNARY = new Set<UnaryOp>(['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'tanh', 'sigmoid', 'relu', 'sin', 'cos']);
const ARITHMETIC = new Set<BinaryOp>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'reluBackward']);
const COMPARISON = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function unaryRow(op: UnaryOp, out: F32, o: number, x: F32, p: number, s: number, n: number): void {
  switch (op) {
    case 'neg': for (let j = 0; j < n; j++) out[o + j] = -x[p + j * s]!; break;
    case 'abs': for (let j = 0; j < n; j++) out[o + j] = Math.abs(x[p + j * s]!); break;
    case 'exp': for (let j = 0; j < n; j++) out[o + j] = Math.exp(x[p + j * s]!); break;
    case 'log': for (let j = 0; j < n; j++) out[o + j] = Math.log(x[p + j * s]!); break;
    case 'sqrt': for (let j = 0; j < n; j++) out[o + j] = Math.sqrt(x[p + j * s]!); break;
    case 'rsqrt': for (let j = 0; j < n; j++) out[o + j] = 1 / Math.sqrt(x[p + j * s]!); break;
    case 'square': for (let j = 0; j < n; j++) { const v = x[p + j * s]!; out[o + j] = v * v; } break;
    case 'reciprocal': for (let j = 0; j < n; j++) out[o + j] = 1 / x[p + j * s]!; break;
    case 'tanh': for (let j = 0; j < n; j++) out[o + j] = Math.tanh(x[p + j * s]!); break;
    case 'sin': for (let j = 0; j < n; j++) out[o + j] = Math.sin(x[p + j * s]!); break;
    case 'cos': for (let j = 0; j < n; j++) out[o + j] = Math.cos(x[p + j * s]!); break;
    case 'relu':
      for (let j = 0; j < n; j++) {
        const v = x[p + j * s]!;
        out[o + j] = v > 0 || v !== v ? v : 0;
      }
      break;
    case 'sigmoid':
      for (let j = 0; j < n; j++) {
        const v = x[p + j * s]!;
        out[o + j] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      }
      break;
    default: throw new Error(`wasm backend: no fast unary '${op}'`);
  }
}

/** out[o + j] = a[pa + j * sa] * mask[pb + j * sb] for a bool mask (a separate loop keeps binaryRow's b monomorphic: about 3x faster). */
function maskRow(out: F32, o: number, a: F32, pa: number, sa: number, mask: Uint8Array, pb: number, sb: number, n: number): void {
  for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! * mask[pb + j * sb]!;
}

/** out[o + j] = a[pa + j * sa] op b[pb + j * sb]. */
function binaryRow(op: BinaryOp, out: F32, o: number, a: F32, pa: number, sa: number, b: F32, pb: number, sb: number, n: number): void {
  // Unit and zero strides without index multiplies: about 1.5x faster.
  if (sa === 1 && sb === 1) {
    switch (op) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! + b[pb + j]!; return;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! - b[pb + j]!; return;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! * b[pb + j]!; return;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! / b[pb + j]!; return;
      case 'reluBackward': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! * +(b[pb + j]! > 0); return;
      default: break;
    }
  } else if (sa === 1 && sb === 0) {
    const v = b[pb]!;
    switch (op) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! + v; return;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! - v; return;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! * v; return;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = a[pa + j]! / v; return;
      default: break;
    }
  } else if (sa === 0 && sb === 1) {
    const u = a[pa]!;
    switch (op) {
      case 'add': for (let j = 0; j < n; j++) out[o + j] = u + b[pb + j]!; return;
      case 'sub': for (let j = 0; j < n; j++) out[o + j] = u - b[pb + j]!; return;
      case 'mul': for (let j = 0; j < n; j++) out[o + j] = u * b[pb + j]!; return;
      case 'div': for (let j = 0; j < n; j++) out[o + j] = u / b[pb + j]!; return;
      default: break;
    }
  }
  switch (op) {
    case 'add': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! + b[pb + j * sb]!; break;
    case 'sub': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! - b[pb + j * sb]!; break;
    case 'mul': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! * b[pb + j * sb]!; break;
    case 'div': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! / b[pb + j * sb]!; break;
    case 'reluBackward': for (let j = 0; j < n; j++) out[o + j] = a[pa + j * sa]! * +(b[pb + j * sb]! > 0); break;
    case 'maximum':
      for (let j = 0; j < n; j++) {
        const u = a[pa + j * sa]!;
        const v = b[pb + j * sb]!;
        out[o + j] = u !== u || v !== v ? NaN : u > v ? u : v;
      }
      break;
    case 'minimum':
      for (let j = 0; j < n; j++) {
        const u = a[pa + j * sa]!;
        const v = b[pb + j * sb]!;
        out[o + j] = u !== u || v !== v ? NaN : u < v ? u : v;
      }
      break;
    default: throw new Error(`wasm backend: no fast binary '${op}'`);
  }
}

/** `+(a > b)` rather than `a > b ? 1 : 0`: V8 compiles the ternary to a branch that mispredicts on random data. */
function compareRow(op: BinaryOp, out: Uint8Array, o: number, a: F32, pa: number, sa: number, b: F32, pb: number, sb: number, n: number): void {
  switch (op) {
    case 'eq': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! === b[pb + j * sb]!); break;
    case 'ne': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! !== b[pb + j * sb]!); break;
    case 'lt': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! < b[pb + j * sb]!); break;
    case 'le': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! <= b[pb + j * sb]!); break;
    case 'gt': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! > b[pb + j * sb]!); break;
    case 'ge': for (let j = 0; j < n; j++) out[o + j] = +(a[pa + j * sa]! >= b[pb + j * sb]!); break;
    default: throw new Error(`wasm backend: no fast comparison '${op}'`);
  }
}

const f32 = (v: View): F32 => v.data as F32;

function unary<Op extends UnaryOp>(op: Op, x: View, outDtype: DType, params?: UnaryParamsOf<Op>): TypedArray {
  if (x.dtype !== 'float32' || outDtype !== 'float32' || !FAST_UNARY.has(op)) return cpuBackend.unary(op, x, outDtype, params);
  const out = new Float32Array(numel(x.shape));
  const xd = f32(x);
  if (isContiguous(x.shape, x.strides)) unaryRow(op, out, 0, xd, x.offset, 1, out.length);
  else forEachRow(x.shape, [x], (offs, o, n, st) => unaryRow(op, out, o, xd, offs[0]!, st[0]!, n));
  return out;
}

/**
 * Up to this many elements a one-pass kernel's operands and result are staged whole (the sizes a
 * training step sees); beyond it they go through wasm memory in blocks of ONE_PASS_BLOCK, so a
 * big evaluation batch (1000 x 6 x 28 x 28 floats: 18.8 MB) does not grow wasm memory, which never
 * shrinks, by several times its size.
 */
export const ONE_PASS_WHOLE_MAX = 1 << 20;
/** Elements per block: 1 MiB per operand, a whole number of f32x4 vectors, so each element meets the same code as unblocked. */
export const ONE_PASS_BLOCK = 1 << 18;

/** Where a blocked operand's elements come from: its array in wasm memory (resident), a dense JS array, or one value everywhere. */
type BlockSource = { kind: 'resident'; ptr: number } | { kind: 'dense'; data: F32 } | { kind: 'splat'; value: number };

function blockSource(runtime: WasmRuntime, x: View, n: number): BlockSource {
  const contiguous = isContiguous(x.shape, x.strides);
  if (contiguous) {
    const ptr = runtime.residentAddress(x.data, x.offset);
    if (ptr >= 0) return { kind: 'resident', ptr };
    return { kind: 'dense', data: f32(x).subarray(x.offset, x.offset + n) };
  }
  if (x.strides.every((s) => s === 0)) return { kind: 'splat', value: f32(x)[x.offset]! };
  return { kind: 'dense', data: cpuBackend.copy(x, 'float32') as F32 };
}

/**
 * Runs a one-pass float32 kernel (out[i] depends on the inputs' element i only) over n elements
 * in wasm and returns the result: inputs in row-major order at the pointers given to `kernel`,
 * `count` results written at `output`. Large operands are staged, run and copied out block by
 * block through a bounded region; results are the same as one whole call.
 */
function onePass(
  runtime: WasmRuntime, op: string, inputs: readonly View[], n: number,
  kernel: (inputs: readonly number[], output: number, count: number) => void,
): F32 {
  runtime.beginCall(op);
  if (n <= ONE_PASS_WHOLE_MAX) {
    const staged = inputs.map((x) => stageDense(runtime, x));
    const output = runtime.alloc(n * 4);
    kernel(staged, output, n);
    return unstage(runtime, output, n);
  }
  const sources = inputs.map((x) => blockSource(runtime, x, n));
  const rooms = sources.map((s) => (s.kind === 'resident' ? -1 : runtime.alloc(ONE_PASS_BLOCK * 4)));
  const output = runtime.alloc(ONE_PASS_BLOCK * 4);
  const result = runtime.arrays.take(n) ?? new Float32Array(n);
  const pointers = new Array<number>(inputs.length);
  // All allocations are made: memory does not grow (nor runtime.f32 change) inside the loop.
  const mem = runtime.f32;
  for (let start = 0; start < n; start += ONE_PASS_BLOCK) {
    const count = Math.min(ONE_PASS_BLOCK, n - start);
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      const room = rooms[i]!;
      if (source.kind === 'resident') pointers[i] = source.ptr + start * 4;
      else {
        if (source.kind === 'dense') mem.set(source.data.subarray(start, start + count), room >>> 2);
        else if (start === 0) mem.fill(source.value, room >>> 2, (room >>> 2) + ONE_PASS_BLOCK);
        pointers[i] = room;
      }
    }
    kernel(pointers, output, count);
    result.set(mem.subarray(output >>> 2, (output >>> 2) + count), start);
  }
  return result;
}

function makeUnary(runtime: WasmRuntime): Backend['unary'] {
  return (op, x, outDtype, params) => {
    const code = WASM_UNARY[op];
    const n = numel(x.shape);
    if (op === 'clamp' && x.dtype === 'float32' && outDtype === 'float32' && n >= WASM_UNARY_MIN) {
      // ReLU6 and hardtanh: branch-free in wasm (the JS loop's branches mispredict on activations: ~20 ns per element).
      const { min, max } = params as UnaryParamsOf<'clamp'>;
      const [lo, hi] = [min ?? -Infinity, max ?? Infinity];
      return onePass(runtime, op, [x], n, ([input], output, count) => runtime.exports.clampF32(input!, output, count, lo, hi));
    }
    if (code === undefined || x.dtype !== 'float32' || outDtype !== 'float32' || n < WASM_UNARY_MIN) return unary(op, x, outDtype, params);
    return onePass(runtime, op, [x], n, ([input], output, count) => runtime.exports.unaryF32(code, input!, output, count));
  };
}

function binary(op: BinaryOp, a: View, b: View, outDtype: DType): TypedArray {
  if (a.dtype === 'float32' && b.dtype === 'float32') {
    if (outDtype === 'float32' && ARITHMETIC.has(op)) {
      const out = new Float32Array(numel(a.shape));
      const ad = f32(a);
      const bd = f32(b);
      forEachRow(a.shape, [a, b], (offs, o, n, st) => binaryRow(op, out, o, ad, offs[0]!, st[0]!, bd, offs[1]!, st[1]!, n));
      return out;
    }
    if (outDtype === 'bool' && COMPARISON.has(op)) {
      const out = new Uint8Array(numel(a.shape));
      const ad = f32(a);
      const bd = f32(b);
      forEachRow(a.shape, [a, b], (offs, o, n, st) => compareRow(op, out, o, ad, offs[0]!, st[0]!, bd, offs[1]!, st[1]!, n));
      return out;
    }
  }
  if (op === 'mul' && a.dtype === 'float32' && b.dtype === 'bool' && outDtype === 'float32') {
    const out = new Float32Array(numel(a.shape));
    const ad = f32(a);
    const bd = b.data as Uint8Array;
    forEachRow(a.shape, [a, b], (offs, o, n, st) => maskRow(out, o, ad, offs[0]!, st[0]!, bd, offs[1]!, st[1]!, n));
    return out;
  }
  return cpuBackend.binary(op, a, b, outDtype);
}

function where(cond: View, a: View, b: View, outDtype: DType): TypedArray {
  if (cond.dtype !== 'bool' || a.dtype !== 'float32' || b.dtype !== 'float32' || outDtype !== 'float32') {
    return cpuBackend.where(cond, a, b, outDtype);
  }
  const out = new Float32Array(numel(cond.shape));
  const cd = cond.data as Uint8Array;
  const ad = f32(a);
  const bd = f32(b);
  forEachRow(cond.shape, [cond, a, b], (offs, o, n, st) => {
    const [pc, pa, pb, sc, sa, sb] = [offs[0]!, offs[1]!, offs[2]!, st[0]!, st[1]!, st[2]!];
    for (let j = 0; j < n; j++) out[o + j] = cd[pc + j * sc] !== 0 ? ad[pa + j * sa]! : bd[pb + j * sb]!;
  });
  return out;
}

/**
 * Sum, max or min of a contiguous float32 tensor over its leading or its trailing dims (what
 * bias gradients, losses and softmax reduce), or over all dims of any view. Sums accumulate in
 * double in the reference's order, so the results are the reference's.
 */
function reduce(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): TypedArray {
  const fast = x.dtype === 'float32' && outDtype === 'float32' && (op === 'sum' || op === 'max' || op === 'min');
  if (!fast) return cpuBackend.reduce(op, x, axes, outDtype);
  const rank = x.shape.length;
  const sorted = [...axes].sort((p, q) => p - q);
  const total = numel(x.shape);
  const reduced = numel(sorted.map((d) => x.shape[d]!));
  if (reduced === 0 || total === 0) return cpuBackend.reduce(op, x, axes, outDtype);
  const xd = f32(x);
  if (sorted.length === rank) {
    const out = new Float32Array(1);
    if (op === 'sum') {
      out[0] = sumAll(x);
      return out;
    }
    let acc = op === 'max' ? -Infinity : Infinity;
    forEachRow(x.shape, [x], (offs, _o, n, st) => {
      acc = reduceRow(op, acc, xd, offs[0]!, st[0]!, n);
    });
    out[0] = acc;
    return out;
  }
  if (!isContiguous(x.shape, x.strides)) return cpuBackend.reduce(op, x, axes, outDtype);
  const trailing = sorted.every((d, i) => d === rank - sorted.length + i);
  const leading = sorted.every((d, i) => d === i);
  if (trailing) {
    const outer = total / reduced;
    const out = new Float32Array(outer);
    const init = op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity;
    for (let i = 0; i < outer; i++) out[i] = reduceRow(op, init, xd, x.offset + i * reduced, 1, reduced);
    return out;
  }
  if (leading) {
    const inner = total / reduced;
    const acc = new Float64Array(inner).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : Infinity);
    for (let r = 0; r < reduced; r++) {
      const p = x.offset + r * inner;
      if (op === 'sum') for (let j = 0; j < inner; j++) acc[j] = acc[j]! + xd[p + j]!;
      else if (op === 'max') for (let j = 0; j < inner; j++) { const v = xd[p + j]!; const m = acc[j]!; acc[j] = v > m || v !== v ? v : m; }
      else for (let j = 0; j < inner; j++) { const v = xd[p + j]!; const m = acc[j]!; acc[j] = v < m || v !== v ? v : m; }
    }
    return Float32Array.from(acc);
  }
  return cpuBackend.reduce(op, x, axes, outDtype);
}

/** Folds n elements (stride s from p) into acc; NaN wins for max and min, as in the reference. */
function reduceRow(op: ReduceOp, acc: number, x: F32, p: number, s: number, n: number): number {
  if (op === 'sum') {
    for (let j = 0; j < n; j++) acc += x[p + j * s]!;
  } else if (op === 'max') {
    for (let j = 0; j < n; j++) { const v = x[p + j * s]!; acc = v > acc || v !== v ? v : acc; }
  } else {
    for (let j = 0; j < n; j++) { const v = x[p + j * s]!; acc = v < acc || v !== v ? v : acc; }
  }
  return acc;
}

/** From this many elements a sum of everything, or one that keeps one block of dims, runs in wasm (~7 ns per element in JS here for the latter). */
const WASM_SUM_MIN = 1 << 14;

/**
 * Sums of everything, or that keep one block of consecutive dims (a bias gradient: over the
 * leading dims, or over N, H and W of [N, C, H, W]), of a large float32 tensor go to wasm, with
 * the reference's order and double accumulators, so the result is the same; the rest go to reduce.
 */
function makeReduce(runtime: WasmRuntime): Backend['reduce'] {
  return (op, x, axes, outDtype) => {
    const total = numel(x.shape);
    const sorted = [...axes].sort((p, q) => p - q);
    const gap = sorted.findIndex((d, i) => d !== i);
    const first = gap < 0 ? sorted.length : gap;
    const kept = x.shape.length - sorted.length;
    if (op === 'sum' && kept === 0 && x.dtype === 'float32' && outDtype === 'float32' && total >= WASM_SUM_MIN && isContiguous(x.shape, x.strides)) {
      // A sum of everything: the reference's eight running sums, as f64x2 pairs.
      runtime.beginCall('sum');
      return Float32Array.of(runtime.exports.sumAllF32(stageDense(runtime, x), total));
    }
    // Reduced: dims [0, first) and everything after the kept block [first, first + kept).
    const oneBlock = kept > 0 && sorted.length > 0 && sorted.slice(first).every((d, i) => d === first + kept + i);
    if (op !== 'sum' || x.dtype !== 'float32' || outDtype !== 'float32' || total < WASM_SUM_MIN || !oneBlock) {
      return reduce(op, x, axes, outDtype);
    }
    const width = numel(x.shape.slice(first, first + kept));
    const inner = numel(x.shape.slice(first + kept));
    runtime.beginCall('sum');
    const input = stageDense(runtime, x);
    const out = runtime.alloc(width * 4);
    const acc = runtime.alloc(width * 8);
    // f32x4 across the outputs when they are consecutive; one running sum per output otherwise.
    if (inner === 1 && width >= 4) runtime.exports.sumRowsF32(input, total / width, width, out, acc);
    else runtime.exports.sumBlocksF32(input, total / (width * inner), width, inner, out, acc);
    return unstage(runtime, out, width);
  };
}

/** Op codes of asm/elementwise.ts's binaryF32. */
const WASM_BINARY: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, reluBackward: 4 };
/** From this many elements a same-shape float32 op runs in wasm. */
const WASM_BINARY_MIN = 1 << 14;

/** Large same-shape contiguous float32 arithmetic in wasm (identical results); the rest in JS. */
function makeBinary(runtime: WasmRuntime): Backend['binary'] {
  return (op, a, b, outDtype) => {
    const code = WASM_BINARY[op];
    const n = numel(a.shape);
    if (
      code === undefined || n < WASM_BINARY_MIN || a.dtype !== 'float32' || b.dtype !== 'float32' || outDtype !== 'float32' ||
      !isContiguous(a.shape, a.strides) || !isContiguous(b.shape, b.strides)
    ) {
      return binary(op, a, b, outDtype);
    }
    return onePass(runtime, op, [a, b], n, ([pa, pb], output, count) => runtime.exports.binaryF32(code, pa!, pb!, output, count));
  };
}

/** Softmax along the last dim of a contiguous float32 tensor in wasm (f32x4 exp); the rest on the reference. */
function makeSoftmax(runtime: WasmRuntime): Backend['softmax'] {
  return (x, axis, log) => {
    const len = x.shape[axis]!;
    const total = numel(x.shape);
    if (x.dtype !== 'float32' || axis !== x.shape.length - 1 || len === 0 || total === 0 || !isContiguous(x.shape, x.strides)) {
      return cpuBackend.softmax(x, axis, log);
    }
    runtime.beginCall(log ? 'logSoftmax' : 'softmax');
    const input = stageDense(runtime, x);
    const out = runtime.alloc(total * 4);
    const row = runtime.alloc((len + 4) * 4);
    runtime.exports.softmaxRowsF32(input, out, total / len, len, log, row);
    return unstage(runtime, out, total);
  };
}

/** Below this many elements a transposed matrix is copied in JS rather than through wasm. */
const WASM_TRANSPOSE_MIN = 4096;

function makeCopy(runtime: WasmRuntime): Backend['copy'] {
  return (x, outDtype) => {
    const rank = x.shape.length;
    const transposedMatrix = rank === 2 && x.strides[0] === 1 && x.strides[1] === x.shape[0] && x.shape[0]! > 1 && x.shape[1]! > 1;
    const n = numel(x.shape);
    if (!transposedMatrix || x.dtype !== 'float32' || outDtype !== 'float32' || n < WASM_TRANSPOSE_MIN) return copy(x, outDtype);
    // The weight gradient of a linear layer arrives this way: its storage is the [C, R] matrix.
    const [rows, cols] = [x.shape[0]!, x.shape[1]!];
    runtime.beginCall('copy');
    const src = runtime.alloc(n * 4);
    runtime.f32.set((x.data as F32).subarray(x.offset, x.offset + n), src >>> 2);
    const dst = runtime.alloc(n * 4);
    runtime.exports.transposeF32(src, dst, cols, rows);
    return unstage(runtime, dst, n);
  };
}

function copy(x: View, outDtype: DType): TypedArray {
  if (x.dtype !== 'float32' || outDtype !== 'float32' || isContiguous(x.shape, x.strides)) return cpuBackend.copy(x, outDtype);
  const rank = x.shape.length;
  // A transposed matrix (or batch of them): copy in square blocks so reads and writes both stay in cache.
  if (rank >= 2 && x.strides[rank - 2] === 1 && x.strides[rank - 1] === x.shape[rank - 2]) {
    return transposeCopy(x);
  }
  const out = new Float32Array(numel(x.shape));
  const xd = f32(x);
  forEachRow(x.shape, [x], (offs, o, n, st) => {
    const p = offs[0]!;
    const s = st[0]!;
    for (let j = 0; j < n; j++) out[o + j] = xd[p + j * s]!;
  });
  return out;
}

const BLOCK = 32;

/** Contiguous copy of [..., R, C] whose last two dims are a transposed (column-major) matrix. */
function transposeCopy(x: View): Float32Array {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2]!;
  const cols = x.shape[rank - 1]!;
  const out = new Float32Array(numel(x.shape));
  const xd = f32(x);
  const batchShape = x.shape.slice(0, rank - 2);
  const batchView: View = { ...x, shape: [...batchShape, 1], strides: [...x.strides.slice(0, rank - 2), 1] };
  forEachRow(batchView.shape, [batchView], (offs, o, n, st) => {
    for (let b = 0; b < n; b++) {
      const src = offs[0]! + b * st[0]!;
      const dst = (o + b) * rows * cols;
      for (let i0 = 0; i0 < rows; i0 += BLOCK) {
        const i1 = Math.min(rows, i0 + BLOCK);
        for (let j0 = 0; j0 < cols; j0 += BLOCK) {
          const j1 = Math.min(cols, j0 + BLOCK);
          for (let i = i0; i < i1; i++) {
            for (let j = j0; j < j1; j++) out[dst + i * cols + j] = xd[src + i + j * rows]!;
          }
        }
      }
    }
  });
  return out;
}

function assign(dst: View, src: View): void {
  if (dst.dtype !== 'float32' || src.dtype !== 'float32' || dst.data === src.data) {
    cpuBackend.assign(dst, src);
    return;
  }
  const dd = f32(dst);
  const sd = f32(src);
  const n = numel(dst.shape);
  if (isContiguous(dst.shape, dst.strides) && isContiguous(src.shape, src.strides)) {
    dd.set(sd.subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  forEachRow(dst.shape, [dst, src], (offs, _o, len, st) => {
    const [pd, ps, sdst, ssrc] = [offs[0]!, offs[1]!, st[0]!, st[1]!];
    for (let j = 0; j < len; j++) dd[pd + j * sdst] = sd[ps + j * ssrc]!;
  });
}

export function makeElementwise(runtime: WasmRuntime): Pick<Backend, 'unary' | 'binary' | 'where' | 'reduce' | 'copy' | 'assign' | 'softmax'> {
  return { unary: makeUnary(runtime), binary: makeBinary(runtime), where, reduce: makeReduce(runtime), copy: makeCopy(runtime), assign, softmax: makeSoftmax(runtime) };
}
