/** Neural-network building blocks: softmax and logSoftmax (primitives), dropout (composed of tensor ops). */
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import { bernoulli, fullLike } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { apply, type OpDef } from '../autograd/function.js';
import { kernels } from '../backend/registry.js';
import { checkTensor, fromKernel } from './util.js';
import { div, exp, mul, sub } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape } from './movement.js';
import { entry, f, sample, type OpEntry } from './table.js';

function checkFloat(op: string, x: Tensor): void {
  checkTensor(op, x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a floating-point tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
}

interface SoftmaxAttrs {
  axis: number;
}

/**
 * softmax and logSoftmax as primitives: one kernel pass each way instead of five ops, with
 * torch's formulas and rounding. Backward (torch's): softmax y gives y (g - sum(g y)),
 * logSoftmax y gives g - exp(y) sum(g); both read the saved output, so they differentiate again.
 */
function softmaxOp(log: boolean): OpDef<SoftmaxAttrs> {
  return {
    name: log ? 'logSoftmax' : 'softmax',
    forward([x], { axis }, save) {
      const out = fromKernel(kernels().softmax(x!, axis, log), x!.shape, x!.dtype);
      save(out);
      return out;
    },
    backward(g, ctx) {
      const [y] = ctx.saved;
      const { axis } = ctx.attrs;
      return log ? [sub(g, mul(exp(y!), sum(g, axis, true)))] : [mul(y!, sub(g, sum(mul(g, y!), axis, true)))];
    },
  };
}

const SOFTMAX = softmaxOp(false);
const LOG_SOFTMAX = softmaxOp(true);

function softmaxCall(op: OpDef<SoftmaxAttrs>, x: Tensor, dim: number): Tensor {
  checkFloat(op.name, x);
  const axis = normalizeDim(op.name, dim, x.ndim);
  // A 0-dim tensor is a row of one.
  if (x.ndim === 0) return reshape(apply(op, [reshape(x, [1])], { axis: 0 }), []);
  return apply(op, [x], { axis });
}

/** exp(x - max) / sum(exp(x - max)) along dim (torch.softmax). */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxCall(SOFTMAX, x, dim);
}

/** (x - max) - log(sum(exp(x - max))) along dim: log-probabilities, stable for any input range (torch.log_softmax). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxCall(LOG_SOFTMAX, x, dim);
}

/**
 * Inverted dropout: zeroes each element with probability p and scales the rest by 1 / (1 - p)
 * during training, so evaluation needs no change (torch.nn.functional.dropout).
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  checkFloat('dropout', x);
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = bernoulli(fullLike(x.detach(), 1 - p), generator ? { generator } : {});
  return mul(x, div(keep, 1 - p));
}

export const table: OpEntry<object>[] = [
  entry({
    name: 'softmax',
    run: ([x], a: { dim: number }) => softmax(x!, a.dim),
    torch: 'torch.softmax(x0, a["dim"])',
    samples: [sample([f([3, 5], [-5, 5])], { dim: -1 }), sample([f([2, 3, 4], undefined, 'transposed')], { dim: 0 })],
  }),
  entry({
    name: 'logSoftmax',
    run: ([x], a: { dim: number }) => logSoftmax(x!, a.dim),
    torch: 'torch.log_softmax(x0, a["dim"])',
    samples: [sample([f([3, 5], [-5, 5])], { dim: 1 }), sample([f([2, 3, 4], undefined, 'strided')], { dim: -2 })],
  }),
];
