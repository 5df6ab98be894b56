/** RMSprop (torch.optim.RMSprop), optionally centered and with momentum. */
import type { Tensor } from '../tensor/tensor.js';
import { zerosLike } from '../tensor/creation.js';
import { checkNonNegative, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcdiv, addcmul, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  [key: string]: Tensor | number | undefined;
  step: number;
  square_avg: Tensor;
  /** Only with momentum > 0. */
  momentum_buffer?: Tensor;
  /** Only when centered. */
  grad_avg?: Tensor;
}

/**
 * v = alpha v + (1-alpha) g^2; avg = sqrt(v - (centered ? mean(g)^2 : 0)) + eps;
 * with momentum: buf = momentum buf + g / avg, param -= lr buf; without: param -= lr g / avg.
 */
export const rmsprop: UpdateRule<RMSpropOptions, RMSpropState> = {
  init: (param, o) => ({
    step: 0,
    square_avg: zerosLike(param),
    ...(o.momentum > 0 ? { momentum_buffer: zerosLike(param) } : {}),
    ...(o.centered ? { grad_avg: zerosLike(param) } : {}),
  }),
  update(param, grad, state, o) {
    let g = o.maximize ? grad.neg() : grad;
    if (o.weightDecay !== 0) g = addScaled(g, param, o.weightDecay);
    const next: RMSpropState = { ...state, step: state.step + 1 };
    next.square_avg = addcmul(state.square_avg.mul(o.alpha), g, g, 1 - o.alpha);
    let avg: Tensor;
    if (o.centered) {
      next.grad_avg = addScaled((state.grad_avg ?? zerosLike(param)).mul(o.alpha), g, 1 - o.alpha);
      avg = addcmul(next.square_avg, next.grad_avg, next.grad_avg, -1).sqrt();
    } else {
      avg = next.square_avg.sqrt();
    }
    avg = avg.add(o.eps);
    if (o.momentum > 0) {
      next.momentum_buffer = addcdiv((state.momentum_buffer ?? zerosLike(param)).mul(o.momentum), g, avg, 1);
      return { param: addScaled(param, next.momentum_buffer, -o.lr), state: next };
    }
    return { param: addcdiv(param, g, avg, -o.lr), state: next };
  },
};

export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}, ...extra: []) {
    const defaults = withDefaults('RMSprop', { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options, extra);
    super('RMSprop', params, defaults, rmsprop);
  }

  protected validate(o: RMSpropOptions): void {
    checkNonNegative('RMSprop', 'lr', o.lr);
    checkNonNegative('RMSprop', 'eps', o.eps);
    checkNonNegative('RMSprop', 'momentum', o.momentum);
    checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
    checkNonNegative('RMSprop', 'alpha', o.alpha);
  }
}
