/** Dropout: zeroes random elements in training mode, the identity in eval mode. */
import type { Tensor } from '../../tensor/tensor.js';
import { dropout } from '../../ops/nn.js';
import { Module } from '../module.js';
import { inRange, parseArgs, type Args } from '../../ops/args.js';

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p) while training. */
export class Dropout extends Module {
  readonly p: number;
  constructor(...args: Args<[p: number], { p?: number }>) {
    super();
    this.p = parseArgs('Dropout', args, { p: inRange(0, 1) }).p ?? 0.5;
  }
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
