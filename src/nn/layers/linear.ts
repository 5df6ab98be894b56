/** The fully connected layer: y = x W^T + b. */
import type { Tensor } from '../../tensor/tensor.js';
import { defaultWeightAndBiasInit, empty } from '../util.js';
import { checkSize, shapeStr } from '../../tensor/shape.js';
import { linear } from '../../ops/linalg.js';
import { Module, Parameter } from '../module.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { bool, floatDtype, parseOptions } from '../../ops/args.js';

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  dtype?: FloatDType;
}

const LINEAR_SPEC = { bias: bool, dtype: floatDtype };

/**
 * y = x W^T + b over the last dim (torch.nn.Linear). weight: [outFeatures, inFeatures], bias:
 * [outFeatures]. Initialized like PyTorch: W ~ kaiming_uniform(a = sqrt(5)), i.e.
 * U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)), and b ~ U(-1/sqrt(inFeatures), 1/sqrt(inFeatures)).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}, ...extra: []) {
    super();
    parseOptions('Linear', options, LINEAR_SPEC, extra);
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = new Parameter(empty([outFeatures, inFeatures], dtype));
    this.bias = options.bias === false ? null : new Parameter(empty([outFeatures], dtype));
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialization. */
  resetParameters(): void {
    defaultWeightAndBiasInit(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim === 0 || input.shape[input.ndim - 1] !== this.inFeatures) {
      const trailing = input.shape.slice(1).reduce((a, b) => a * b, 1);
      const hint =
        input.ndim > 2 && trailing === this.inFeatures
          ? '; flatten the image first (nn.Flatten)'
          : input.ndim === 0
            ? '; a scalar has no features'
            : '';
      throw new Error(`${this.describe()} got input ${shapeStr(input.shape)}: the last dim must be ${this.inFeatures}${hint}`);
    }
    if (input.dtype !== this.weight.dtype) {
      throw new Error(
        `${this.describe()} got input of dtype ${input.dtype} but its weights are ${this.weight.dtype}; ` +
          `convert the input (.to('${this.weight.dtype}')) or the layer`,
      );
    }
    return linear(input, this.weight, this.bias);
  }

  private describe(): string {
    return `Linear(${this.inFeatures} -> ${this.outFeatures})`;
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
