/** Distance modules over the functional distances. */
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import {
  COSINE_SIMILARITY_SPEC, PAIRWISE_DISTANCE_SPEC, cosineSimilarity, pairwiseDistance, type CosineSimilarityOptions, type PairwiseDistanceOptions,
} from '../functional/distance.js';
import { parseOptions } from '../../ops/args.js';

/** Cosine similarity along dim (default 1), norms floored at eps (default 1e-8). */
export class CosineSimilarity extends Module {
  readonly dim: number;
  readonly eps: number;
  constructor(options: CosineSimilarityOptions = {}, ...extra: []) {
    super();
    parseOptions('CosineSimilarity', options, COSINE_SIMILARITY_SPEC, extra);
    this.dim = options.dim ?? 1;
    this.eps = options.eps ?? 1e-8;
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return cosineSimilarity(x1, x2, { dim: this.dim, eps: this.eps });
  }
  override extraRepr(): string {
    return `dim=${this.dim}, eps=${this.eps}`;
  }
}

/** ||x1 - x2 + eps||_p over the last dim (defaults p 2, eps 1e-6). */
export class PairwiseDistance extends Module {
  readonly p: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(options: PairwiseDistanceOptions = {}, ...extra: []) {
    super();
    parseOptions('PairwiseDistance', options, PAIRWISE_DISTANCE_SPEC, extra);
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.keepdim = options.keepdim ?? false;
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    return pairwiseDistance(x1, x2, { p: this.p, eps: this.eps, keepdim: this.keepdim });
  }
  override extraRepr(): string {
    return `p=${this.p}, eps=${this.eps}, keepdim=${this.keepdim}`;
  }
}
