/** NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum-decay schedule. */
import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { checkBetas, checkNonNegative, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcdiv, addcmul, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface NAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** mu_t = beta1 (1 - 0.5 * 0.96^(t * momentumDecay)). */
  momentumDecay: number;
}

export interface NAdamState {
  [key: string]: Tensor | number;
  step: number;
  /** The product of the mu_t so far. */
  mu_product: number;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
}

// torch keeps mu_product in a float32 tensor whatever the parameters' dtype; rounding the same way
// keeps float64 trajectories equal to torch's.
const f32 = Math.fround;

/**
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; denom = sqrt(v / (1 - b2^t)) + eps;
 * param -= lr (1 - mu_t) / (1 - prod mu) g / denom + lr mu_{t+1} / (1 - prod mu * mu_{t+1}) m / denom.
 */
export const nadam: UpdateRule<NAdamOptions, NAdamState> = {
  init: (param) => ({ step: 0, mu_product: 1, exp_avg: zerosLike(param), exp_avg_sq: zerosLike(param) }),
  update(param, grad, state, o) {
    const step = state.step + 1;
    const [beta1, beta2] = o.betas;
    const bias2 = 1 - beta2 ** step;
    const g = o.weightDecay !== 0 ? addScaled(grad, param, o.weightDecay) : grad;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * o.momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * o.momentumDecay));
    const muProduct = f32(f32(state.mu_product) * f32(mu));
    const muProductNext = f32(f32(muProduct * f32(mu)) * f32(muNext));
    const expAvg = addScaled(state.exp_avg.mul(beta1), g, 1 - beta1);
    const expAvgSq = addcmul(state.exp_avg_sq.mul(beta2), g, g, 1 - beta2);
    const denom = expAvgSq.div(bias2).sqrt().add(o.eps);
    const afterGrad = addcdiv(param, g, denom, (-o.lr * (1 - mu)) / (1 - muProduct));
    const newParam = addcdiv(afterGrad, expAvg, denom, (-o.lr * muNext) / (1 - muProductNext));
    return { param: newParam, state: { step, mu_product: muProduct, exp_avg: expAvg, exp_avg_sq: expAvgSq } };
  },
};

export class NAdam extends Optimizer<NAdamOptions, NAdamState> {
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}, ...extra: []) {
    super('NAdam', params, withDefaults('NAdam', { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 }, options, extra), nadam);
  }

  protected validate(o: NAdamOptions): void {
    checkNonNegative('NAdam', 'lr', o.lr);
    checkNonNegative('NAdam', 'eps', o.eps);
    checkBetas('NAdam', o.betas);
    checkNonNegative('NAdam', 'weightDecay', o.weightDecay);
    checkNonNegative('NAdam', 'momentumDecay', o.momentumDecay);
  }
}
