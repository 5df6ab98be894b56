/**
 * Search strategies: which hyperparameters to try next, given the trials so far. A strategy draws
 * only from the generator it is handed, so the same seed and the same finished trials give the
 * same suggestions (this is what makes resuming from a results file exact).
 */
import type { Generator } from '../tensor/random.js';
import { checkOptionKeys } from '../ops/args.js';
import { choice, fromUnit, gridPoints, intUniform, logUniform, oneMinusLogUniform, sample, toUnit, uniform, unitRange } from './space.js';
import type { Params, ParamValue, SearchSpace, Space } from './space.js';
import type { Trial } from './trial.js';

export type Suggestion = { params: Params; round: number } | 'wait' | 'done';

export interface Strategy {
  /** A short description recorded in the results ("random(20)", "grid(4x4)", ...). */
  readonly description: string;
  next(space: SearchSpace, trials: readonly Trial[], mode: 'min' | 'max', rng: Generator): Suggestion;
}

function drawAll(space: SearchSpace, rng: Generator): Params {
  const params: Params = {};
  for (const [name, s] of Object.entries(space)) params[name] = sample(s, rng);
  return params;
}

function checkCount(op: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`tune.${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Random search: `numTrials` independent draws from the space. */
export function randomSearch(numTrials: number): Strategy {
  checkCount('randomSearch', 'numTrials', numTrials);
  return {
    description: `random(${numTrials})`,
    next: (space, trials, _mode, rng) => (trials.length >= numTrials ? 'done' : { params: drawAll(space, rng), round: 0 }),
  };
}

/**
 * Grid search: every combination of each hyperparameter's grid points. choice and grid spaces
 * give their values; the others `points` evenly spaced values in their uniform coordinate (a
 * geometric grid for log spaces), a number for all or one per hyperparameter.
 */
export function gridSearch(options: { points?: number | Readonly<Record<string, number>> } = {}): Strategy {
  checkOptionKeys('tune.gridSearch', options, ['points']);
  const points = options.points ?? 3;
  if (typeof points === 'number') checkCount('gridSearch', 'points', points);
  else if (points === null || typeof points !== 'object') throw new Error(`tune.gridSearch: points must be a number or an object of numbers, got ${String(points)}`);
  else for (const [k, v] of Object.entries(points)) checkCount('gridSearch', `points.${k}`, v);
  return {
    description: `grid(points ${typeof points === 'number' ? points : JSON.stringify(points)})`,
    next: (space, trials) => {
      if (typeof points === 'object') {
        for (const k of Object.keys(points)) if (!(k in space)) throw new Error(`tune.gridSearch: points names '${k}', which is not in the space (${Object.keys(space).join(', ')})`);
      }
      const combos = gridCombinations(space, (name) => (typeof points === 'number' ? points : points[name] ?? 3));
      return trials.length >= combos.length ? 'done' : { params: combos[trials.length]!, round: 0 };
    },
  };
}

/** Every combination of the hyperparameters' grid points, the last hyperparameter varying fastest. */
export function gridCombinations(space: SearchSpace, pointsOf: (name: string) => number): Params[] {
  let combos: Params[] = [{}];
  for (const [name, s] of Object.entries(space)) {
    const values = gridPoints(s, pointsOf(name));
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos;
}

export interface CoarseToFineOptions {
  /** Number of rounds, each sampling from the region of the previous rounds' best trials (default 3). */
  rounds?: number;
  /** Random trials per round (default 10). */
  trialsPerRound?: number;
  /** How many of the best trials so far define the next round's region (default 3). */
  topK?: number;
  /** Padding around the best trials' span, as a fraction of the current range per side (default 0.1). */
  margin?: number;
}

/** The completed trials, best first. */
export function rankTrials(trials: readonly Trial[], mode: 'min' | 'max'): Trial[] {
  return trials
    .filter((t) => t.status === 'completed' && t.value !== undefined && Number.isFinite(t.value))
    .sort((a, b) => (mode === 'min' ? a.value! - b.value! : b.value! - a.value!) || a.id - b.id);
}

/**
 * Narrows each hyperparameter to the span of the given best trials' values (in its uniform
 * coordinate, padded by `margin` of the current range per side, kept inside the current range);
 * choice and grid spaces keep the values the best trials used.
 */
export function zoomSpace(space: SearchSpace, best: readonly Params[], margin: number): Record<string, Space> {
  const zoomed: Record<string, Space> = {};
  for (const [name, s] of Object.entries(space)) {
    const values = best.map((p) => p[name]).filter((v): v is ParamValue => v !== undefined);
    if (s.kind === 'choice' || s.kind === 'grid') {
      const kept = s.values.filter((v) => values.includes(v));
      zoomed[name] = kept.length === 0 ? s : s.kind === 'grid' ? { kind: 'grid', values: kept } : choice(kept);
      continue;
    }
    const units = values.filter((v): v is number => typeof v === 'number').map((v) => toUnit(s, v));
    if (units.length === 0) {
      zoomed[name] = s;
      continue;
    }
    const [lo, hi] = s.kind === 'intUniform' ? [toUnit(s, s.low), toUnit(s, s.high)] : unitRange(s);
    const pad = margin * (hi - lo);
    const a = Math.max(lo, Math.min(...units) - pad);
    const b = Math.min(hi, Math.max(...units) + pad);
    const [x, y] = [fromUnit(s, a), fromUnit(s, b)].sort((p, q) => p - q) as [number, number];
    if (s.kind === 'intUniform') {
      const low = Math.max(s.low, Math.floor(x));
      const high = Math.min(s.high, Math.ceil(y));
      zoomed[name] = low < high ? intUniform(low, high, { log: s.log }) : choice([low]);
    } else if (!(x < y)) {
      zoomed[name] = choice([x]);
    } else {
      zoomed[name] = s.kind === 'uniform' ? uniform(x, y) : s.kind === 'logUniform' ? logUniform(x, y) : oneMinusLogUniform(x, y);
    }
  }
  return zoomed;
}

/**
 * Coarse to fine: a round of random trials over the whole space, then rounds over the region of
 * the best `topK` trials so far, each narrower than the last.
 */
export function coarseToFine(options: CoarseToFineOptions = {}): Strategy {
  checkOptionKeys('tune.coarseToFine', options, ['rounds', 'trialsPerRound', 'topK', 'margin']);
  const rounds = checkCount('coarseToFine', 'rounds', options.rounds ?? 3);
  const perRound = checkCount('coarseToFine', 'trialsPerRound', options.trialsPerRound ?? 10);
  const topK = checkCount('coarseToFine', 'topK', options.topK ?? 3);
  const margin = options.margin ?? 0.1;
  if (typeof margin !== 'number' || !(margin >= 0 && margin <= 1)) throw new Error(`tune.coarseToFine: margin must be a number in [0, 1], got ${String(margin)}`);
  return {
    description: `coarseToFine(${rounds}x${perRound}, top ${topK})`,
    next: (space, trials, mode, rng) => {
      if (trials.length >= rounds * perRound) return 'done';
      const round = Math.floor(trials.length / perRound);
      // A round starts once the previous one has finished: its results pick the region.
      if (round > 0 && trials.length % perRound === 0 && trials.some((t) => t.status === 'pending' || t.status === 'running')) return 'wait';
      return { params: drawAll(regionOfRound(space, trials, mode, round, topK, margin), rng), round };
    },
  };
}

/** The region round `round` of a coarse-to-fine search samples: each round zooms into the best trials of the rounds before it. */
export function regionOfRound(space: SearchSpace, trials: readonly Trial[], mode: 'min' | 'max', round: number, topK: number, margin: number): SearchSpace {
  let region: SearchSpace = space;
  for (let r = 1; r <= round; r++) {
    const best = rankTrials(trials.filter((t) => t.round < r), mode).slice(0, topK);
    if (best.length > 0) region = zoomSpace(region, best.map((t) => t.params), margin);
  }
  return region;
}
