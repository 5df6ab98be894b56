/** Dropout2d: zeroes whole channels at random in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { dropout2d } from '../functional/norm.js';
import { Module } from '../module.js';
import { inRange, parseArgs, type Args } from '../../ops/args.js';

/**
 * Zeroes each channel of [N, C, H, W] (or [C, H, W]) with probability p and scales the rest by
 * 1 / (1 - p) while training (torch.nn.Dropout2d): neighbouring pixels are strongly correlated,
 * so dropping single pixels would barely regularize a convolutional layer.
 */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(...args: Args<[p: number], { p?: number }>) {
    super();
    this.p = parseArgs('Dropout2d', args, { p: inRange(0, 1) }).p ?? 0.5;
  }

  forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
