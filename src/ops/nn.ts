/** Neural-network building blocks composed of tensor ops: softmax, logSoftmax, dropout. */
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { normalizeDim, shapeStr } from '../tensor/shape.js';
import { bernoulli, fullLike } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { checkTensor } from './util.js';
import { div, exp, mul, sub } from './elementwise.js';
import { amax, logsumexp, sum } from './reduce.js';
import { entry, f, sample, type OpEntry } from './table.js';

function checkFloat(op: string, x: Tensor): void {
  checkTensor(op, x);
  if (!isFloat(x.dtype)) throw new Error(`${op}: expected a floating-point tensor, got dtype ${x.dtype} with shape ${shapeStr(x.shape)}`);
}

/** exp(x) / sum(exp(x)) along dim, shifted by the maximum so large inputs do not overflow. */
export function softmax(x: Tensor, dim: number): Tensor {
  checkFloat('softmax', x);
  const d = normalizeDim('softmax', dim, x.ndim);
  // An empty tensor has no maximum to shift by (and needs none).
  const e = exp(x.numel() === 0 ? x : sub(x, amax(x.detach(), d, true)));
  return div(e, sum(e, d, true));
}

/** x - logsumexp(x) along dim: log-probabilities, stable for any input range. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkFloat('logSoftmax', x);
  const d = normalizeDim('logSoftmax', dim, x.ndim);
  return sub(x, logsumexp(x, d, true));
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
