/** Reading the optimizer fixtures (scripts/gen_optim_fixtures.py) and replaying their problem. */
import * as nb from '../../src/index.js';

type Json = number | string;

export interface ProblemParam {
  shape: number[];
  init: number[];
  curvature: number[];
  target: number[];
}

export interface Problem {
  params: ProblemParam[];
  /** noise[step][param] */
  noise: number[][][];
  steps: number;
}

export interface OptimizerCase {
  optimizer: string;
  options: Record<string, unknown>;
  groups?: { params: number[]; options: Record<string, unknown> }[];
  dtype: 'float32' | 'float64';
  trajectory: Json[][];
  state?: Record<string, Record<string, Json[] | number | null>>;
}

/** The problem's parameters as fresh leaves of `dtype`. */
export function makeParams(problem: Problem, dtype: nb.FloatDType): nb.Tensor[] {
  return problem.params.map((p) => nb.tensor(p.init, { dtype }).reshape(p.shape).requiresGrad_(true));
}

/**
 * Sets each parameter's gradient for step t: (p - target) * curvature + noise[t], computed with the
 * same exact elementwise ops as the generator; the last parameter gets none when t % 3 == 2.
 */
export function setGradients(problem: Problem, params: nb.Tensor[], t: number): void {
  nb.noGrad(() => {
    params.forEach((p, i) => {
      if (i === 2 && t % 3 === 2) {
        p.grad = null;
        return;
      }
      const spec = problem.params[i]!;
      const target = nb.tensor(spec.target, { dtype: p.dtype }).reshape(spec.shape);
      const curvature = nb.tensor(spec.curvature, { dtype: p.dtype }).reshape(spec.shape);
      const noise = nb.tensor(problem.noise[t]![i]!, { dtype: p.dtype }).reshape(spec.shape);
      p.grad = p.sub(target).mul(curvature).add(noise);
    });
  });
}

export function flatValues(params: nb.Tensor[]): number[] {
  return params.flatMap((p) => Array.from(p.toTypedArray()));
}

/** The largest error of `actual` against `expected`, relative to max(|expected|, floor). */
export function worstRelative(actual: ArrayLike<number>, expected: readonly number[], floor: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (e === a) continue;
    worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), floor));
  }
  return worst;
}

const { optim } = nb;
type Options = Record<string, unknown>;
type Groups = Iterable<nb.Tensor> | { params: nb.Tensor[] }[];
/** Builds an optimizer by name, for cases read from the fixtures. */
const MAKE: Record<string, (params: Groups, options: Options) => nb.optim.Optimizer> = {
  SGD: (p, o) => new optim.SGD(p, o),
  Adam: (p, o) => new optim.Adam(p, o),
  AdamW: (p, o) => new optim.AdamW(p, o),
  Adagrad: (p, o) => new optim.Adagrad(p, o),
  RMSprop: (p, o) => new optim.RMSprop(p, o),
  Adamax: (p, o) => new optim.Adamax(p, o),
  NAdam: (p, o) => new optim.NAdam(p, o),
  Adadelta: (p, o) => new optim.Adadelta(p, o),
};

/** The optimizer a fixture case describes, over `params` (grouped as the case says). */
export function makeOptimizer(c: Pick<OptimizerCase, 'optimizer' | 'options' | 'groups'>, params: nb.Tensor[]): nb.optim.Optimizer {
  const groups = c.groups?.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.options }));
  return MAKE[c.optimizer]!(groups ?? params, c.options);
}

export const OPTIMIZER_NAMES = Object.keys(MAKE);
