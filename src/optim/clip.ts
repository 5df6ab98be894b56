/** Gradient clipping (torch.nn.utils.clip_grad_norm_ and clip_grad_value_): gradients are changed in place. */
import { bool, checkArg, noExtraArgs, num, parseArgs, type Args } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { stack } from '../ops/join.js';
import { norm } from '../ops/reduce.js';
import { div } from '../ops/elementwise.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling the gradients by it. */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Iterable<Tensor> | Tensor): Tensor[] {
  if (params instanceof Tensor) return params.grad === null ? [] : [params.grad];
  if (typeof params !== 'object' || params === null || !(Symbol.iterator in params)) {
    throw new Error(`${op}: params must be a Tensor or an iterable of Tensors, got ${String(params)}`);
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of params as Iterable<unknown>) {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameter ${i} is not a Tensor but ${p === null ? 'null' : typeof p}`);
    if (p.grad !== null) grads.push(p.grad);
    i++;
  }
  return grads;
}

/**
 * Scales the gradients so that their total normType-norm (all gradients seen as one vector) is at
 * most maxNorm: each is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm
 * before clipping, as a 0-dim tensor (0 when no parameter has a gradient).
 */
export function clipGradNorm(
  params: Iterable<Tensor> | Tensor,
  maxNorm: number,
  ...args: Args<[normType: number, errorIfNonfinite: boolean], ClipGradNormOptions & { normType?: number }>
): Tensor {
  const grads = gradsOf('clipGradNorm', params);
  checkArg('clipGradNorm', 'maxNorm', maxNorm, num);
  const { normType = 2, ...options } = parseArgs('clipGradNorm', args, { normType: num, errorIfNonfinite: bool });
  if (grads.length === 0) return tensor(0, { dtype: 'float32' });
  return noGrad(() => {
    const norms = grads.map((g) => (normType === Infinity ? g.abs().max() : norm(g, normType)));
    const total = normType === Infinity
      ? norms.length === 1 ? norms[0]! : stack(norms).max()
      : norm(stack(norms), normType);
    const value = total.item();
    if (options.errorIfNonfinite === true && !Number.isFinite(value)) {
      throw new Error(
        `clipGradNorm: the total norm of order ${normType} of the gradients is ${value}, so they cannot be clipped; ` +
          'pass { errorIfNonfinite: false } to scale the gradients by it anyway',
      );
    }
    const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
    for (const g of grads) g.mul_(coef.to(g.dtype));
    return total;
  });
}

/** Clamps every gradient to [-clipValue, clipValue], in place. */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number, ...extra: []): void {
  const grads = gradsOf('clipGradValue', params);
  checkArg('clipGradValue', 'clipValue', clipValue, num);
  noExtraArgs('clipGradValue', extra);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
