/** Adagrad (torch.optim.Adagrad): per-coordinate steps scaled by the root of the summed squared gradients. */
import type { Tensor } from '../tensor/tensor.js';
import { fullLike } from '../tensor/creation.js';
import { checkNonNegative, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addcdiv, addcmul, addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface AdagradOptions {
  lr: number;
  /** The step size at step t is lr / (1 + (t - 1) * lrDecay). */
  lrDecay: number;
  weightDecay: number;
  /** The starting value of the squared-gradient sum. */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradState {
  [key: string]: Tensor | number;
  step: number;
  sum: Tensor;
}

/** sum += g^2; param -= lr / (1 + (t-1) lrDecay) * g / (sqrt(sum) + eps). */
export const adagrad: UpdateRule<AdagradOptions, AdagradState> = {
  init: (param, o) => ({ step: 0, sum: fullLike(param, o.initialAccumulatorValue) }),
  update(param, grad, state, o) {
    const step = state.step + 1;
    let g = o.maximize ? grad.neg() : grad;
    if (o.weightDecay !== 0) g = addScaled(g, param, o.weightDecay);
    const clr = o.lr / (1 + (step - 1) * o.lrDecay);
    const sum = addcmul(state.sum, g, g, 1);
    const std = sum.sqrt().add(o.eps);
    return { param: addcdiv(param, g, std, -clr), state: { step, sum } };
  },
};

export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}, ...extra: []) {
    const defaults = withDefaults('Adagrad', { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options, extra);
    super('Adagrad', params, defaults, adagrad);
    // torch creates Adagrad's state in the constructor, so it is in stateDict() before any step.
    for (const group of this.paramGroups) for (const p of group.params) this.initState(p, group);
  }

  protected validate(o: AdagradOptions): void {
    checkNonNegative('Adagrad', 'lr', o.lr);
    checkNonNegative('Adagrad', 'lrDecay', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', o.eps);
  }
}
