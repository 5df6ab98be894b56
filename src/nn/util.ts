/** Small helpers shared by the nn layers. */
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { checkSize } from '../tensor/shape.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';
import { parseOptions } from '../ops/args.js';

/** A layer whose constructor takes no arguments (ReLU, Tanh, ...): it rejects any (an empty options object aside). */
export abstract class ArgumentFree extends Module {
  constructor(options: Record<string, never> = {}, ...extra: []) {
    super();
    parseOptions(new.target.name, options, {}, extra);
  }
}

/** A zero-filled tensor to hold weights that an initializer fills next (torch.empty's role). */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return zeros(shape, { dtype });
}

/** Throws unless a layer size is a positive safe integer (shape.ts's checkSize, the one size check). */
export function checkPositiveInt(where: string, name: string, value: number): void {
  checkSize(where, name, value, 1);
}

/**
 * PyTorch's default initialization of Linear and Conv layers: weight ~ kaiming_uniform(a = sqrt(5)),
 * bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
 */
export function defaultWeightAndBiasInit(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
