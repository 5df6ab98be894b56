/**
 * L-BFGS (torch.optim.LBFGS, PyTorch 1.13): limited-memory BFGS over all parameters flattened into
 * one vector, with an optional strong-Wolfe line search (ported from torch, which ported it from
 * minFunc's lswolfe.lua). It needs the loss at several points per step, so step() takes a closure
 * that zeroes the gradients, computes the loss, calls backward and returns the loss.
 *
 * Scalars that torch keeps in 0-d tensors of the parameters' dtype (directional derivatives, ro,
 * H_diag, step sizes) are JavaScript numbers here: identical in float64, computed in float64 for
 * float32 parameters.
 */
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { cat } from '../ops/join.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { checkNonNegative, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { keysSpec, parseOptions } from '../ops/args.js';

export interface LBFGSOptions {
  /** Step length (default 1). */
  lr: number;
  /** Iterations per step() call (default 20). */
  maxIter: number;
  /** Loss evaluations per step() call (default floor(maxIter * 5 / 4)). */
  maxEval: number;
  /** Stop when every gradient component is at most this in magnitude (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the parameters change by less than this (default 1e-9). */
  toleranceChange: number;
  /** Number of (s, y) pairs kept for the inverse-Hessian estimate (default 100). */
  historySize: number;
  /** null: a fixed step of lr; 'strong_wolfe': a line search satisfying the strong Wolfe conditions. */
  lineSearchFn: 'strong_wolfe' | null;
}

/**
 * LBFGS's state, all of it global, which torch registers under the first parameter (so it is
 * state[0] in the state dict), under torch's key names. Everything but the counters appears after
 * the first iteration.
 */
export interface LBFGSState {
  [key: string]: Tensor | number | Tensor[] | number[] | undefined;
  func_evals: number;
  n_iter: number;
  /** The last search direction (flat, numel of all parameters). */
  d?: Tensor;
  /** The last step length. */
  t?: number;
  /** Gradient differences y_k, oldest first. */
  old_dirs?: Tensor[];
  /** Steps s_k, oldest first. */
  old_stps?: Tensor[];
  /** 1 / (y_k . s_k). */
  ro?: number[];
  /** The scale of the initial inverse Hessian, (y . s) / (y . y) of the newest pair. */
  H_diag?: number;
  prev_flat_grad?: Tensor;
  prev_loss?: number;
}


const COUNTER_KEYS = ['func_evals', 'n_iter'];
const HISTORY_KEYS = ['d', 't', 'old_dirs', 'old_stps', 'ro', 'H_diag', 'prev_flat_grad', 'prev_loss'];

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return value instanceof Tensor ? `a Tensor of shape [${value.shape.join(', ')}]` : value === null ? 'null' : typeof value;
}

const OPTION_NAMES = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'];

/** LBFGS keeps no per-parameter state: its step works on the flattened parameters as a whole. */
const globalStateRule: UpdateRule<LBFGSOptions, LBFGSState> = {
  init: () => ({ func_evals: 0, n_iter: 0 }),
  update: () => {
    throw new Error('LBFGS: the update runs in step(closure), over all parameters at once');
  },
};

/** Python's two-argument max and min (NaN and ties resolve as in torch's line search). */
const pyMax = (a: number, b: number): number => (b > a ? b : a);
const pyMin = (a: number, b: number): number => (b < a ? b : a);

/**
 * The minimizer of the cubic interpolating (x1, f1, g1) and (x2, f2, g2), clamped to the bounds
 * (default: between x1 and x2); the bounds' midpoint when the cubic has no minimum.
 */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return pyMin(pyMax(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/** The loss and flat gradient at x + t d (the parameters are restored to x afterwards). */
type Objective = (t: number) => [number, Tensor];

/** torch's _strong_wolfe: returns the loss, flat gradient and step length found, and the evaluations used. */
function strongWolfe(
  objective: Objective,
  t0: number,
  d: Tensor,
  f: number,
  g0: Tensor,
  gtd: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): { loss: number; grad: Tensor; t: number; evals: number } {
  let t = t0;
  const dNorm = d.abs().max().item();
  const g = g0.clone();
  let [fNew, gNew] = objective(t);
  let evals = 1;
  let gtdNew = gNew.dot(d).item();

  // Bracket an interval containing a point satisfying the Wolfe conditions.
  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const previous = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = previous;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = objective(t);
    evals++;
    gtdNew = gNew.dot(d).item();
    lsIter++;
  }
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];

  // Zoom: shrink the bracket until a point satisfies the conditions.
  let insufficientProgress = false;
  let [low, high] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1]! - bracket[0]!) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    // Too close to an end of the bracket twice in a row (or outside it): move 10% of its width inside.
    const top = pyMax(bracket[0]!, bracket[1]!);
    const bottom = pyMin(bracket[0]!, bracket[1]!);
    const eps = 0.1 * (top - bottom);
    if (pyMin(top - t, t - bottom) < eps) {
      if (insufficientProgress || t >= top || t <= bottom) {
        t = Math.abs(t - top) < Math.abs(t - bottom) ? top - eps : bottom + eps;
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }
    [fNew, gNew] = objective(t);
    evals++;
    gtdNew = gNew.dot(d).item();
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[low]!) {
      // Armijo condition fails or no lower than the lowest point: the new point is the high end.
      bracket[high] = t;
      bracketF[high] = fNew;
      bracketG[high] = gNew;
      bracketGtd[high] = gtdNew;
      [low, high] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[high]! - bracket[low]!) >= 0) {
        // The old high end becomes the new low end.
        bracket[high] = bracket[low]!;
        bracketF[high] = bracketF[low]!;
        bracketG[high] = bracketG[low]!;
        bracketGtd[high] = bracketGtd[low]!;
      }
      bracket[low] = t;
      bracketF[low] = fNew;
      bracketG[low] = gNew;
      bracketGtd[low] = gtdNew;
    }
  }
  return { loss: bracketF[low]!, grad: bracketG[low]!, t: bracket[low]!, evals };
}

function checkCount(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`LBFGS: invalid ${option} ${String(value)}: must be an integer >= 1`);
  }
}

/**
 * L-BFGS, as torch.optim.LBFGS: one parameter group only; step(closure) runs up to maxIter
 * iterations and returns the loss the closure gave at the first evaluation.
 */
export class LBFGS extends Optimizer<LBFGSOptions, LBFGSState> {
  private readonly params: Tensor[];
  private readonly numel: number;

  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}, ...extra: []) {
    parseOptions('LBFGS', options, keysSpec(OPTION_NAMES), extra);
    const maxIter = options.maxIter ?? 20;
    const defaults: LBFGSOptions = {
      lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
      ...options,
    };
    super('LBFGS', params, defaults, globalStateRule);
    this.params = this.paramGroups[0]!.params;
    this.numel = this.params.reduce((n, p) => n + p.numel(), 0);
  }

  protected validate(o: LBFGSOptions): void {
    checkNonNegative('LBFGS', 'lr', o.lr);
    checkCount('maxIter', o.maxIter);
    checkCount('maxEval', o.maxEval);
    checkNonNegative('LBFGS', 'toleranceGrad', o.toleranceGrad);
    checkNonNegative('LBFGS', 'toleranceChange', o.toleranceChange);
    checkCount('historySize', o.historySize);
    if (o.lineSearchFn !== null && o.lineSearchFn !== 'strong_wolfe') {
      throw new Error(`LBFGS: invalid lineSearchFn ${JSON.stringify(o.lineSearchFn)}: must be null or 'strong_wolfe'`);
    }
  }

  /** One group only (the constructor adds it): a second would need per-group options, which torch's LBFGS lacks too. */
  override addParamGroup(group: Parameters<Optimizer<LBFGSOptions, LBFGSState>['addParamGroup']>[0]): void {
    if (this.paramGroups.length > 0) {
      throw new Error("LBFGS doesn't support per-parameter options (parameter groups): it optimizes one list of parameters");
    }
    super.addParamGroup(group);
  }

  /**
   * The saved state in torch's layout: the counters, and after the first iteration the whole
   * history, its tensors flat vectors over all parameters (cast to the parameters' dtype).
   */
  protected override loadParamState(where: string, entry: unknown, p: Tensor): LBFGSState {
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: the state must be an object, got ${String(entry)}`);
    const e = entry as Record<string, unknown>;
    const keys = Object.keys(e);
    const present = HISTORY_KEYS.filter((k) => k in e);
    if (keys.some((k) => !COUNTER_KEYS.includes(k) && !HISTORY_KEYS.includes(k)) || COUNTER_KEYS.some((k) => !(k in e)) || (present.length > 0 && present.length < HISTORY_KEYS.length)) {
      throw new Error(
        `${where}: the state has ${keys.join(', ') || 'no entries'} but LBFGS keeps ${COUNTER_KEYS.join(', ')} and, after its first iteration, ` +
          `${HISTORY_KEYS.join(', ')}; was it saved from another optimizer?`,
      );
    }
    const number = (key: string, value: unknown = e[key]): number => {
      if (typeof value === 'number') return value;
      if (value instanceof Tensor && value.numel() === 1) return value.item();
      throw new Error(`${where}: state '${key}' must be a number, got ${describe(value)}`);
    };
    const vector = (key: string, value: unknown = e[key]): Tensor => {
      if (!(value instanceof Tensor)) throw new Error(`${where}: state '${key}' must be a Tensor, got ${describe(value)}`);
      if (value.ndim !== 1 || value.shape[0] !== this.numel) {
        throw new Error(`${where}: state '${key}' has shape [${value.shape.join(', ')}] but LBFGS's vectors have shape [${this.numel}] (all parameters, flattened)`);
      }
      return noGrad(() => value.to(p.dtype).clone());
    };
    const list = <T>(key: string, each: (k: string, v: unknown) => T): T[] => {
      const value = e[key];
      if (!Array.isArray(value)) throw new Error(`${where}: state '${key}' must be a list, got ${describe(value)}`);
      return value.map((v, i) => each(`${key}[${i}]`, v));
    };
    const state: LBFGSState = { func_evals: number('func_evals'), n_iter: number('n_iter') };
    if (present.length === 0) return state;
    const oldDirs = list('old_dirs', vector);
    const oldStps = list('old_stps', vector);
    const ro = list('ro', number);
    if (oldStps.length !== oldDirs.length || ro.length !== oldDirs.length) {
      throw new Error(`${where}: the history lists differ in length: old_dirs ${oldDirs.length}, old_stps ${oldStps.length}, ro ${ro.length}`);
    }
    return {
      ...state, d: vector('d'), t: number('t'), old_dirs: oldDirs, old_stps: oldStps, ro, H_diag: number('H_diag'),
      prev_flat_grad: vector('prev_flat_grad'), prev_loss: number('prev_loss'),
    };
  }

  /**
   * Runs up to maxIter L-BFGS iterations. The closure must zero the gradients, compute the loss,
   * call backward and return the loss; it runs with gradients on. Returns the closure's first result.
   */
  override step<L>(closure?: () => L): L {
    if (typeof closure !== 'function') {
      throw new Error('LBFGS.step: a closure is required (it zeroes the gradients, computes the loss, calls backward and returns the loss)');
    }
    const group = this.paramGroups[0]!;
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn } = group;
    const evaluate = (): [L, number] => {
      const result = enableGrad(closure);
      return [result, lossValue(result)];
    };
    return noGrad(() => {
      const state = this.state.get(this.params[0]!) ?? globalStateRule.init(this.params[0]!, group);
      this.state.set(this.params[0]!, state);

      const [origLoss, firstLoss] = evaluate();
      let loss = firstLoss;
      let currentEvals = 1;
      state.func_evals++;
      let flatGrad = this.gatherFlatGrad();
      let optCond = flatGrad.abs().max().item() <= toleranceGrad;
      if (optCond) return origLoss;

      let { d, t, old_dirs: oldDirs, old_stps: oldStps, ro, H_diag: hDiag, prev_flat_grad: prevFlatGrad, prev_loss: prevLoss } = state;
      let nIter = 0;
      while (nIter < maxIter) {
        nIter++;
        state.n_iter++;

        // The descent direction.
        if (state.n_iter === 1) {
          d = flatGrad.neg();
          oldDirs = [];
          oldStps = [];
          ro = [];
          hDiag = 1;
        } else {
          const y = flatGrad.sub(prevFlatGrad!);
          const s = d!.mul(t!);
          const ys = y.dot(s).item();
          if (ys > 1e-10) {
            if (oldDirs!.length === historySize) {
              oldDirs!.shift();
              oldStps!.shift();
              ro!.shift();
            }
            oldDirs!.push(y);
            oldStps!.push(s);
            ro!.push(1 / ys);
            hDiag = ys / y.dot(y).item();
          }
          // Two-loop recursion: d = -H g with the approximate inverse Hessian H.
          const al: number[] = new Array<number>(oldDirs!.length);
          let q = flatGrad.neg();
          for (let i = oldDirs!.length - 1; i >= 0; i--) {
            al[i] = oldStps![i]!.dot(q).item() * ro![i]!;
            q = q.add(oldDirs![i]!.mul(-al[i]!));
          }
          let r = q.mul(hDiag!);
          for (let i = 0; i < oldDirs!.length; i++) {
            const be = oldDirs![i]!.dot(r).item() * ro![i]!;
            r = r.add(oldStps![i]!.mul(al[i]! - be));
          }
          d = r;
        }
        prevFlatGrad = flatGrad.clone();
        prevLoss = loss;

        // The step length.
        t = state.n_iter === 1 ? pyMin(1, 1 / flatGrad.abs().sum().item()) * lr : lr;
        const gtd = flatGrad.dot(d).item();
        if (gtd > -toleranceChange) break;

        let lsFuncEvals = 0;
        if (lineSearchFn === 'strong_wolfe') {
          const start = this.params.map((p) => p.clone());
          const direction = d;
          const objective: Objective = (step) => {
            this.addGrad(step, direction);
            const value = evaluate()[1];
            const grad = this.gatherFlatGrad();
            this.params.forEach((p, i) => p.copy_(start[i]!));
            return [value, grad];
          };
          const found = strongWolfe(objective, t, d, loss, flatGrad, gtd, toleranceChange);
          [loss, flatGrad, t, lsFuncEvals] = [found.loss, found.grad, found.t, found.evals];
          this.addGrad(t, d);
          optCond = flatGrad.abs().max().item() <= toleranceGrad;
        } else {
          this.addGrad(t, d);
          // The last iteration skips the evaluation (useless in a stochastic setting, as torch notes).
          if (nIter !== maxIter) {
            loss = evaluate()[1];
            flatGrad = this.gatherFlatGrad();
            optCond = flatGrad.abs().max().item() <= toleranceGrad;
            lsFuncEvals = 1;
          }
        }
        currentEvals += lsFuncEvals;
        state.func_evals += lsFuncEvals;

        if (nIter === maxIter || currentEvals >= maxEval || optCond) break;
        // Lack of progress.
        if (d.mul(t).abs().max().item() <= toleranceChange) break;
        if (Math.abs(loss - prevLoss) < toleranceChange) break;
      }
      Object.assign(state, {
        d, t, old_dirs: oldDirs, old_stps: oldStps, ro, H_diag: hDiag, prev_flat_grad: prevFlatGrad, prev_loss: prevLoss,
      });
      return origLoss;
    });
  }

  /** All gradients as one flat vector (zeros for a parameter without a gradient). */
  private gatherFlatGrad(): Tensor {
    if (this.params.every((p) => p.grad === null)) {
      throw new Error('LBFGS.step: no parameter has a gradient after the closure ran; the closure must call loss.backward()');
    }
    return cat(this.params.map((p) => (p.grad === null ? zeros([p.numel()], { dtype: p.dtype }) : p.grad.reshape([-1]))));
  }

  /** params += stepSize * update, the flat update split over the parameters. */
  private addGrad(stepSize: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.params) {
      const n = p.numel();
      p.add_(update.narrow(0, offset, n).reshape(p.shape).mul(stepSize));
      offset += n;
    }
  }
}

function lossValue(result: unknown): number {
  if (typeof result === 'number') return result;
  if (result instanceof Tensor && result.numel() === 1) return result.item();
  const got = result instanceof Tensor ? `a Tensor of shape [${result.shape.join(', ')}]` : result === null ? 'null' : typeof result;
  throw new Error(`LBFGS.step: the closure must return the loss (a one-element Tensor or a number), got ${got}`);
}
