/**
 * The parallel runner ("caviar", Node-only): trials on worker threads, several at once. Each
 * worker imports the objective from a module (functions cannot be sent to threads), limits the
 * wasm backend to `threadsPerTrial` threads, and seeds the default generator with each trial's
 * seed. Early-stopping decisions are exact: a worker's report waits (Atomics.wait) for the main
 * thread's answer.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { workerUrls } from '../util/workers.js';
import { nextTrial, prepareSearch, settleTrial } from './run.js';
import type { TuneOptions } from './run.js';
import type { TuneResults } from './results.js';
import type { Trial } from './trial.js';

export interface ParallelTuneOptions extends Omit<TuneOptions, 'objective'> {
  /** A module (path or URL) whose export `objective` (or default export) is the objective (params, trial) => value. */
  objectiveModule: string | URL;
  /** Trials at once (default: the number of cores, at most 4). */
  numWorkers?: number;
  /** Wasm threads each trial may use (default 1: the trials themselves are the parallelism). */
  threadsPerTrial?: number;
}

// The worker: evaluated source, so it runs the same under tsx (TypeScript objective modules) and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  // Eval'd workers do not run the parent's --import hooks: register tsx here for TypeScript sources.
  if (workerData.tsxUrl !== undefined) (await import(workerData.tsxUrl)).register();
  const nb = await import(workerData.nablaUrl);
  await nb.ready?.();
  nb.setNumThreads(workerData.threads);
  const mod = await import(workerData.objectiveUrl);
  const objective = mod.objective ?? mod.default;
  if (typeof objective !== 'function') throw new Error('tune.runParallel: ' + workerData.objectiveUrl + ' exports no objective function (export objective or a default function)');
  const answer = new Int32Array(workerData.answer);
  parentPort.on('message', async (trial) => {
    let pruned = false;
    const context = {
      id: trial.id, seed: trial.seed, params: trial.params,
      report(step, value) {
        if (typeof step !== 'number' || typeof value !== 'number') throw new Error('tune trial ' + trial.id + ': report(step, value) takes two numbers');
        Atomics.store(answer, 0, 0);
        parentPort.postMessage({ kind: 'report', id: trial.id, step, value });
        Atomics.wait(answer, 0, 0);
        pruned = Atomics.load(answer, 1) === 1;
      },
      shouldPrune: () => pruned,
    };
    nb.manualSeed(trial.seed);
    const start = performance.now();
    try {
      const result = await objective({ ...trial.params }, context);
      parentPort.postMessage({ kind: 'done', id: trial.id, result, durationMs: performance.now() - start });
    } catch (error) {
      parentPort.postMessage({ kind: 'done', id: trial.id, error: error instanceof Error ? error.message : String(error), durationMs: performance.now() - start });
    }
  });
  parentPort.postMessage({ kind: 'ready' });
})().catch((error) => parentPort.postMessage({ kind: 'fatal', error: error instanceof Error ? error.message : String(error) }));
`;

interface WorkerSlot {
  worker: Worker;
  answer: Int32Array;
  trial?: Trial;
  rungsDone: number;
}

type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'fatal'; error: string }
  | { kind: 'report'; id: number; step: number; value: number }
  | { kind: 'done'; id: number; result?: unknown; error?: string; durationMs: number };

/** Runs a search with several trials at once on worker threads and returns its results. */
export async function runParallel(options: ParallelTuneOptions): Promise<TuneResults> {
  const known = ['space', 'objectiveModule', 'mode', 'metric', 'strategy', 'numTrials', 'seed', 'earlyStopping', 'resume', 'onTrialStart', 'onTrialEnd', 'signal', 'numWorkers', 'threadsPerTrial'];
  const search = prepareSearch('runParallel', options, known);
  const { mode, results } = search;
  const numWorkers = options.numWorkers ?? Math.min(4, availableParallelism());
  const threads = options.threadsPerTrial ?? 1;
  if (!Number.isInteger(numWorkers) || numWorkers < 1) throw new Error(`tune.runParallel: numWorkers must be an integer >= 1, got ${String(numWorkers)}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`tune.runParallel: threadsPerTrial must be an integer >= 1, got ${String(threads)}`);
  const module = options.objectiveModule;
  if (!(module instanceof URL) && typeof module !== 'string') throw new Error(`tune.runParallel: objectiveModule must be a path or URL of a module exporting objective, got ${String(module)}`);
  const { moduleUrl: objectiveUrl, nablaUrl, tsxUrl } = workerUrls('tune.runParallel', module);
  const halving = options.earlyStopping;

  const slots: WorkerSlot[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  const ended: Trial[] = [];
  const readyCount = { n: 0 };
  for (let w = 0; w < numWorkers; w++) {
    const shared = new SharedArrayBuffer(8);
    const slot: WorkerSlot = { worker: new Worker(WORKER_SOURCE, { eval: true, workerData: { nablaUrl, objectiveUrl, tsxUrl, threads, answer: shared } }), answer: new Int32Array(shared), rungsDone: 0 };
    slot.worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'ready') readyCount.n++;
      else if (m.kind === 'fatal') failure = new Error(m.error);
      else if (m.kind === 'report') {
        const trial = slot.trial!;
        trial.intermediate.push([m.step, m.value]);
        let stop = false;
        if (halving !== undefined) {
          const decision = halving.decide(m.step, m.value, mode, slot.rungsDone);
          slot.rungsDone = decision.rungsDone;
          stop = decision.stop || trial.status === 'pruned';
          if (stop) trial.status = 'pruned';
        }
        Atomics.store(slot.answer, 1, stop ? 1 : 0);
        Atomics.store(slot.answer, 0, 1);
        Atomics.notify(slot.answer, 0);
      } else {
        const trial = slot.trial!;
        trial.durationMs = m.durationMs;
        settleTrial(trial, m.error !== undefined ? { error: m.error } : { result: m.result }, trial.status === 'pruned');
        slot.trial = undefined;
        ended.push(trial);
      }
      notify();
    });
    slot.worker.on('error', (error) => {
      failure = error;
      notify();
    });
    slots.push(slot);
  }
  const waitForEvent = (): Promise<void> => new Promise((r) => (wake = r));
  try {
    while (readyCount.n < numWorkers && failure === undefined) await waitForEvent();
    let done = false;
    for (;;) {
      if (failure !== undefined) throw failure;
      for (let trial = ended.shift(); trial !== undefined; trial = ended.shift()) await options.onTrialEnd?.(trial, results);
      const free = slots.find((s) => s.trial === undefined);
      const busy = slots.some((s) => s.trial !== undefined);
      if (!done && free !== undefined && options.signal?.aborted !== true) {
        const next = nextTrial('runParallel', search, halving);
        if (next === 'done') done = true;
        else if (next !== 'wait') {
          if (next.reused) continue;
          const { trial } = next;
          free.trial = trial;
          free.rungsDone = 0;
          options.onTrialStart?.(trial, results);
          free.worker.postMessage({ id: trial.id, params: trial.params, seed: trial.seed });
          continue;
        } else if (!busy) throw new Error('tune.runParallel: the strategy waited with no trial running');
      }
      if (!busy && (done || options.signal?.aborted === true)) break;
      await waitForEvent();
    }
  } finally {
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
  return results;
}
