/**
 * Loads the WebAssembly kernels and owns their memory. Picks the fastest variant the engine
 * accepts (relaxed SIMD with fused multiply-add, else plain SIMD; shared memory when threads are
 * possible, else private memory), compiles it synchronously, and lays the memory out as:
 *
 *   [static | control words | resident arrays | per-thread scratch | per-call area]
 *
 * The per-call area is a bump allocator reset by every kernel call, so memory grows to the
 * largest call seen and then stays flat: a training loop never grows it step after step.
 * Resident arrays (shared memory only) are typed arrays that live in wasm memory for good, such
 * as optimizer state, so kernels use them in place; a block is reused once its array is
 * garbage-collected.
 */
import * as binaries from './generated/kernels.js';
import { ThreadPool, CONTROL_WORDS, type SecondPhase } from './pool.js';
import { ArrayPool } from './array-pool.js';

/** What the compiled module exports (asm/index.ts). */
export interface KernelExports {
  heapBase(): number;
  scratchBytes(): number;
  runChunk(task: number, chunk: number, scratch: number): void;
  adamStepF32(p: number, g: number, m: number, v: number, vmax: number, n: number, args: number): void;
  unaryF32(op: number, x: number, out: number, n: number): void;
  clampF32(x: number, out: number, n: number, lo: number, hi: number): void;
  binaryF32(op: number, a: number, b: number, out: number, n: number): void;
  maxPoolBackwardF32(grad: number, indices: number, gx: number, planes: number, outs: number, plane: number): void;
  transposeF32(src: number, dst: number, rows: number, cols: number): void;
  sumRowsF32(x: number, rows: number, inner: number, out: number, acc: number): void;
  sumAllF32(x: number, n: number): number;
  /** 1 when all n floats at x are below bound in magnitude (so finite), else 0. */
  allWithinF32(x: number, n: number, bound: number): number;
  copyTapsF32(
    full: number, part: number, filters: number, KD: number, KH: number, KW: number, cd: number, ch: number, cw: number,
    fd: number, fh: number, fw: number, toPart: boolean,
  ): number;
  winogradFiltersF32(from: number, to: number, O: number, C: number): void;
  winogradFilterGradientsF32(from: number, to: number, O: number, C: number): void;
  regroupF32(from: number, to: number, batch: number, channels: number, outs: number, toTensor: boolean, bias: number): void;
  sgdStepF32(p: number, g: number, buf: number, n: number, args: number): void;
  packWholeA(a: number, rsA: number, csA: number, M: number, K: number, dst: number): void;
  sumBlocksF32(x: number, outer: number, width: number, inner: number, out: number, acc: number): void;
  softmaxRowsF32(x: number, out: number, rows: number, len: number, log: boolean, row: number): void;
  lstmCellF32(gates: number, hiddenGates: number, c: number, hNext: number, cNext: number, activations: number, rows: number, hidden: number): void;
  lstmCellBackwardF32(gradH: number, gradC: number, activations: number, c: number, out: number, rows: number, hidden: number): void;
  gruCellF32(gi: number, gh: number, h: number, next: number, activations: number, rows: number, hidden: number): void;
  lstmPackWeights(whh: number, hidden: number, packed: number, backward: boolean): void;
}

export type SimdLevel = 'relaxed' | 'plain';

export interface RuntimeOptions {
  /** Force plain SIMD even where relaxed SIMD is available (for benchmarks). */
  simd?: SimdLevel;
  /** Use private memory and no worker threads. */
  singleThreaded?: boolean;
  /** Tests: memory limit in bytes below wasm32's 4 GiB, to reach the limit cheaply. */
  maxBytes?: number;
  /**
   * Tests: bytes left unused before the per-thread scratch and the per-call area, so every
   * kernel's operands, panels and descriptors sit above them (above 2 GiB, say) at little cost:
   * pages never written take no memory.
   */
  workAreaOffset?: number;
}

const PAGE_BYTES = 65536;
/** All of wasm32's address space. */
const WASM32_BYTES = 2 ** 32;
const ALIGN = 64;
/**
 * Address space set aside for resident arrays (pages are only backed once written). Beyond it,
 * residentZeros returns null and callers use ordinary arrays.
 */
const RESIDENT_BYTES = 64 << 20;
/** The most the pool of dead result arrays holds (the LSTM benchmark's gate gradient alone is 3.2 MB). */
const ARRAY_POOL_BYTES = 32 << 20;

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * A kernel needs more WebAssembly memory than wasm32 can address; the backend then runs the
 * reference kernel instead (src/backend/wasm/index.ts).
 */
export class WasmMemoryLimitError extends RangeError {
  /** `refused`: the engine would not grow the memory that far (a browser's own limit, or no memory left). */
  constructor(readonly op: string, readonly bytes: number, readonly limit: number, refused = false) {
    const limitText = limit === WASM32_BYTES ? '4 GiB' : `${limit} bytes`;
    const why = refused
      ? `but the engine refused to grow WebAssembly memory past ${limit} bytes`
      : `but wasm32 memory is limited to ${limitText}`;
    super(`wasm backend: ${op} needs ${bytes} bytes of WebAssembly memory, ${why}; for tensors this large use the reference backend: nb.setBackend('cpu')`);
    this.name = 'WasmMemoryLimitError';
  }
}

/** `fast`, or `fallback` for a call that does not fit in wasm memory (WasmMemoryLimitError). */
export function withFallback<A extends unknown[], R>(fast: (...args: A) => R, fallback: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fast(...args);
    } catch (error) {
      if (error instanceof WasmMemoryLimitError) return fallback(...args);
      throw error;
    }
  };
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/** The parts of Node's `process` the runtime looks at; absent in browsers. */
interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

export function nodeProcess(): NodeProcess | undefined {
  const candidate = (globalThis as { process?: NodeProcess }).process;
  return candidate?.versions?.node !== undefined ? candidate : undefined;
}

/** Node 20's V8 ships relaxed SIMD behind a flag that can be set before a module is compiled. */
function enableRelaxedSimdInNode(): void {
  const v8 = nodeProcess()?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  v8?.setFlagsFromString?.('--experimental-wasm-relaxed-simd');
}

/** Whether memory can be shared with worker threads here (Node, or a cross-origin isolated page). */
function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (nodeProcess() !== undefined) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

function pickBinary(shared: boolean, simd: SimdLevel | undefined): { bytes: Uint8Array<ArrayBuffer>; simd: SimdLevel } | undefined {
  if (simd !== 'plain') {
    const relaxed = decodeBase64(shared ? binaries.relaxedShared : binaries.relaxedPrivate);
    if (WebAssembly.validate(relaxed)) return { bytes: relaxed, simd: 'relaxed' };
    enableRelaxedSimdInNode();
    if (WebAssembly.validate(relaxed)) return { bytes: relaxed, simd: 'relaxed' };
  }
  const plain = decodeBase64(shared ? binaries.plainShared : binaries.plainPrivate);
  if (WebAssembly.validate(plain)) return { bytes: plain, simd: 'plain' };
  return undefined;
}

export class WasmRuntime {
  readonly simd: SimdLevel;
  readonly shared: boolean;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  readonly pool: ThreadPool | undefined;
  /** Dead result arrays the autograd engine handed back, reused by unstage. */
  readonly arrays: ArrayPool;
  /** Byte offset of the control words the thread pool synchronises on. */
  readonly control: number;
  private readonly scratchStride: number;
  private scratchBase: number;
  private readonly residentBase: number;
  private readonly residentEnd: number;
  /** Free blocks of the resident region, by address. */
  private residentFree: { at: number; bytes: number }[];
  private readonly residentArrays = new WeakSet<Float32Array>();
  private readonly residentRelease = new FinalizationRegistry<{ at: number; bytes: number }>((block) => this.releaseResident(block));
  private readonly maxBytes: number;
  private callBase = 0;
  private cursor = 0;
  /** The kernel of the current call, for error messages. */
  private op = '';
  private threads = 1;
  f32!: Float32Array;
  i32!: Int32Array;

  private constructor(module: WebAssembly.Module, simd: SimdLevel, shared: boolean, options: RuntimeOptions) {
    this.simd = simd;
    this.shared = shared;
    this.maxBytes = Math.min(options.maxBytes ?? Infinity, binaries.maxPages * PAGE_BYTES);
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: binaries.maxPages, shared });
    this.arrays = new ArrayPool(ARRAY_POOL_BYTES, this.memory);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.control = alignUp(this.exports.heapBase(), ALIGN);
    this.scratchStride = alignUp(this.exports.scratchBytes(), ALIGN);
    this.residentBase = alignUp(this.control + CONTROL_WORDS * 4, ALIGN);
    this.residentEnd = this.residentBase + (shared ? RESIDENT_BYTES : 0);
    this.residentFree = [{ at: this.residentBase, bytes: this.residentEnd - this.residentBase }];
    this.scratchBase = alignUp(this.residentEnd + (options.workAreaOffset ?? 0), ALIGN);
    this.refreshViews();
    this.layout(1);
    this.pool = shared ? new ThreadPool(this, module) : undefined;
  }

  /** Compiles and instantiates the best variant, or returns undefined where WebAssembly SIMD is missing. */
  static create(options: RuntimeOptions = {}): WasmRuntime | undefined {
    if (typeof WebAssembly !== 'object') return undefined;
    const shared = options.singleThreaded !== true && canShareMemory();
    const picked = pickBinary(shared, options.simd);
    if (picked === undefined) return undefined;
    return new WasmRuntime(new WebAssembly.Module(picked.bytes), picked.simd, shared, options);
  }

  /** Threads that may run one kernel (the calling thread included). */
  get threadCount(): number {
    return this.threads;
  }

  setThreadCount(n: number): void {
    this.threads = this.pool === undefined ? 1 : n;
    this.layout(this.threads);
    this.pool?.resize(this.threads - 1);
  }

  /** Scratch bytes of thread `id` (0 is the calling thread). */
  scratch(id: number): number {
    return this.scratchBase + id * this.scratchStride;
  }

  get scratchLayout(): { base: number; stride: number } {
    return { base: this.scratchBase, stride: this.scratchStride };
  }

  /**
   * A zeroed float32 array that lives in wasm memory (kernels read and write it in place), or
   * null without shared memory (growing private memory would detach it) or when the region is
   * full. Its block is reused after the array is garbage-collected.
   */
  residentZeros(count: number): Float32Array | null {
    const bytes = alignUp(Math.max(1, count) * 4, ALIGN);
    const index = this.residentFree.findIndex((b) => b.bytes >= bytes);
    if (index < 0) return null;
    const block = this.residentFree[index]!;
    const at = block.at;
    if (block.bytes === bytes) this.residentFree.splice(index, 1);
    else this.residentFree[index] = { at: at + bytes, bytes: block.bytes - bytes };
    const array = new Float32Array(this.memory.buffer, at, count);
    array.fill(0);
    this.residentArrays.add(array);
    this.residentRelease.register(array, { at, bytes });
    return array;
  }

  /** The byte address of a view's element `offset` when its array is resident, else -1. */
  residentAddress(data: unknown, offset: number): number {
    return data instanceof Float32Array && this.residentArrays.has(data) ? data.byteOffset + offset * 4 : -1;
  }

  private releaseResident(block: { at: number; bytes: number }): void {
    const free = this.residentFree;
    const after = free.findIndex((b) => b.at > block.at);
    const i = after < 0 ? free.length : after;
    free.splice(i, 0, block);
    // Merge with the neighbours it touches: the next block, then the previous one.
    const touches = (k: number): boolean => free[k]!.at + free[k]!.bytes === free[k + 1]!.at;
    for (const k of [i, i - 1]) {
      if (k >= 0 && k + 1 < free.length && touches(k)) {
        free[k] = { at: free[k]!.at, bytes: free[k]!.bytes + free[k + 1]!.bytes };
        free.splice(k + 1, 1);
      }
    }
  }

  /** Starts a call of kernel `op`: everything allocated by the previous call is free again. */
  beginCall(op: string): void {
    this.op = op;
    this.cursor = this.callBase;
  }

  /**
   * Bytes for this call, 64-byte aligned; grows the memory when needed (views are refreshed).
   * Memory always extends ALIGN bytes past the allocation: kernels may load (and then mask off)
   * a vector's worth past an array's end (asm/columns.ts, asm/winograd.ts).
   */
  alloc(bytes: number): number {
    const at = this.cursor;
    this.cursor = alignUp(at + bytes, ALIGN);
    this.ensure(this.cursor + ALIGN);
    return at;
  }

  private layout(threads: number): void {
    this.callBase = alignUp(this.scratchBase + threads * this.scratchStride, ALIGN);
    this.ensure(this.callBase);
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    if (bytes > this.maxBytes) throw new WasmMemoryLimitError(this.op || 'a kernel', bytes, this.maxBytes);
    // Grow by at least a quarter so a slowly rising peak does not grow on every call (in
    // floating point: sizes reach 2^32, beyond 32-bit integer arithmetic).
    const target = Math.min(this.maxBytes, Math.max(bytes, have + Math.floor(have / 4)));
    if (!this.grow(target - have) && !this.grow(bytes - have)) throw new WasmMemoryLimitError(this.op || 'a kernel', bytes, have, true);
    this.refreshViews();
  }

  /** Grows the memory by at least `bytes`; false when the engine refuses (grow throws a RangeError). */
  private grow(bytes: number): boolean {
    try {
      this.memory.grow(Math.ceil(bytes / PAGE_BYTES));
      return true;
    } catch (error) {
      if (error instanceof RangeError) return false;
      throw error;
    }
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    this.f32 = new Float32Array(buffer);
    this.i32 = new Int32Array(buffer);
  }

  /**
   * Runs chunks 0..count-1 of the task at `task`, on the pool when `parallel` and threads allow;
   * then, when given, the chunks of a second phase (which may read anything the first wrote).
   * `host`: work only this thread can do that the first phase does not need, overlapped with the
   * workers' chunks (see ThreadPool.run); run first here.
   */
  run(task: number, count: number, parallel: boolean, then?: SecondPhase, host?: () => void): void {
    if (parallel && this.pool !== undefined && this.threads > 1 && count + (then?.count ?? 0) > 1) {
      this.pool.run(task, count, then, host);
      return;
    }
    host?.();
    const scratch = this.scratch(0);
    for (let chunk = 0; chunk < count; chunk++) this.exports.runChunk(task, chunk, scratch);
    if (then !== undefined) for (let chunk = 0; chunk < then.count; chunk++) this.exports.runChunk(then.task, chunk, scratch);
  }
}
