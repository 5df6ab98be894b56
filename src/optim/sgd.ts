/** Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay (torch.optim.SGD). */
import type { Tensor } from '../tensor/tensor.js';
import { fused } from '../backend/registry.js';
import { zerosLike } from '../tensor/creation.js';
import { checkNonNegative, markWritten, Optimizer, type Params, type UpdateRule } from './optimizer.js';
import { addScaled } from './math.js';
import { withDefaults } from '../ops/args.js';

export interface SGDOptions {
  /** Learning rate (required, as in torch 1.13). */
  lr: number;
  momentum: number;
  dampening: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

export interface SGDState {
  [key: string]: Tensor | null;
  /** null until momentum is used (torch stores None too). */
  momentum_buffer: Tensor | null;
}

/**
 * buf = momentum * buf + (1 - dampening) * g (buf = g at the first step);
 * g = nesterov ? g + momentum * buf : buf; param -= lr * g.
 */
export const sgd: UpdateRule<SGDOptions, SGDState> = {
  init: () => ({ momentum_buffer: null }),
  updateInPlace: fusedSgdStep,
  update(param, grad, state, o) {
    let d = o.maximize ? grad.neg() : grad;
    if (o.weightDecay !== 0) d = addScaled(d, param, o.weightDecay);
    let buffer = state.momentum_buffer;
    if (o.momentum !== 0) {
      buffer = buffer === null ? d.clone() : addScaled(buffer.mul(o.momentum), d, 1 - o.dampening);
      d = o.nesterov ? addScaled(d, buffer, o.momentum) : buffer;
    }
    return { param: addScaled(param, d, -o.lr), state: { momentum_buffer: buffer } };
  },
};

/**
 * The same update in one pass, in place, where the backend has a fused kernel that takes these
 * operands (the wasm backend's, for float32), bit-identical to the tensor ops above; null otherwise.
 */
function fusedSgdStep(param: Tensor, grad: Tensor, state: SGDState, o: SGDOptions): SGDState | null {
  const kernel = fused('sgdStep');
  if (kernel === undefined) return null;
  const momentum = o.momentum !== 0;
  const first = momentum && state.momentum_buffer === null;
  const buffer = !momentum ? null : first ? zerosLike(param) : state.momentum_buffer!;
  const { lr, dampening, weightDecay, nesterov, maximize } = o;
  if (!kernel(param, grad, buffer, { lr, momentum: o.momentum, dampening, weightDecay, nesterov, maximize, first })) return null;
  markWritten(buffer === null ? [param] : [param, buffer]);
  return { momentum_buffer: momentum ? buffer : state.momentum_buffer };
}

export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}, ...extra: []) {
    // lr has no default: a group without one is reported by validate().
    const defaults = withDefaults('SGD', { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options, extra, ['lr']) as SGDOptions;
    super('SGD', params, defaults, sgd);
  }

  protected validate(o: SGDOptions): void {
    if (o.lr === undefined) throw new Error('SGD: lr is required: pass { lr } in the options or in every parameter group');
    checkNonNegative('SGD', 'lr', o.lr);
    checkNonNegative('SGD', 'momentum', o.momentum);
    checkNonNegative('SGD', 'weightDecay', o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(
        `SGD: nesterov momentum requires momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`,
      );
    }
  }
}
