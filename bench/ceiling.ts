/**
 * The ceiling the wasm kernels are held to: 128-bit f32x4 multiply-add throughput in this engine,
 * measured, not estimated. A tiny AssemblyScript function (compiled here at bench time) runs 12
 * independent accumulator chains (the gemm's 6x8 tile has 12 f32x4 accumulators: enough to hide
 * the multiply-add's latency), with the instruction the kernels use: `f32x4.relaxed_madd` where
 * the engine has relaxed SIMD (asm/simd.ts's `fma`), else `f32x4.mul` + `f32x4.add`. Operands
 * stay in registers: no loads, so this is the arithmetic peak the gemm's inner loop approaches.
 *
 * A step does the workload's `flops` (the matmul's 2n^3) split over `threads` threads: the calling
 * thread and worker threads that sleep in Atomics.wait between steps, as Nabla's pool does.
 */
import asc from 'assemblyscript/asc';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Prepared, Side, Spec } from './harness.js';

const CHAINS = 12;
/** Each chain gets two multiply-adds per loop iteration, so the loop's own instructions are few. */
const PER_CHAIN = 2;
const FLOPS_PER_ITERATION = CHAINS * PER_CHAIN * 4 * 2;

function source(relaxed: boolean): string {
  const madd = (c: string, b: string): string => (relaxed ? `f32x4.relaxed_madd(a, ${b}, ${c})` : `f32x4.add(${c}, f32x4.mul(a, ${b}))`);
  const chains = Array.from({ length: CHAINS }, (_, i) => `c${i}`);
  const body = Array.from({ length: PER_CHAIN }, () => chains.map((c, i) => `    ${c} = ${madd(c, i % 2 === 0 ? 'b0' : 'b1')};`).join('\n')).join('\n');
  const sum = chains.reduce((acc, c) => `f32x4.add(${acc}, ${c})`);
  return `
export function chains(iterations: i32): f32 {
  const a = f32x4.splat(1.0000001);
  const b0 = f32x4.splat(0.9999999);
  const b1 = f32x4.splat(1.0000002);
  let ${chains.map((c) => `${c} = f32x4.splat(0)`).join(', ')};
  for (let i = 0; i < iterations; i++) {
${body}
  }
  return f32x4.extract_lane(${sum}, 0);
}`;
}

async function compile(relaxed: boolean): Promise<WebAssembly.Module | undefined> {
  const enable = relaxed ? ['simd', 'relaxed-simd'] : ['simd'];
  const result = await asc.compileString({ 'ceiling.ts': source(relaxed) }, { optimizeLevel: 3, runtime: 'stub', enable, noExportMemory: true });
  if (result.error !== null || result.binary === null) throw new Error(`ceiling: AssemblyScript failed: ${result.stderr.toString()}`);
  const bytes = new Uint8Array(result.binary); // a copy on an ordinary ArrayBuffer, as WebAssembly's API wants
  return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
}

/** The module with the instruction Nabla's kernels use here (relaxed SIMD where the engine takes it, as the backend's loader decides). */
async function pickModule(): Promise<{ module: WebAssembly.Module; instruction: string }> {
  setFlagsFromString('--experimental-wasm-relaxed-simd'); // Node 20; on by default from Node 22
  const relaxed = await compile(true);
  if (relaxed !== undefined) return { module: relaxed, instruction: 'f32x4.relaxed_madd' };
  const plain = await compile(false);
  if (plain === undefined) throw new Error('WebAssembly SIMD is not available');
  return { module: plain, instruction: 'f32x4.mul + f32x4.add' };
}

// A worker: sleeps until the generation word changes, runs its share, counts itself done.
const WORKER = `
const { workerData } = require('node:worker_threads');
const run = new WebAssembly.Instance(workerData.module).exports.chains;
const control = new Int32Array(workerData.control);
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  seen = Atomics.load(control, 0);
  if (seen < 0) break;
  run(control[2]);
  Atomics.add(control, 1, 1);
  Atomics.notify(control, 1);
}`;

let threads = 1;
let picked: { module: WebAssembly.Module; instruction: string } | undefined;

async function fma(spec: Spec): Promise<Prepared> {
  picked ??= await pickModule();
  const run = (new WebAssembly.Instance(picked.module).exports as { chains: (iterations: number) => number }).chains;
  const flops = Number(spec.flops);
  if (!(flops > 0)) throw new Error(`ceiling: the workload has no flops (got ${String(spec.flops)})`);
  const iterations = Math.max(1, Math.round(flops / threads / FLOPS_PER_ITERATION));
  const control = new Int32Array(new SharedArrayBuffer(12));
  const workers = Array.from({ length: threads - 1 }, () => new Worker(WORKER, { eval: true, workerData: { module: picked!.module, control: control.buffer } }));
  for (const w of workers) w.unref();
  control[2] = iterations;
  run(1000); // compiled before timing
  return {
    step: () => {
      Atomics.store(control, 1, 0);
      Atomics.add(control, 0, 1);
      Atomics.notify(control, 0);
      run(iterations);
      for (let done = Atomics.load(control, 1); done < workers.length; done = Atomics.load(control, 1)) Atomics.wait(control, 1, done);
    },
    finish: () => ({ instruction: picked!.instruction, 'flops per step': iterations * threads * FLOPS_PER_ITERATION }),
  };
}

export const side: Side = {
  init(options) {
    threads = Math.max(1, Number(options.threads ?? 1));
  },
  workloads: { matmul: fma },
};
