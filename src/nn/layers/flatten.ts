/** Flatten and Unflatten: reshape modules for moving between image and vector layers. */
import type { Tensor } from '../../tensor/tensor.js';
import { flatten, unflatten } from '../../ops/movement.js';
import { shapeStr } from '../../tensor/shape.js';
import { Module } from '../module.js';
import { checkArg, int, intArray, parseArgs, parseOptions, type Args } from '../../ops/args.js';

/** Merges dims startDim..endDim into one (defaults 1..-1: keep the batch dim, flatten the rest). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(...args: Args<[startDim: number, endDim: number], { startDim?: number; endDim?: number }>) {
    super();
    const { startDim = 1, endDim = -1 } = parseArgs('Flatten', args, { startDim: int, endDim: int });
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(input: Tensor): Tensor {
    const rank = input.ndim;
    const start = this.startDim < 0 ? this.startDim + rank : this.startDim;
    const end = this.endDim < 0 ? this.endDim + rank : this.endDim;
    if (rank > 0 && (start < 0 || start >= rank || end < 0 || end >= rank)) {
      throw new Error(
        `Flatten(startDim=${this.startDim}, endDim=${this.endDim}) got input ${shapeStr(input.shape)}: dims out of range ` +
          `for a ${rank}-D input${rank === 1 ? ' (an unbatched vector is already flat)' : ''}`,
      );
    }
    return flatten(input, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Splits dim `dim` into `sizes` (one entry may be -1). */
export class Unflatten extends Module {
  readonly sizes: readonly number[];
  constructor(readonly dim: number, sizes: readonly number[], options: Record<string, never> = {}, ...extra: []) {
    super();
    checkArg('Unflatten', 'dim', dim, int);
    checkArg('Unflatten', 'sizes', sizes, intArray);
    parseOptions('Unflatten', options, {}, extra);
    this.sizes = [...sizes];
  }
  forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.sizes);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.sizes.join(', ')}]`;
  }
}
