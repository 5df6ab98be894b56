/** Dropout: zeroes random elements in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { dropout } from '../../ops/nn.js';
import { Module } from '../module.js';

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p) while training. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability p must be in [0, 1], got ${p}`);
  }
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
