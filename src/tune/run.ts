/**
 * The sequential runner ("panda": one trial at a time, which the caller can watch through
 * onTrialStart / onTrialEnd and the live results object). Each trial seeds the default generator
 * with its own seed; a trial that throws or returns a non-finite value is recorded as failed and
 * the search goes on.
 */
import { manualSeed } from '../tensor/random.js';
import { checkOptionKeys, requireOptions } from '../ops/args.js';
import { Generator } from '../tensor/random.js';
import { checkSpace } from './space.js';
import type { Params, SearchSpace } from './space.js';
import { randomSearch } from './strategy.js';
import type { Strategy } from './strategy.js';
import { TuneResults } from './results.js';
import type { TuneResultsJSON } from './results.js';
import { SuccessiveHalving } from './trial.js';
import type { Trial } from './trial.js';

/** What an objective returns: its value, or the value with other numbers to record. */
export type ObjectiveResult = number | { value: number; metrics?: Record<string, number> };

export interface TrialContext {
  readonly id: number;
  readonly seed: number;
  readonly params: Params;
  /** Records an intermediate value (the validation loss after an epoch, say) at a step. */
  report(step: number, value: number): void;
  /** True once early stopping has judged this trial not worth continuing: return from the objective then. */
  shouldPrune(): boolean;
}

export type Objective = (params: Params, trial: TrialContext) => ObjectiveResult | Promise<ObjectiveResult>;

export interface TuneOptions {
  space: SearchSpace;
  objective: Objective;
  /** 'min' (default) for a loss or error, 'max' for an accuracy. */
  mode?: 'min' | 'max';
  /** The objective's name in tables and plots (default 'value'). */
  metric?: string;
  /** How to choose trials (default tune.randomSearch(numTrials)). */
  strategy?: Strategy;
  /** Trials of the default random search (default 10). */
  numTrials?: number;
  /** Seeds the strategy's draws and each trial's seed (default 0). */
  seed?: number;
  /** Stops unpromising trials at their intermediate reports (tune.SuccessiveHalving). */
  earlyStopping?: SuccessiveHalving;
  /** Results of an interrupted run of the same search: its finished trials are kept, not rerun. */
  resume?: TuneResults | TuneResultsJSON;
  onTrialStart?: (trial: Trial, results: TuneResults) => void;
  /** Called after each trial (save the results' JSON here to be able to resume). */
  onTrialEnd?: (trial: Trial, results: TuneResults) => void | Promise<void>;
  /** Stops before the next trial when aborted. */
  signal?: AbortSignal;
}

/** The seed trial `id` of a search seeded with `seed` gets (a 32-bit mix of both). */
export function trialSeed(seed: number, id: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(id + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  return (z ^ (z >>> 13)) >>> 0;
}

const RUN_OPTIONS = ['space', 'objective', 'mode', 'metric', 'strategy', 'numTrials', 'seed', 'earlyStopping', 'resume', 'onTrialStart', 'onTrialEnd', 'signal'];

/** The checked options and the results object a runner starts from (shared by the parallel runner). */
export function prepareSearch(op: string, options: Omit<TuneOptions, 'objective'> & { objective?: unknown }, known = RUN_OPTIONS) {
  requireOptions(`tune.${op}`, options, ['space', 'objective', '...']);
  checkOptionKeys(`tune.${op}`, options, known);
  checkSpace(`tune.${op}`, options.space);
  const mode = options.mode ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw new Error(`tune.${op}: mode must be 'min' or 'max', got ${String(mode)}`);
  const metric = options.metric ?? 'value';
  if (typeof metric !== 'string') throw new Error(`tune.${op}: metric must be a string, got ${String(metric)}`);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new Error(`tune.${op}: seed must be an integer, got ${String(seed)}`);
  if (options.strategy !== undefined && options.numTrials !== undefined) throw new Error(`tune.${op}: numTrials is for the default random search; give the strategy its own count`);
  const strategy = options.strategy ?? randomSearch(options.numTrials ?? 10);
  if (typeof strategy?.next !== 'function') throw new Error(`tune.${op}: strategy must be a tune strategy (tune.randomSearch, tune.gridSearch, tune.coarseToFine)`);
  if (options.earlyStopping !== undefined && !(options.earlyStopping instanceof SuccessiveHalving)) throw new Error(`tune.${op}: earlyStopping must be a tune.SuccessiveHalving`);
  const results = new TuneResults(options.space, mode, metric, seed, strategy.description);
  let previous: TuneResults | undefined;
  if (options.resume !== undefined) {
    previous = options.resume instanceof TuneResults ? options.resume : TuneResults.fromJSON(options.resume);
    const mismatch = (['mode', 'metric', 'seed', 'strategy'] as const).find((k) => previous![k] !== results[k]);
    if (mismatch !== undefined) throw new Error(`tune.${op}: cannot resume: the results were from ${mismatch} ${String(previous[mismatch])}, this search has ${String(results[mismatch])}`);
    if (JSON.stringify(previous.space) !== JSON.stringify(results.space)) throw new Error(`tune.${op}: cannot resume: the results were from a different search space`);
  }
  return { mode, strategy, results, previous, rng: new Generator(seed), seed };
}

function sameParams(a: Params, b: Params): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * A finished trial of the interrupted run to reuse as trial `id`, or undefined to run it. The
 * strategy's suggestion must equal what the old run tried, or the file is from another search.
 */
function resumedTrial(op: string, previous: TuneResults | undefined, id: number, params: Params): Trial | undefined {
  const old = previous?.trials[id];
  if (old === undefined || old.status === 'pending' || old.status === 'running') return undefined;
  if (!sameParams(old.params, params)) throw new Error(`tune.${op}: cannot resume: trial ${id} tried ${JSON.stringify(old.params)} but this search suggests ${JSON.stringify(params)}`);
  return { ...old, params: { ...old.params }, intermediate: [...old.intermediate] };
}

/**
 * Asks the strategy for the next trial and appends it to the results: a finished trial of the
 * resumed run (replayed into early stopping), or a new running trial to execute.
 */
export function nextTrial(op: string, search: ReturnType<typeof prepareSearch>, halving: SuccessiveHalving | undefined): 'done' | 'wait' | { trial: Trial; reused: boolean } {
  const { results, mode, rng, previous, seed } = search;
  const id = results.trials.length;
  const suggestion = search.strategy.next(results.space, results.trials, mode, rng);
  if (suggestion === 'done' || suggestion === 'wait') return suggestion;
  const reused = resumedTrial(op, previous, id, suggestion.params);
  if (reused !== undefined) {
    results.trials.push(reused);
    halving?.replay(reused, mode);
    return { trial: reused, reused: true };
  }
  const trial: Trial = { id, params: suggestion.params, seed: trialSeed(seed, id), round: suggestion.round, status: 'running', intermediate: [] };
  results.trials.push(trial);
  return { trial, reused: false };
}

/** Reads an objective's result into the trial (non-finite values make it failed). */
export function settleTrial(trial: Trial, outcome: { result?: unknown; error?: unknown }, pruned: boolean): void {
  if (outcome.error !== undefined) {
    trial.status = 'failed';
    trial.error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    return;
  }
  const r = outcome.result as ObjectiveResult | undefined;
  const value = typeof r === 'number' ? r : r !== null && typeof r === 'object' && typeof r.value === 'number' ? r.value : undefined;
  if (value === undefined) {
    trial.status = 'failed';
    trial.error = `the objective returned ${String(r)}, not a number or { value }`;
    return;
  }
  if (typeof r === 'object' && r.metrics !== undefined) trial.metrics = { ...r.metrics };
  trial.value = value;
  if (pruned) trial.status = 'pruned';
  else if (!Number.isFinite(value)) {
    trial.status = 'failed';
    trial.error = `the objective returned ${value}`;
  } else trial.status = 'completed';
}

/** Runs a search one trial at a time and returns its results. */
export async function run(options: TuneOptions): Promise<TuneResults> {
  const search = prepareSearch('run', options);
  const { mode, results } = search;
  if (typeof options.objective !== 'function') throw new Error(`tune.run: objective must be a function (params, trial) => number, got ${String(options.objective)}`);
  const halving = options.earlyStopping;
  for (;;) {
    if (options.signal?.aborted === true) break;
    const next = nextTrial('run', search, halving);
    if (next === 'done') break;
    if (next === 'wait') throw new Error(`tune.run: the strategy waited with no trial running`);
    if (next.reused) continue;
    const { trial } = next;
    const id = trial.id;
    let rungsDone = 0;
    let pruned = false;
    const context: TrialContext = {
      id,
      seed: trial.seed,
      params: trial.params,
      report: (step, value) => {
        if (typeof step !== 'number' || typeof value !== 'number') throw new Error(`tune trial ${id}: report(step, value) takes two numbers, got ${String(step)}, ${String(value)}`);
        trial.intermediate.push([step, value]);
        if (halving !== undefined && !pruned) {
          const decision = halving.decide(step, value, mode, rungsDone);
          rungsDone = decision.rungsDone;
          pruned = decision.stop;
        }
      },
      shouldPrune: () => pruned,
    };
    options.onTrialStart?.(trial, results);
    manualSeed(trial.seed);
    const start = performance.now();
    let outcome: { result?: unknown; error?: unknown };
    try {
      outcome = { result: await options.objective({ ...trial.params }, context) };
    } catch (error) {
      outcome = { error: error ?? 'unknown error' };
    }
    trial.durationMs = performance.now() - start;
    settleTrial(trial, outcome, pruned);
    await options.onTrialEnd?.(trial, results);
  }
  return results;
}
