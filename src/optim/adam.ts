/** Adam and AdamW (torch.optim.Adam, torch.optim.AdamW), with AMSGrad and maximize. */
import type { Tensor } from '../tensor/tensor.js';
import { fused } from '../backend/registry.js';
import { zerosLike } from '../tensor/creation.js';
import { checkBetas, checkNonNegative, markWritten, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcdiv, addcmul, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay, param *= 1 - lr * weightDecay. */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  [key: string]: Tensor | number | undefined;
  step: number;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
  /** Only with amsgrad. */
  max_exp_avg_sq?: Tensor;
}

function adamRule(decoupled: boolean): UpdateRule<AdamOptions, AdamState> {
  return {
    init: (param, o) => ({
      step: 0,
      exp_avg: zerosLike(param),
      exp_avg_sq: zerosLike(param),
      ...(o.amsgrad ? { max_exp_avg_sq: zerosLike(param) } : {}),
    }),
    updateInPlace: (param, grad, state, o) => fusedAdamStep(param, grad, state, o, decoupled),
    update(param, grad, state, o) {
      let g = o.maximize ? grad.neg() : grad;
      let p = param;
      if (decoupled) p = param.mul(1 - o.lr * o.weightDecay);
      else if (o.weightDecay !== 0) g = addScaled(g, param, o.weightDecay);
      const step = state.step + 1;
      const [beta1, beta2] = o.betas;
      const expAvg = addScaled(state.exp_avg.mul(beta1), g, 1 - beta1);
      const expAvgSq = addcmul(state.exp_avg_sq.mul(beta2), g, g, 1 - beta2);
      const stepSize = o.lr / (1 - beta1 ** step);
      const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
      const next: AdamState = { ...state, step, exp_avg: expAvg, exp_avg_sq: expAvgSq };
      let second = expAvgSq;
      if (o.amsgrad) {
        second = (state.max_exp_avg_sq ?? zerosLike(param)).maximum(expAvgSq);
        next.max_exp_avg_sq = second;
      }
      const denom = second.sqrt().div(bias2Sqrt).add(o.eps);
      return { param: addcdiv(p, expAvg, denom, -stepSize), state: next };
    },
  };
}

/**
 * The same update in one pass, in place, where the backend has a fused kernel that takes these
 * operands (the wasm backend's, for float32), bit-identical to the tensor ops above; null otherwise.
 */
function fusedAdamStep(param: Tensor, grad: Tensor, state: AdamState, o: AdamOptions, decoupled: boolean): AdamState | null {
  const kernel = fused('adamStep');
  const maxExpAvgSq = o.amsgrad ? state.max_exp_avg_sq : null;
  if (kernel === undefined || maxExpAvgSq === undefined) return null;
  const step = state.step + 1;
  const options = { lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, decoupled, amsgrad: o.amsgrad, maximize: o.maximize, step };
  if (!kernel(param, grad, { expAvg: state.exp_avg, expAvgSq: state.exp_avg_sq, maxExpAvgSq }, options)) return null;
  markWritten([param, state.exp_avg, state.exp_avg_sq, ...(maxExpAvgSq === null ? [] : [maxExpAvgSq])]);
  return { ...state, step };
}

/** m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; param -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). */
export const adam = adamRule(false);
/** Adam with decoupled weight decay: param *= 1 - lr * weightDecay before the Adam step. */
export const adamw = adamRule(true);

function validateAdam(name: string, o: AdamOptions): void {
  checkNonNegative(name, 'lr', o.lr);
  checkNonNegative(name, 'eps', o.eps);
  checkBetas(name, o.betas);
  checkNonNegative(name, 'weightDecay', o.weightDecay);
}

export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}, ...extra: []) {
    super('Adam', params, withDefaults('Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options, extra), adam);
  }

  protected validate(o: AdamOptions): void {
    validateAdam('Adam', o);
  }
}

export class AdamW extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}, ...extra: []) {
    super('AdamW', params, withDefaults('AdamW', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options, extra), adamw);
  }

  protected validate(o: AdamOptions): void {
    validateAdam('AdamW', o);
  }
}
