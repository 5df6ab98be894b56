/**
 * Search spaces: what each hyperparameter may be and how to draw it. Spaces are plain JSON data
 * (so a results file can record them) and every draw goes through a seeded Generator.
 *
 * Log spaces draw the exponent uniformly (the course's r = uniform(a, b), alpha = 10^r), so each
 * decade gets the same share of the trials; oneMinusLogUniform does the same for 1 - beta (beta =
 * 0.9 ... 0.999 spends as many trials near 0.999 as near 0.9).
 */
import type { Generator } from '../tensor/random.js';
import { checkOptionKeys } from '../ops/args.js';

export type ParamValue = number | string | boolean;

export interface UniformSpace { readonly kind: 'uniform'; readonly low: number; readonly high: number }
export interface LogUniformSpace { readonly kind: 'logUniform'; readonly low: number; readonly high: number }
export interface OneMinusLogUniformSpace { readonly kind: 'oneMinusLogUniform'; readonly low: number; readonly high: number }
export interface IntUniformSpace { readonly kind: 'intUniform'; readonly low: number; readonly high: number; readonly log: boolean }
export interface ChoiceSpace { readonly kind: 'choice'; readonly values: readonly ParamValue[] }
export interface GridSpace { readonly kind: 'grid'; readonly values: readonly ParamValue[] }

export type Space = UniformSpace | LogUniformSpace | OneMinusLogUniformSpace | IntUniformSpace | ChoiceSpace | GridSpace;
export type SearchSpace = Readonly<Record<string, Space>>;
export type Params = Record<string, ParamValue>;

function checkBounds(op: string, low: unknown, high: unknown, rule: (v: number) => boolean, ruleText: string): asserts low is number {
  for (const [name, v] of [['low', low], ['high', high]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || !rule(v)) throw new Error(`tune.${op}: ${name} must be a finite number ${ruleText}, got ${String(v)}`);
  }
  if (!((low as number) < (high as number))) throw new Error(`tune.${op}: low must be below high, got low ${String(low)} and high ${String(high)}`);
}

/** A real number drawn uniformly from [low, high). */
export function uniform(low: number, high: number): UniformSpace {
  checkBounds('uniform', low, high, () => true, '');
  return { kind: 'uniform', low, high };
}

/** 10^r with r uniform in [log10(low), log10(high)): a learning rate from 1e-4 to 1 is logUniform(1e-4, 1). */
export function logUniform(low: number, high: number): LogUniformSpace {
  checkBounds('logUniform', low, high, (v) => v > 0, 'above 0');
  return { kind: 'logUniform', low, high };
}

/** 1 - 10^r, with 1 - value log-uniform: momentum or Adam's beta from 0.9 to 0.999 is oneMinusLogUniform(0.9, 0.999). */
export function oneMinusLogUniform(low: number, high: number): OneMinusLogUniformSpace {
  checkBounds('oneMinusLogUniform', low, high, (v) => v < 1, 'below 1');
  return { kind: 'oneMinusLogUniform', low, high };
}

/** An integer from low to high, both included; with { log: true } its logarithm is uniform (widths, batch sizes). */
export function intUniform(low: number, high: number, options: { log?: boolean } = {}): IntUniformSpace {
  checkOptionKeys('tune.intUniform', options, ['log']);
  const log = options.log ?? false;
  if (typeof log !== 'boolean') throw new Error(`tune.intUniform: log must be a boolean, got ${String(log)}`);
  checkBounds('intUniform', low, high, (v) => Number.isInteger(v) && (!log || v > 0), log ? 'integer above 0 (log: true)' : 'integer');
  return { kind: 'intUniform', low, high, log };
}

function checkValues(op: string, values: unknown): asserts values is readonly ParamValue[] {
  if (!Array.isArray(values) || values.length === 0) throw new Error(`tune.${op}: values must be a non-empty array, got ${String(values)}`);
  values.forEach((v, i) => {
    if (!(typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))) {
      throw new Error(`tune.${op}: values[${i}] must be a finite number, a string or a boolean, got ${String(v)}`);
    }
  });
  if (new Set(values).size !== values.length) throw new Error(`tune.${op}: values repeat (${values.join(', ')})`);
}

/** One of the values, each equally likely (random search); in a grid search, every value. */
export function choice(values: readonly ParamValue[]): ChoiceSpace {
  checkValues('choice', values);
  return { kind: 'choice', values: [...values] };
}

/** Values to try exhaustively: a grid search takes each; a random search draws one uniformly. */
export function grid(values: readonly ParamValue[]): GridSpace {
  checkValues('grid', values);
  return { kind: 'grid', values: [...values] };
}

const KINDS = ['uniform', 'logUniform', 'oneMinusLogUniform', 'intUniform', 'choice', 'grid'] as const;

/** Checks a search space given by a user or read from a results file. */
export function checkSpace(op: string, space: unknown): asserts space is SearchSpace {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) throw new Error(`${op}: space must be an object of named spaces (tune.uniform, tune.logUniform, ...), got ${String(space)}`);
  const entries = Object.entries(space);
  if (entries.length === 0) throw new Error(`${op}: space has no hyperparameters`);
  for (const [name, s] of entries) {
    const kind = (s as { kind?: unknown } | null)?.kind;
    if (!KINDS.includes(kind as Space['kind'])) throw new Error(`${op}: space '${name}' is not a search space (make it with tune.uniform, tune.logUniform, tune.choice, ...), got ${JSON.stringify(s)}`);
    const sp = s as Space;
    // Rebuild through the constructors so a hand-written or stored space gets the same checks.
    if (sp.kind === 'choice' || sp.kind === 'grid') checkValues(sp.kind, sp.values);
    else if (sp.kind === 'intUniform') intUniform(sp.low, sp.high, { log: sp.log });
    else ({ uniform, logUniform, oneMinusLogUniform })[sp.kind](sp.low, sp.high);
  }
}

/** True where the space is searched on a log scale (plots use a log axis there). */
export function isLogSpace(space: Space): boolean {
  return space.kind === 'logUniform' || space.kind === 'oneMinusLogUniform' || (space.kind === 'intUniform' && space.log);
}

/**
 * The coordinate a space is uniform in, and back: log10(v) for log spaces, log10(1 - v) for
 * oneMinusLogUniform, v otherwise. Coarse-to-fine zooms and grids are laid out in this coordinate.
 */
export function toUnit(space: Space, value: number): number {
  switch (space.kind) {
    case 'logUniform': return Math.log10(value);
    case 'oneMinusLogUniform': return Math.log10(1 - value);
    case 'intUniform': return space.log ? Math.log10(value) : value;
    default: return value;
  }
}

export function fromUnit(space: Space, u: number): number {
  switch (space.kind) {
    case 'logUniform': return 10 ** u;
    case 'oneMinusLogUniform': return 1 - 10 ** u;
    case 'intUniform': return space.log ? 10 ** u : u;
    default: return u;
  }
}

/** The [lo, hi] interval of the uniform coordinate (ordered lo < hi). */
export function unitRange(space: UniformSpace | LogUniformSpace | OneMinusLogUniformSpace | IntUniformSpace): [number, number] {
  if (space.kind === 'intUniform') return space.log ? [Math.log10(space.low - 0.5), Math.log10(space.high + 0.5)] : [space.low - 0.5, space.high + 0.5];
  const a = toUnit(space, space.low);
  const b = toUnit(space, space.high);
  return a < b ? [a, b] : [b, a];
}

/** One draw from a space. */
export function sample(space: Space, rng: Generator): ParamValue {
  switch (space.kind) {
    case 'choice':
    case 'grid':
      return space.values[Math.min(space.values.length - 1, Math.floor(rng.nextDouble() * space.values.length))]!;
    case 'intUniform': {
      if (!space.log) return space.low + Math.min(space.high - space.low, Math.floor(rng.nextDouble() * (space.high - space.low + 1)));
      // Each integer gets the log-width of [k - 0.5, k + 0.5] (clipped at the ends), so every decade is equally likely.
      const [lo, hi] = unitRange(space);
      const v = Math.round(10 ** (lo + rng.nextDouble() * (hi - lo)));
      return Math.min(space.high, Math.max(space.low, v));
    }
    default: {
      const [lo, hi] = unitRange(space);
      const v = fromUnit(space, lo + rng.nextDouble() * (hi - lo));
      // 10^r and 1 - 10^r can round a hair outside the bounds.
      return Math.min(space.high, Math.max(space.low, v));
    }
  }
}

/**
 * `count` grid points of a space: its values for choice/grid; for the rest, evenly spaced in the
 * uniform coordinate (so a log space's grid is geometric), ends included.
 */
export function gridPoints(space: Space, count: number): ParamValue[] {
  if (space.kind === 'choice' || space.kind === 'grid') return [...space.values];
  if (count === 1) {
    const [lo, hi] = space.kind === 'intUniform' ? [toUnit(space, space.low), toUnit(space, space.high)] : unitRange(space);
    const v = fromUnit(space, (lo + hi) / 2);
    return [space.kind === 'intUniform' ? Math.round(v) : v];
  }
  const a = toUnit(space, space.low);
  const b = toUnit(space, space.high);
  const points = Array.from({ length: count }, (_, i) => (i === count - 1 ? space.high : i === 0 ? space.low : fromUnit(space, a + ((b - a) * i) / (count - 1))));
  if (space.kind !== 'intUniform') return points;
  return [...new Set(points.map((v) => Math.round(v)))];
}
