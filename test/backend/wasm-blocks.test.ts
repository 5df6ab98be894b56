/**
 * One-pass wasm kernels (unary, clamp, same-shape binary) over large tensors run block by block
 * through a bounded part of wasm memory (elementwise.ts's onePass): the results must be the
 * whole-tensor kernel call's bit for bit, and wasm memory must not grow by the tensor's size.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/backend/types.js';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';
import { makeElementwise, ONE_PASS_BLOCK, ONE_PASS_WHOLE_MAX } from '../../src/backend/wasm/elementwise.js';

const runtime = WasmRuntime.create({ singleThreaded: true });
const skip = runtime === undefined ? 'SKIPPED: WebAssembly SIMD unavailable' : false;

/** Past the whole-tensor limit, into a fifth block, and not a whole number of vectors. */
const N = 4 * ONE_PASS_BLOCK + 3;

/** Deterministic values with NaN, infinities, signed zeros, subnormals and exp-overflowing magnitudes mixed in. */
function values(n: number, seed: number): Float32Array {
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 100, -100, 3.4e38, -3.4e38];
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % 97 === 0 ? special[s % special.length]! : ((s / 2 ** 32) - 0.5) * 20;
  }
  return out;
}

const dense = (data: Float32Array, shape: number[], offset = 0): View => {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  return { data, dtype: 'float32', shape, strides, offset };
};

/** The unblocked path: the kernel called once over all n elements, staged whole in a runtime of its own. */
function whole(run: (rt: WasmRuntime, inputs: number[], out: number, n: number) => void, inputs: Float32Array[]): Float32Array {
  const rt = WasmRuntime.create({ singleThreaded: true })!;
  const n = inputs[0]!.length;
  rt.beginCall('reference');
  const ptrs = inputs.map((x) => {
    const p = rt.alloc(n * 4);
    rt.f32.set(x, p >>> 2);
    return p;
  });
  const out = rt.alloc(n * 4);
  run(rt, ptrs, out, n);
  return rt.f32.slice(out >>> 2, (out >>> 2) + n);
}

/** Bitwise equality (NaN payloads and the sign of zero included). */
function assertSameBits(actual: ArrayLike<number>, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = new Uint32Array(Float32Array.from(actual).buffer);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}[${i}]: got bits ${a[i]!.toString(16)}, unblocked ${e[i]!.toString(16)}`);
  }
}

describe('one-pass wasm kernels in blocks', { skip }, () => {
  const kernels = runtime === undefined ? undefined : makeElementwise(runtime);
  const x = values(N, 1);
  const y = values(N, 2);
  const codes = { relu: 0, exp: 1, tanh: 2, sigmoid: 3 } as const;

  test('sizes used here span several blocks and pass the whole-tensor limit', () => {
    assert.ok(N > ONE_PASS_WHOLE_MAX && N > 4 * ONE_PASS_BLOCK && N % 4 !== 0);
  });

  for (const op of ['relu', 'exp', 'tanh', 'sigmoid'] as const) {
    test(`${op}: the unblocked call's bits, odd length, non-finite values`, () => {
      const expected = whole((rt, [p], out, n) => rt.exports.unaryF32(codes[op], p!, out, n), [x]);
      assertSameBits(kernels!.unary(op, dense(x, [N]), 'float32'), expected, op);
    });
  }

  test('clamp (hardtanh, ReLU6 bounds): the unblocked call\'s bits', () => {
    for (const [lo, hi] of [[-1, 1], [0, 6]] as const) {
      const expected = whole((rt, [p], out, n) => rt.exports.clampF32(p!, out, n, lo, hi), [x]);
      assertSameBits(kernels!.unary('clamp', dense(x, [N]), 'float32', { min: lo, max: hi }), expected, `clamp(${lo}, ${hi})`);
    }
  });

  const binaryCodes = { add: 0, sub: 1, mul: 2, div: 3, reluBackward: 4 } as const;
  for (const op of Object.keys(binaryCodes) as (keyof typeof binaryCodes)[]) {
    test(`${op}: the unblocked call's bits`, () => {
      const expected = whole((rt, [a, b], out, n) => rt.exports.binaryF32(binaryCodes[op], a!, b!, out, n), [x, y]);
      assertSameBits(kernels!.binary(op, dense(x, [N]), dense(y, [N]), 'float32'), expected, op);
    });
  }

  test('views: an offset into a larger array, a transposed view, a broadcast (expanded) operand', () => {
    const big = values(N + 37, 3);
    const viewed = big.subarray(37, 37 + N);
    const expected = whole((rt, [p], out, n) => rt.exports.unaryF32(codes.tanh, p!, out, n), [viewed.slice()]);
    assertSameBits(kernels!.unary('tanh', dense(big, [N], 37), 'float32'), expected, 'offset view');
    assertSameBits(kernels!.binary('mul', dense(big, [N], 37), dense(y, [N]), 'float32'),
      whole((rt, [a, b], out, n) => rt.exports.binaryF32(binaryCodes.mul, a!, b!, out, n), [viewed.slice(), y]), 'offset view, binary');

    // [R, C] read transposed from a [C, R] array: element (i, j) is src[j * R + i].
    const [R, C] = [1031, 1023];
    const src = values(R * C, 4);
    const transposed: View = { data: src, dtype: 'float32', shape: [R, C], strides: [1, R], offset: 0 };
    const rowMajor = new Float32Array(R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) rowMajor[i * C + j] = src[j * R + i]!;
    assertSameBits(kernels!.unary('sigmoid', transposed, 'float32'), whole((rt, [p], out, n) => rt.exports.unaryF32(codes.sigmoid, p!, out, n), [rowMajor]), 'transposed');

    // A row expanded to [R, C] (stride 0 over rows), and one value expanded to everything.
    const row = values(C, 5);
    const expandedRow: View = { data: row, dtype: 'float32', shape: [R, C], strides: [0, 1], offset: 0 };
    const rows = new Float32Array(R * C);
    for (let i = 0; i < R; i++) rows.set(row, i * C);
    assertSameBits(kernels!.unary('exp', expandedRow, 'float32'), whole((rt, [p], out, n) => rt.exports.unaryF32(codes.exp, p!, out, n), [rows]), 'expanded row');
    const one = Float32Array.of(0, -0.75);
    const splat: View = { data: one, dtype: 'float32', shape: [R, C], strides: [0, 0], offset: 1 };
    assertSameBits(kernels!.unary('relu', splat, 'float32'), whole((rt, [p], out, n) => rt.exports.unaryF32(codes.relu, p!, out, n), [new Float32Array(R * C).fill(-0.75)]), 'expanded value');
    assertSameBits(kernels!.unary('exp', splat, 'float32'), whole((rt, [p], out, n) => rt.exports.unaryF32(codes.exp, p!, out, n), [new Float32Array(R * C).fill(-0.75)]), 'expanded value, exp');
  });

  test('a resident operand (in wasm memory already) is read in place, block by block', () => {
    const rt = WasmRuntime.create({})!;
    if (!rt.shared) return; // resident arrays need shared memory
    const resident = rt.residentZeros(N)!;
    resident.set(x);
    const k = makeElementwise(rt);
    assertSameBits(k.binary('add', dense(resident, [N]), dense(y, [N]), 'float32'),
      whole((r, [a, b], out, n) => r.exports.binaryF32(binaryCodes.add, a!, b!, out, n), [x, y]), 'resident');
    rt.pool?.resize(0);
  });

  test('blocks above 2 GiB (byte addresses negative as int32): the same bits', () => {
    const high = WasmRuntime.create({ singleThreaded: true, workAreaOffset: 2.25 * 2 ** 30 });
    if (high === undefined) return;
    const k = makeElementwise(high);
    assertSameBits(k.unary('sigmoid', dense(x, [N]), 'float32'), whole((rt, [p], out, n) => rt.exports.unaryF32(codes.sigmoid, p!, out, n), [x]), 'sigmoid above 2 GiB');
    assertSameBits(k.binary('div', dense(x, [N]), dense(y, [N]), 'float32'),
      whole((rt, [a, b], out, n) => rt.exports.binaryF32(binaryCodes.div, a!, b!, out, n), [x, y]), 'div above 2 GiB');
  });

  test('wasm memory grows by the block bound, not by the tensor, for a large op', () => {
    // A fresh runtime: 5.2M floats (20 MiB, a LeNet eval batch's first activation) through relu and add.
    const rt = WasmRuntime.create({ singleThreaded: true })!;
    const k = makeElementwise(rt);
    const n = 20 * ONE_PASS_BLOCK + 1;
    const a = values(n, 6);
    const b = values(n, 7);
    const before = rt.memory.buffer.byteLength;
    const relu = k.unary('relu', dense(a, [n]), 'float32') as Float32Array;
    const sum = k.binary('add', dense(a, [n]), dense(b, [n]), 'float32') as Float32Array;
    const grown = rt.memory.buffer.byteLength - before;
    // Two inputs and an output of one block each, plus the allocator's growth slack (a quarter of the memory).
    const bound = 3 * ONE_PASS_BLOCK * 4 + before / 4 + (1 << 16);
    assert.ok(grown <= bound, `wasm memory grew by ${grown} bytes for a ${n * 4}-byte op (bound ${bound})`);
    assert.equal(relu[n - 1], Math.max(a[n - 1]!, 0));
    assert.equal(sum[n - 1], Math.fround(a[n - 1]! + b[n - 1]!));
  });
});
