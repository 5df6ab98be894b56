/** Dropout2d: zeroes whole channels at random in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { dropout2d } from '../functional/norm.js';
import { Module } from '../module.js';

/**
 * Zeroes each channel of [N, C, H, W] (or [C, H, W]) with probability p and scales the rest by
 * 1 / (1 - p) while training (torch.nn.Dropout2d): neighbouring pixels are strongly correlated,
 * so dropping single pixels would barely regularize a convolutional layer.
 */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability p must be in [0, 1], got ${p}`);
  }

  forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
