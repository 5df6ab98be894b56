/** Adadelta (torch.optim.Adadelta): steps scaled by the ratio of running RMS of updates and gradients. */
import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { checkNonNegative, checkUnitRange, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcmul, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface AdadeltaOptions {
  /** Scales the update (default 1.0). */
  lr: number;
  /** Smoothing constant of both running averages. */
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export interface AdadeltaState {
  [key: string]: Tensor | number;
  step: number;
  square_avg: Tensor;
  acc_delta: Tensor;
}

/**
 * v = rho v + (1-rho) g^2; delta = sqrt(u + eps) / sqrt(v + eps) * g; u = rho u + (1-rho) delta^2;
 * param -= lr delta.
 */
export const adadelta: UpdateRule<AdadeltaOptions, AdadeltaState> = {
  init: (param) => ({ step: 0, square_avg: zerosLike(param), acc_delta: zerosLike(param) }),
  update(param, grad, state, o) {
    let g = o.maximize ? grad.neg() : grad;
    if (o.weightDecay !== 0) g = addScaled(g, param, o.weightDecay);
    const squareAvg = addcmul(state.square_avg.mul(o.rho), g, g, 1 - o.rho);
    const std = squareAvg.add(o.eps).sqrt();
    const delta = state.acc_delta.add(o.eps).sqrt().div(std).mul(g);
    const accDelta = addcmul(state.acc_delta.mul(o.rho), delta, delta, 1 - o.rho);
    return {
      param: addScaled(param, delta, -o.lr),
      state: { step: state.step + 1, square_avg: squareAvg, acc_delta: accDelta },
    };
  },
};

export class Adadelta extends Optimizer<AdadeltaOptions, AdadeltaState> {
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}, ...extra: []) {
    super('Adadelta', params, withDefaults('Adadelta', { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, options, extra), adadelta);
  }

  protected validate(o: AdadeltaOptions): void {
    checkNonNegative('Adadelta', 'lr', o.lr);
    checkUnitRange('Adadelta', 'rho', o.rho, true);
    checkNonNegative('Adadelta', 'eps', o.eps);
    checkNonNegative('Adadelta', 'weightDecay', o.weightDecay);
  }
}
