/**
 * The WebAssembly backend: SIMD kernels compiled from asm/ by AssemblyScript, run on all cores.
 * Importing this module registers it as 'wasm' and makes it the default backend; kernels it does
 * not provide (and dtypes other than float32) fall back to the reference cpu kernels. Where
 * WebAssembly SIMD is missing, nothing is registered and cpu stays the default.
 *
 * Setting the environment variable NABLA_BACKEND=cpu (Node) keeps cpu the default, so the test
 * suite can run on the reference backend.
 */
import type { Backend } from '../types.js';
import { registerBackend } from '../registry.js';
import { cpuBackend } from '../cpu/index.js';
import { nodeProcess, withFallback, WasmRuntime, type SimdLevel } from './runtime.js';
import { makeMatmul } from './matmul.js';
import { makeConvKernels } from './conv.js';
import { makeElementwise } from './elementwise.js';
import { makeOptimizerSteps } from './optim.js';
import { makeWord2VecTrain } from './word2vec.js';
import { makePooling } from './pooling.js';
import { makeRecurrent } from './recurrent.js';
import { makeNormalization } from './norm.js';

type Kernel = (...args: never[]) => unknown;

/**
 * The kernel `fast`, or the reference kernel for a call whose operands do not fit in wasm32's
 * 4 GiB (the operands are JS arrays already: the reference needs only its result's memory).
 */
function orReference<K extends keyof Backend>(name: K, fast: Backend[K]): Backend[K] {
  const reference = cpuBackend[name];
  if (typeof fast !== 'function' || typeof reference !== 'function') return fast;
  return withFallback(fast as Kernel, reference as Kernel) as Backend[K];
}

/** The kernels of a runtime, as a partial Backend for registerBackend. */
export function wasmKernels(runtime: WasmRuntime): Partial<Backend> {
  const kernels: Partial<Backend> = {
    ...makeElementwise(runtime), matmul: makeMatmul(runtime), ...makeConvKernels(runtime), ...makePooling(runtime),
    ...makeOptimizerSteps(runtime), ...makeRecurrent(runtime), word2vecTrain: makeWord2VecTrain(runtime), ...makeNormalization(),
    residentZeros: (dtype, count) => (dtype === 'float32' ? runtime.residentZeros(count) : null),
    recycle: (data) => runtime.arrays.give(data),
  };
  for (const name of Object.keys(kernels) as (keyof Backend)[]) {
    (kernels as Record<string, unknown>)[name] = orReference(name, kernels[name] as Backend[typeof name]);
  }
  return kernels;
}

function defaultThreadCount(): number {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, Math.floor(cores ?? 1));
}

const runtime = WasmRuntime.create();
if (runtime !== undefined) {
  runtime.setThreadCount(defaultThreadCount());
  registerBackend('wasm', wasmKernels(runtime), nodeProcess()?.env?.NABLA_BACKEND !== 'cpu');
}

/**
 * Sets how many threads (the calling one included) the wasm backend's large kernels use. The
 * default is the number of cores; 1 keeps everything on the calling thread.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new Error(`setNumThreads: expected a positive integer, got ${String(threads)}`);
  }
  runtime?.setThreadCount(threads);
}

/**
 * Resolves when the backend is ready to run on all its threads. In a browser the worker threads
 * start only while the page yields to its event loop: `await nb.ready()` once before a synchronous
 * training loop, or the loop runs on the page's thread alone until it yields. In Node it is never
 * needed (threads start on the first large kernel), and it resolves at once where the wasm
 * backend or shared memory is unavailable.
 */
export async function ready(): Promise<void> {
  await runtime?.pool?.ready();
}

/** Threads the wasm backend's large kernels use (1 when threads or the backend are unavailable). */
export function getNumThreads(): number {
  return runtime?.threadCount ?? 1;
}

/**
 * How the wasm backend runs here, or null where it could not load. `workersRunning` counts the
 * worker threads that have started; `workerChunks` the pieces of work they (not the calling
 * thread) have run so far.
 */
export function wasmBackendInfo(): {
  simd: SimdLevel; sharedMemory: boolean; threads: number; memoryBytes: number; workersRunning: number; workerChunks: number;
} | null {
  if (runtime === undefined) return null;
  return {
    simd: runtime.simd,
    sharedMemory: runtime.shared,
    threads: runtime.threadCount,
    memoryBytes: runtime.memory.buffer.byteLength,
    workersRunning: runtime.pool?.runningWorkers ?? 0,
    workerChunks: runtime.pool?.workerChunks ?? 0,
  };
}
