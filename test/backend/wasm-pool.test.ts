/**
 * The thread pool's hand-offs: a worker sleeps as soon as a round's chunks run out (a worker that
 * polled ~130-400 us after a round took the core from the calling thread whenever both shared one,
 * and the caller paid the poll inside Atomics.notify), and a product's packing and compute are two
 * phases of one round (one wake-up), the second starting only once the first is done.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';
import { makeMatmul } from '../../src/backend/wasm/matmul.js';
import type { View } from '../../src/backend/types.js';
import { runGemm } from '../../src/backend/wasm/gemm.js';

/** A packing task over zero columns: every chunk returns at once, so a round is pure hand-off. */
function emptyTask(runtime: WasmRuntime): number {
  runtime.beginCall('test');
  const offsets = runtime.alloc(16);
  const task = runtime.alloc(24 * 4);
  const words = runtime.i32;
  const t = task >>> 2;
  words.fill(0, t, t + 24);
  words[t] = 6; // TASK_PACK_B
  words[t + 3] = 4; // K
  words[t + 14] = offsets;
  words[t + 17] = 1; // panels per chunk
  words[t + 18] = 1; // chunks per block of K
  return task;
}

/** Blocks this thread (without using CPU) for `ms` milliseconds. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function cpuMicroseconds(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const runtime = WasmRuntime.create();
const noThreads = runtime?.pool === undefined && 'no WebAssembly threads here';

test('workers sleep as soon as a round is done, a two-phase round included', { skip: noThreads }, async () => {
  if (runtime?.pool === undefined) return;
  runtime.setThreadCount(2);
  await runtime.pool.ready();
  const task = emptyTask(runtime);
  const rounds = 20;
  /**
   * Process CPU (every thread) per round, over `rounds` rounds each followed by 2 ms of sleep on
   * this thread: the least of five batches, so other processes preempting a thread (which then
   * polls while it waits) do not count, a worker that always polls does.
   */
  const cpuOver = (round: () => void): number => {
    let least = Infinity;
    for (let batch = 0; batch < 5; batch++) {
      const start = cpuMicroseconds();
      for (let i = 0; i < rounds; i++) {
        round();
        sleep(2);
      }
      least = Math.min(least, (cpuMicroseconds() - start) / rounds);
    }
    return least;
  };
  const oneRound = (): void => runtime.run(task, 2, true);
  const twoPhases = (): void => runtime.run(task, 2, true, { task, count: 2 });
  cpuOver(oneRound);
  const sleepOnly = cpuOver(() => {});
  // A hand-off costs ~10-30 us of CPU; a worker polling after it ~130-500 us more (by the load).
  for (const [name, round] of [['a round', oneRound], ['a two-phase round', twoPhases]] as const) {
    const used = cpuOver(round) - sleepOnly;
    assert.ok(used < 100, `workers used ${used.toFixed(0)} us of CPU per ${name}`);
  }
});

/** A row-major float32 view of `values` with the given shape. */
function view(values: Float32Array, shape: number[]): View {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { data: values, dtype: 'float32', shape, strides, offset: 0 } as View;
}

test('a product on two threads packs B before any thread multiplies by it (bit-identical to one thread)', { skip: noThreads }, async () => {
  if (runtime?.pool === undefined) return;
  const matmul = makeMatmul(runtime);
  // Packing B (1024 x 512) takes longer than a compute chunk (6 rows of A): a chunk run before the
  // packing is done reads the previous call's B.
  const [m, k, n] = [24, 1024, 512];
  const a = view(Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)), [m, k]);
  runtime.setThreadCount(2);
  await runtime.pool.ready();
  const before = runtime.pool.workerChunks;
  for (let call = 0; call < 200 && runtime.pool.workerChunks - before < 100; call++) {
    const b = view(Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * (call + 1))), [k, n]);
    runtime.setThreadCount(1);
    const serial = matmul(a, b, 'float32');
    runtime.setThreadCount(2);
    const parallel = matmul(a, b, 'float32');
    assert.deepEqual(new Uint32Array(parallel.buffer), new Uint32Array(serial.buffer), `call ${call}`);
  }
  assert.ok(runtime.pool.workerChunks > before, 'the worker ran none of the chunks');
});

/** A [m, k] @ [k, n] product of small integers (exact in float32) on `threads` threads, A written by runGemm's host work. */
function productWithHostWork(threads: number, m: number, k: number, n: number): Float32Array {
  const rt = runtime!;
  rt.setThreadCount(threads);
  rt.beginCall('test');
  const a = rt.alloc(m * k * 4);
  const b = rt.alloc(k * n * 4);
  const c = rt.alloc(m * n * 4);
  rt.f32.fill(Number.NaN, a >>> 2, (a >>> 2) + m * k);
  rt.f32.set(Float32Array.from({ length: k * n }, (_, i) => ((i * 3) % 7) - 3), b >>> 2);
  let calls = 0;
  runGemm(rt, { m, n, k, a, b, c, rsA: k, csA: 1, rsB: n, csB: 1, ldc: n, offsets: [0, 0, 0] }, () => {
    // A reaches memory only here, after the workers have had time to pack B: a product chunk that
    // read A before would see NaN.
    calls++;
    sleep(threads > 1 ? 5 : 0);
    rt.f32.set(Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 5) - 2), a >>> 2);
  });
  assert.equal(calls, 1, `${threads} threads: the host work ran once`);
  return rt.f32.slice(c >>> 2, (c >>> 2) + m * n);
}

test("a product's host work (staging A) runs once, while B is packed and before the product reads A", { skip: noThreads }, async () => {
  if (runtime?.pool === undefined) return;
  // 19 MFLOP: above the size that runs on several threads (B packed once, then the row blocks).
  const [m, k, n] = [185, 400, 130];
  const single = productWithHostWork(1, m, k, n);
  assert.ok(single.every((v) => Number.isInteger(v)), 'the product of integers is exact');
  for (const threads of [2, 3]) {
    await runtime.pool.ready();
    for (let repeat = 0; repeat < 3; repeat++) assert.deepEqual(productWithHostWork(threads, m, k, n), single, `${threads} threads`);
  }
  runtime.setThreadCount(1);
});

test('a product of depth 0 writes zeros (or keeps C when accumulating) instead of trapping', { skip: runtime === undefined && 'no WebAssembly SIMD here' }, () => {
  const rt = runtime!;
  const [m, n, ldc] = [5, 3, 4];
  for (const accumulate of [false, true]) {
    rt.beginCall('test');
    const a = rt.alloc(16);
    const b = rt.alloc(16);
    const c = rt.alloc(2 * m * ldc * 4);
    rt.f32.fill(7, c >>> 2, (c >>> 2) + 2 * m * ldc);
    let hostWork = 0;
    runGemm(rt, { m, n, k: 0, a, b, c, rsA: 0, csA: 1, rsB: n, csB: 1, ldc, offsets: [0, 0, 0, 0, 0, m * ldc], accumulate }, () => hostWork++);
    const out = rt.f32.slice(c >>> 2, (c >>> 2) + 2 * m * ldc);
    // Column 3 of each row lies outside the [m, n] result (ldc 4): never written.
    const expected = Float32Array.from(out, (_, i) => (i % ldc < n && !accumulate ? 0 : 7));
    assert.deepEqual(out, expected, `accumulate ${accumulate}`);
    assert.equal(hostWork, 1, 'the host work still runs once');
  }
});

test('a product split over threads gives every chunk the same rows, to a tile', { skip: runtime === undefined && 'no WebAssembly SIMD here' }, () => {
  const rt = runtime!;
  const [m, n, k, chunks] = [1024, 8, 4, 8];
  rt.beginCall('test');
  const offsets = rt.alloc(12);
  const task = rt.alloc(24 * 4);
  const a = rt.alloc(m * k * 4);
  const b = rt.alloc(k * n * 4);
  const c = rt.alloc(m * n * 4);
  rt.f32.fill(1, a >>> 2, (a >>> 2) + m * k);
  rt.f32.fill(1, b >>> 2, (b >>> 2) + k * n);
  const words = rt.i32;
  const t = task >>> 2;
  words.fill(0, t, t + 24);
  words.fill(0, offsets >>> 2, (offsets >>> 2) + 3);
  // TASK_GEMM; M, N, K; strides of A and B; A, B, C, ldc; row and column blocks; batch offsets.
  words.set([1, m, n, k, k, 1, n, 1, a, b, c, n, chunks, 1, offsets], t);
  const rows: number[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    rt.f32.fill(0, c >>> 2, (c >>> 2) + m * n);
    rt.exports.runChunk(task, chunk, rt.scratch(0));
    let written = 0;
    for (let i = 0; i < m; i++) if (rt.f32[(c >>> 2) + i * n] === k) written++;
    rows.push(written);
  }
  assert.equal(rows.reduce((s, r) => s + r, 0), m);
  // 1024 rows are 171 tiles of 6 rows (the last of 4): 21 or 22 tiles a chunk, not 132-row chunks and a last of 100.
  assert.ok(Math.max(...rows) - Math.min(...rows) <= 6, `rows per chunk: ${rows.join(', ')}`);
});
