/** Adamax (torch.optim.Adamax): Adam with the infinity norm in place of the second moment. */
import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { checkBetas, checkNonNegative, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcdiv, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface AdamaxOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export interface AdamaxState {
  [key: string]: Tensor | number;
  step: number;
  exp_avg: Tensor;
  exp_inf: Tensor;
}

/** m = b1 m + (1-b1) g; u = max(b2 u, |g| + eps); param -= lr / (1 - b1^t) * m / u. */
export const adamax: UpdateRule<AdamaxOptions, AdamaxState> = {
  init: (param) => ({ step: 0, exp_avg: zerosLike(param), exp_inf: zerosLike(param) }),
  update(param, grad, state, o) {
    let g = o.maximize ? grad.neg() : grad;
    const step = state.step + 1;
    if (o.weightDecay !== 0) g = addScaled(g, param, o.weightDecay);
    const [beta1, beta2] = o.betas;
    const expAvg = addScaled(state.exp_avg.mul(beta1), g, 1 - beta1);
    const expInf = state.exp_inf.mul(beta2).maximum(g.abs().add(o.eps));
    const clr = o.lr / (1 - beta1 ** step);
    return { param: addcdiv(param, expAvg, expInf, -clr), state: { step, exp_avg: expAvg, exp_inf: expInf } };
  },
};

export class Adamax extends Optimizer<AdamaxOptions, AdamaxState> {
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}, ...extra: []) {
    super('Adamax', params, withDefaults('Adamax', { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false }, options, extra), adamax);
  }

  protected validate(o: AdamaxOptions): void {
    checkNonNegative('Adamax', 'lr', o.lr);
    checkNonNegative('Adamax', 'eps', o.eps);
    checkBetas('Adamax', o.betas);
    checkNonNegative('Adamax', 'weightDecay', o.weightDecay);
  }
}
