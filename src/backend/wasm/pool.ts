/**
 * Worker threads that share the kernels' WebAssembly memory. A kernel call is split into chunks;
 * the calling thread and the workers take chunks from one atomic counter until none are left, so
 * a worker that is slow to wake (or not started yet) just takes fewer. Workers sleep in
 * Atomics.wait between calls and use no CPU. Node uses worker_threads, browsers Web Workers made
 * from a Blob (the page must be cross-origin isolated for shared memory); the worker script has
 * no imports: it instantiates the same compiled module over the same memory.
 */
import { nodeProcess, type WasmRuntime } from './runtime.js';

// Control words (i32 indices from runtime.control).
const GEN = 0;
const NEXT = 1;
const DONE = 2;
const TASK = 3;
const BASE = 4;
const SCRATCH_BASE = 5;
const SCRATCH_STRIDE = 6;
const FAILED = 7;
/** Workers with an id above this sit rounds out (setNumThreads lowered the count). */
const ACTIVE = 8;
/** Workers that have instantiated the module and entered their loop. */
const STARTED = 9;
/** In a two-phase round, the index of the first chunk of the second phase (the round's count when there is none). */
const SECOND_AT = 10;
/** The second phase's task; its chunks are numbered from 0. */
const SECOND_TASK = 11;
export const CONTROL_WORDS = 16;

/**
 * A ticket (the NEXT word) holds the round's chunk count in its high bits and the next chunk
 * index in its low 13 bits, so one atomic add hands out an index together with the count it
 * belongs to: a worker waking late can never pair an index with another round's count.
 */
const INDEX_BITS = 13;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
/** Chunks per round; the index field must not overflow (count + threads < 2^13). */
const MAX_ROUND = 4000;
/**
 * Polls (of an atomic load, a few ns each) before a thread sleeps while it waits for chunks other
 * threads hold: the calling thread at the end of a round, and any thread at a two-phase round's
 * barrier. A worker sleeps as soon as the chunks run out: a worker that polled after a round
 * (~130-400 us) took the core from the calling thread whenever both shared one (a loaded machine,
 * or the scheduler waking the worker on the caller's core), and the calling thread then paid the
 * whole poll inside Atomics.notify.
 */
const SPIN = 20000;
/**
 * Polls at a two-phase round's barrier: the wait there is for the other thread's last chunk of the
 * first phase (a product's packing: ~5-10 us), so a longer wait means that thread lost its core.
 */
const BARRIER_SPIN = 4000;

const WORKER_BODY = `
function work(data) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const runChunk = instance.exports.runChunk;
  const words = new Int32Array(data.memory.buffer, data.control, ${CONTROL_WORDS});
  let seen = Atomics.load(words, ${GEN});
  Atomics.add(words, ${STARTED}, 1);
  for (;;) {
    Atomics.wait(words, ${GEN}, seen);
    seen = Atomics.load(words, ${GEN});
    if (data.id > Atomics.load(words, ${ACTIVE})) continue;
    for (;;) {
      const ticket = Atomics.add(words, ${NEXT}, 1);
      const index = ticket & ${INDEX_MASK};
      const count = ticket >>> ${INDEX_BITS};
      if (index >= count) break;
      const secondAt = Atomics.load(words, ${SECOND_AT});
      try {
        const scratch = Atomics.load(words, ${SCRATCH_BASE}) + data.id * Atomics.load(words, ${SCRATCH_STRIDE});
        if (index < secondAt) {
          runChunk(Atomics.load(words, ${TASK}), Atomics.load(words, ${BASE}) + index, scratch);
        } else {
          waitForDone(words, secondAt, ${BARRIER_SPIN});
          runChunk(Atomics.load(words, ${SECOND_TASK}), index - secondAt, scratch);
        }
      } catch (error) {
        Atomics.store(words, ${FAILED}, 1);
      }
      const done = Atomics.add(words, ${DONE}, 1) + 1;
      if (done === count || done === secondAt) Atomics.notify(words, ${DONE});
    }
  }
}

/** Waits until the round's DONE word reaches target: polls, then sleeps (a worker may block). */
function waitForDone(words, target, polls) {
  for (let spin = 0; spin < polls && Atomics.load(words, ${DONE}) < target; spin++);
  for (let done = Atomics.load(words, ${DONE}); done < target; done = Atomics.load(words, ${DONE})) Atomics.wait(words, ${DONE}, done);
}
`;

const NODE_WORKER_SOURCE = `${WORKER_BODY}\nwork(require('node:worker_threads').workerData);\n`;
const BROWSER_WORKER_SOURCE = `${WORKER_BODY}\nself.onmessage = (event) => work(event.data);\n`;

/** A round's second phase: `count` chunks of `task`, started once the first phase's are all done. */
export interface SecondPhase {
  task: number;
  count: number;
}

/** A started worker; held so it stays referenced while it sleeps. */
type WorkerHandle = object;

/** How long ready() waits for workers that do not start (a page that blocks them) before giving up on them. */
const READY_TIMEOUT_MS = 10_000;

interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  id: number;
}

type Spawner = (data: WorkerData) => WorkerHandle;

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: WorkerData }) => WorkerHandle & { unref(): void };
}

function nodeSpawner(threads: NodeWorkerThreads): Spawner {
  return (data) => {
    const worker = new threads.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
    worker.unref(); // idle workers must not keep the process alive
    return worker;
  };
}

function browserSpawner(): Spawner | undefined {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function') return undefined;
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
  return (data) => {
    const worker = new Worker(url);
    worker.postMessage(data);
    return worker;
  };
}

export class ThreadPool {
  private readonly runtime: WasmRuntime;
  private readonly module: WebAssembly.Module;
  private readonly words: Int32Array;
  private readonly workers: WorkerHandle[] = [];
  private wanted = 0;
  private readonly spawner: Spawner | undefined;
  /** Whether Atomics.wait may block this thread (not on a browser's main thread). */
  private canBlock: boolean | undefined;
  /** Chunks the workers ran since the pool started (a diagnostic: shows the threads really help). */
  workerChunks = 0;

  constructor(runtime: WasmRuntime, module: WebAssembly.Module) {
    this.runtime = runtime;
    this.module = module;
    this.words = new Int32Array(runtime.memory.buffer, runtime.control, CONTROL_WORDS);
    const proc = nodeProcess();
    if (proc === undefined) {
      this.spawner = browserSpawner();
    } else {
      // Node 20.16+ (older Node runs single-threaded: no synchronous way to reach worker_threads).
      const threads = proc.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
      if (threads !== undefined) this.spawner = nodeSpawner(threads);
    }
  }

  /**
   * Sets how many workers help the calling thread. Workers beyond that keep sleeping rather than
   * stop, so switching the count back and forth does not pay for starting threads again (about
   * 50 ms each); missing ones start lazily.
   */
  resize(workers: number): void {
    this.wanted = workers;
    Atomics.store(this.words, ACTIVE, workers);
    // A browser starts a Web Worker only once the page yields to its event loop, so workers spawned
    // at a page's first kernel would sit out a synchronous loop that follows: start them now.
    if (nodeProcess() === undefined) this.spawnMissing();
  }

  /** Workers that have started and run their loop. */
  get runningWorkers(): number {
    return Atomics.load(this.words, STARTED);
  }

  /** Resolves once every wanted worker runs (or after READY_TIMEOUT_MS; kernels work without them). */
  async ready(): Promise<void> {
    this.spawnMissing();
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (this.runningWorkers < this.workers.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private spawnMissing(): void {
    if (this.spawner === undefined) return;
    while (this.workers.length < this.wanted) {
      this.workers.push(
        this.spawner({ module: this.module, memory: this.runtime.memory, control: this.runtime.control, id: this.workers.length + 1 }),
      );
    }
  }

  /**
   * Runs chunks 0..count-1 of a task on this thread and the workers; returns when all are done.
   * `then`: a second phase whose chunks start only once every chunk of the first is done, handed
   * out in the same round (one wake-up of the workers instead of two; a product's packing, then
   * its compute). `host`: work only the calling thread can do (copying a JS array into wasm
   * memory) that the first phase does not need: it runs once the workers are woken, before this
   * thread joins them, so their chunks overlap it; the second phase waits for it too.
   */
  run(task: number, count: number, then?: SecondPhase, host?: () => void): void {
    if (then !== undefined && count + then.count > MAX_ROUND) {
      this.run(task, count, undefined, host);
      this.run(then.task, then.count);
      return;
    }
    this.spawnMissing();
    const words = this.words;
    const runChunk = this.runtime.exports.runChunk;
    const scratch = this.runtime.scratch(0);
    const { base, stride } = this.runtime.scratchLayout;
    Atomics.store(words, TASK, task);
    Atomics.store(words, SECOND_TASK, then?.task ?? 0);
    Atomics.store(words, SCRATCH_BASE, base);
    Atomics.store(words, SCRATCH_STRIDE, stride);
    Atomics.store(words, FAILED, 0);
    const total = count + (then?.count ?? 0);
    let failure: unknown;
    for (let start = 0; start < total; start += MAX_ROUND) {
      const round = Math.min(MAX_ROUND, total - start);
      const secondAt = then === undefined ? round : count;
      Atomics.store(words, SECOND_AT, secondAt);
      Atomics.store(words, BASE, start);
      // Host work counts as one of the first phase's chunks: DONE starts one lower for it.
      const hostWork = start === 0 ? host : undefined;
      Atomics.store(words, DONE, hostWork === undefined ? 0 : -1);
      Atomics.store(words, NEXT, round << INDEX_BITS);
      Atomics.add(words, GEN, 1);
      Atomics.notify(words, GEN);
      if (hostWork !== undefined) {
        try {
          hostWork();
        } catch (error) {
          failure = error;
        }
        if (Atomics.add(words, DONE, 1) + 1 === secondAt && secondAt < round) Atomics.notify(words, DONE);
      }
      let own = 0;
      for (;;) {
        const ticket = Atomics.add(words, NEXT, 1);
        const index = ticket & INDEX_MASK;
        if (index >= ticket >>> INDEX_BITS) break;
        try {
          if (index < secondAt) {
            runChunk(task, start + index, scratch);
          } else {
            this.waitForDone(secondAt, BARRIER_SPIN);
            runChunk(then!.task, index - secondAt, scratch);
          }
        } catch (error) {
          failure = error;
        }
        // A worker may sleep at the barrier: wake it when the first phase is complete.
        if (Atomics.add(words, DONE, 1) + 1 === secondAt && secondAt < round) Atomics.notify(words, DONE);
        own++;
      }
      this.waitForDone(round, SPIN);
      this.workerChunks += round - own;
      Atomics.store(words, NEXT, 0); // closed: late tickets read a count of 0
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(words, FAILED) !== 0) throw new Error('wasm backend: a kernel failed in a worker thread');
  }

  private waitForDone(count: number, polls: number): void {
    const words = this.words;
    for (let spin = 0; spin < polls && Atomics.load(words, DONE) < count; spin++);
    for (let done = Atomics.load(words, DONE); done < count; done = Atomics.load(words, DONE)) {
      if (this.canBlock !== false) {
        try {
          Atomics.wait(words, DONE, done);
          this.canBlock = true;
          continue;
        } catch {
          this.canBlock = false; // a browser's main thread may not block: spin instead
        }
      }
    }
  }
}
