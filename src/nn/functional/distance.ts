/** Distances and similarities between batches of vectors. */
import type { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { broadcastShapes, normalizeDim, shapeStr } from '../../tensor/shape.js';
import { clamp, div, mul, sub } from '../../ops/elementwise.js';
import { norm, sum } from '../../ops/reduce.js';
import { checkTensor } from '../../ops/util.js';
import { bool, int, num, parseOptions } from '../../ops/args.js';

function checkPair(op: string, x1: Tensor, x2: Tensor): number[] {
  checkTensor(op, x1, 'x1');
  checkTensor(op, x2, 'x2');
  for (const [what, x] of [['x1', x1], ['x2', x2]] as const) {
    if (!isFloat(x.dtype)) throw new Error(`${op}: ${what} must be a floating-point tensor, got dtype ${x.dtype}`);
  }
  try {
    return broadcastShapes(op, x1.shape, x2.shape);
  } catch {
    throw new Error(`${op}: x1 of shape ${shapeStr(x1.shape)} and x2 of shape ${shapeStr(x2.shape)} do not broadcast together`);
  }
}

export interface PairwiseDistanceOptions {
  /** The norm degree (default 2). */
  p?: number;
  /** Added to the difference to avoid a zero norm (default 1e-6). */
  eps?: number;
  keepdim?: boolean;
}

/** ||x1 - x2 + eps||_p over the last dim (torch.nn.functional.pairwise_distance). */
export const PAIRWISE_DISTANCE_SPEC = { p: num, eps: num, keepdim: bool };

export function pairwiseDistance(x1: Tensor, x2: Tensor, options: PairwiseDistanceOptions = {}, ...extra: []): Tensor {
  const shape = checkPair('pairwiseDistance', x1, x2);
  parseOptions('F.pairwiseDistance', options, PAIRWISE_DISTANCE_SPEC, extra);
  const p = options.p ?? 2;
  if (!(p >= 0)) throw new Error(`pairwiseDistance: p must be non-negative, got ${p}`);
  const diff = sub(x1, x2).add(options.eps ?? 1e-6);
  if (shape.length === 0) return norm(diff, p);
  return norm(diff, p, -1, options.keepdim ?? false);
}

export interface CosineSimilarityOptions {
  /** The dim holding the vectors (default 1). */
  dim?: number;
  /** Lower bound on each norm, to avoid division by zero (default 1e-8). */
  eps?: number;
}

/** x1 . x2 / (max(||x1||, eps) max(||x2||, eps)) along dim (torch.nn.functional.cosine_similarity). */
export const COSINE_SIMILARITY_SPEC = { dim: int, eps: num };

export function cosineSimilarity(x1: Tensor, x2: Tensor, options: CosineSimilarityOptions = {}, ...extra: []): Tensor {
  const shape = checkPair('cosineSimilarity', x1, x2);
  parseOptions('F.cosineSimilarity', options, COSINE_SIMILARITY_SPEC, extra);
  const dim = normalizeDim('cosineSimilarity', options.dim ?? 1, Math.max(shape.length, 1));
  const eps = options.eps ?? 1e-8;
  const n1 = clamp(norm(x1, 2, dim - (shape.length - x1.ndim), true), eps);
  const n2 = clamp(norm(x2, 2, dim - (shape.length - x2.ndim), true), eps);
  return sum(mul(div(x1, n1), div(x2, n2)), dim);
}
