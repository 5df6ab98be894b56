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
/** Nonzero while the host will start another round at once (a product's packing round, then its compute round). */
const LINGER = 10;
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
 * Polls (of an atomic load, a few ns each) before a thread sleeps, where the next round follows at
 * once: the calling thread waiting for the workers' last chunks, and a worker whose round the host
 * marked as followed by another (LINGER). Otherwise a worker sleeps as soon as the chunks run out:
 * a worker that polled after every round (~130 us) took the core from the calling thread whenever
 * both shared one (a loaded machine, or the scheduler waking the worker on the caller's core),
 * and the calling thread then paid the whole poll inside Atomics.notify.
 */
const SPIN = 20000;

const WORKER_BODY = `
function work(data) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const runChunk = instance.exports.runChunk;
  const words = new Int32Array(data.memory.buffer, data.control, ${CONTROL_WORDS});
  let seen = Atomics.load(words, ${GEN});
  Atomics.add(words, ${STARTED}, 1);
  for (;;) {
    for (let spin = 0; spin < ${SPIN} && Atomics.load(words, ${LINGER}) !== 0 && data.id <= Atomics.load(words, ${ACTIVE}) && Atomics.load(words, ${GEN}) === seen; spin++);
    Atomics.wait(words, ${GEN}, seen);
    seen = Atomics.load(words, ${GEN});
    if (data.id > Atomics.load(words, ${ACTIVE})) continue;
    for (;;) {
      const ticket = Atomics.add(words, ${NEXT}, 1);
      const index = ticket & ${INDEX_MASK};
      const count = ticket >>> ${INDEX_BITS};
      if (index >= count) break;
      try {
        const scratch = Atomics.load(words, ${SCRATCH_BASE}) + data.id * Atomics.load(words, ${SCRATCH_STRIDE});
        runChunk(Atomics.load(words, ${TASK}), Atomics.load(words, ${BASE}) + index, scratch);
      } catch (error) {
        Atomics.store(words, ${FAILED}, 1);
      }
      if (Atomics.add(words, ${DONE}, 1) + 1 === count) Atomics.notify(words, ${DONE});
    }
  }
}
`;

const NODE_WORKER_SOURCE = `${WORKER_BODY}\nwork(require('node:worker_threads').workerData);\n`;
const BROWSER_WORKER_SOURCE = `${WORKER_BODY}\nself.onmessage = (event) => work(event.data);\n`;

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
   * `followed`: another round starts right after this one, so the workers poll for it instead of
   * sleeping.
   */
  run(task: number, count: number, followed = false): void {
    this.spawnMissing();
    const words = this.words;
    const runChunk = this.runtime.exports.runChunk;
    const scratch = this.runtime.scratch(0);
    const { base, stride } = this.runtime.scratchLayout;
    Atomics.store(words, TASK, task);
    Atomics.store(words, SCRATCH_BASE, base);
    Atomics.store(words, SCRATCH_STRIDE, stride);
    Atomics.store(words, FAILED, 0);
    let failure: unknown;
    for (let start = 0; start < count; start += MAX_ROUND) {
      const round = Math.min(MAX_ROUND, count - start);
      Atomics.store(words, LINGER, followed || start + round < count ? 1 : 0);
      Atomics.store(words, BASE, start);
      Atomics.store(words, DONE, 0);
      Atomics.store(words, NEXT, round << INDEX_BITS);
      Atomics.add(words, GEN, 1);
      Atomics.notify(words, GEN);
      let own = 0;
      for (;;) {
        const ticket = Atomics.add(words, NEXT, 1);
        const index = ticket & INDEX_MASK;
        if (index >= ticket >>> INDEX_BITS) break;
        try {
          runChunk(task, start + index, scratch);
        } catch (error) {
          failure = error;
        }
        Atomics.add(words, DONE, 1);
        own++;
      }
      this.waitForDone(round);
      this.workerChunks += round - own;
      Atomics.store(words, NEXT, 0); // closed: late tickets read a count of 0
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(words, FAILED) !== 0) throw new Error('wasm backend: a kernel failed in a worker thread');
  }

  private waitForDone(count: number): void {
    const words = this.words;
    for (let spin = 0; spin < SPIN && Atomics.load(words, DONE) < count; spin++);
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
