/**
 * Pooling layers (torch.nn.MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d,
 * AdaptiveMaxPool1d/2d/3d): option holders over the functional pooling. Max pooling with
 * `returnIndices: true` returns { values, indices } instead of a tensor.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import type { ValuesIndices } from '../../ops/reduce.js';
import { Module } from '../module.js';
import { perDim, type IntOrTuple } from '../functional/conv.js';
import {
  adaptiveAvgPoolN, adaptiveMaxPoolN, avgPoolN, maxPoolN, type AdaptiveMaxPoolOptions, type AdaptiveSize, type AvgPoolOptions,
  type MaxPoolOptions,
} from '../functional/pool.js';
import { ADAPTIVE_MAX_POOL_SPEC, AVG_POOL_1D_SPEC, AVG_POOL_SPEC, MAX_POOL_SPEC } from '../functional/pool.js';
import { arrayOf, checkArg, checkOptions, either, int, nullable, parseOptions } from '../../ops/args.js';

/** An output size per spatial dim (null keeps the input's), or one for all. */
const adaptiveSize = either(int, arrayOf(nullable(int), 'an array of integers or nulls'));

/** What forward returns: a tensor, or values and indices when the layer was built with returnIndices: true. */
export type PoolResult<R extends boolean> = R extends true ? ValuesIndices : Tensor;

function listOrNumber(value: IntOrTuple): string {
  return typeof value === 'number' ? String(value) : shapeStr(value);
}

abstract class MaxPoolNd<R extends boolean> extends Module {
  readonly kernelSize: IntOrTuple;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation: IntOrTuple;
  readonly ceilMode: boolean;
  readonly returnIndices: R;

  protected constructor(
    readonly layerName: string,
    readonly nd: number,
    kernelSize: IntOrTuple,
    options: MaxPoolOptions & { returnIndices?: R },
  ) {
    super();
    perDim(layerName, 'kernelSize', kernelSize, nd, 1);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
    this.returnIndices = (options.returnIndices ?? false) as R;
  }

  forward(input: Tensor): PoolResult<R> {
    const out = maxPoolN(this.describe(), this.nd, input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
      returnIndices: this.returnIndices,
    });
    return out as PoolResult<R>;
  }

  private describe(): string {
    return `${this.layerName}(kernelSize=${listOrNumber(this.kernelSize)})`;
  }

  override extraRepr(): string {
    return (
      `kernelSize=${listOrNumber(this.kernelSize)}, stride=${listOrNumber(this.stride)}, padding=${listOrNumber(this.padding)}, ` +
      `dilation=${listOrNumber(this.dilation)}, ceilMode=${this.ceilMode}`
    );
  }
}

/** Max over windows of [N, C, L]. */
export class MaxPool1d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrTuple, options: MaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('MaxPool1d', 1, kernelSize, checkOptions('MaxPool1d', options, MAX_POOL_SPEC, extra));
  }
}

/** Max over windows of [N, C, H, W]. */
export class MaxPool2d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrTuple, options: MaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('MaxPool2d', 2, kernelSize, checkOptions('MaxPool2d', options, MAX_POOL_SPEC, extra));
  }
}

/** Max over windows of [N, C, D, H, W]. */
export class MaxPool3d<R extends boolean = false> extends MaxPoolNd<R> {
  constructor(kernelSize: IntOrTuple, options: MaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('MaxPool3d', 3, kernelSize, checkOptions('MaxPool3d', options, MAX_POOL_SPEC, extra));
  }
}

abstract class AvgPoolNd extends Module {
  readonly kernelSize: IntOrTuple;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  protected constructor(
    readonly layerName: string,
    readonly nd: number,
    kernelSize: IntOrTuple,
    options: AvgPoolOptions,
  ) {
    super();
    perDim(layerName, 'kernelSize', kernelSize, nd, 1);
    this.kernelSize = kernelSize;
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }

  forward(input: Tensor): Tensor {
    return avgPoolN(`${this.layerName}(kernelSize=${listOrNumber(this.kernelSize)})`, this.nd, input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return (
      `kernelSize=${listOrNumber(this.kernelSize)}, stride=${listOrNumber(this.stride)}, padding=${listOrNumber(this.padding)}` +
      (this.ceilMode ? ', ceilMode=true' : '') +
      (this.countIncludePad ? '' : ', countIncludePad=false') +
      (this.divisorOverride === null ? '' : `, divisorOverride=${this.divisorOverride}`)
    );
  }
}

/** Mean over windows of [N, C, L]. */
export class AvgPool1d extends AvgPoolNd {
  constructor(kernelSize: IntOrTuple, options: Omit<AvgPoolOptions, 'divisorOverride'> = {}, ...extra: []) {
    super('AvgPool1d', 1, kernelSize, checkOptions('AvgPool1d', options, AVG_POOL_1D_SPEC, extra));
  }
}

/** Mean over windows of [N, C, H, W]. */
export class AvgPool2d extends AvgPoolNd {
  constructor(kernelSize: IntOrTuple, options: AvgPoolOptions = {}, ...extra: []) {
    super('AvgPool2d', 2, kernelSize, checkOptions('AvgPool2d', options, AVG_POOL_SPEC, extra));
  }
}

/** Mean over windows of [N, C, D, H, W]. */
export class AvgPool3d extends AvgPoolNd {
  constructor(kernelSize: IntOrTuple, options: AvgPoolOptions = {}, ...extra: []) {
    super('AvgPool3d', 3, kernelSize, checkOptions('AvgPool3d', options, AVG_POOL_SPEC, extra));
  }
}

function describeSize(size: AdaptiveSize): string {
  return typeof size === 'number' ? String(size) : `[${size.map((s) => (s === null ? 'null' : String(s))).join(', ')}]`;
}

abstract class AdaptiveAvgPoolNd extends Module {
  protected constructor(
    readonly layerName: string,
    readonly nd: number,
    readonly outputSize: AdaptiveSize,
  ) {
    super();
    checkArg(layerName, 'outputSize', outputSize, adaptiveSize);
  }

  forward(input: Tensor): Tensor {
    return adaptiveAvgPoolN(`${this.layerName}(${describeSize(this.outputSize)})`, this.nd, input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${describeSize(this.outputSize)}`;
  }
}

/** Averages [N, C, L] down to outputSize with torch's adaptive windows. */
export class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize, options: Record<string, never> = {}, ...extra: []) {
    super('AdaptiveAvgPool1d', 1, outputSize);
    parseOptions('AdaptiveAvgPool1d', options, {}, extra);
  }
}

/** Averages [N, C, H, W] down to outputSize (a number, or [h, w] with null keeping the input's size). */
export class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize, options: Record<string, never> = {}, ...extra: []) {
    super('AdaptiveAvgPool2d', 2, outputSize);
    parseOptions('AdaptiveAvgPool2d', options, {}, extra);
  }
}

/** Averages [N, C, D, H, W] down to outputSize. */
export class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
  constructor(outputSize: AdaptiveSize, options: Record<string, never> = {}, ...extra: []) {
    super('AdaptiveAvgPool3d', 3, outputSize);
    parseOptions('AdaptiveAvgPool3d', options, {}, extra);
  }
}

abstract class AdaptiveMaxPoolNd<R extends boolean> extends Module {
  readonly returnIndices: R;

  protected constructor(
    readonly layerName: string,
    readonly nd: number,
    readonly outputSize: AdaptiveSize,
    options: AdaptiveMaxPoolOptions & { returnIndices?: R },
  ) {
    super();
    checkArg(layerName, 'outputSize', outputSize, adaptiveSize);
    this.returnIndices = (options.returnIndices ?? false) as R;
  }

  forward(input: Tensor): PoolResult<R> {
    const out = adaptiveMaxPoolN(`${this.layerName}(${describeSize(this.outputSize)})`, this.nd, input, this.outputSize, {
      returnIndices: this.returnIndices,
    });
    return out as PoolResult<R>;
  }

  override extraRepr(): string {
    return `outputSize=${describeSize(this.outputSize)}`;
  }
}

/** Max over torch's adaptive windows of [N, C, L]. */
export class AdaptiveMaxPool1d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('AdaptiveMaxPool1d', 1, outputSize, checkOptions('AdaptiveMaxPool1d', options, ADAPTIVE_MAX_POOL_SPEC, extra));
  }
}

/** Max over torch's adaptive windows of [N, C, H, W]. */
export class AdaptiveMaxPool2d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('AdaptiveMaxPool2d', 2, outputSize, checkOptions('AdaptiveMaxPool2d', options, ADAPTIVE_MAX_POOL_SPEC, extra));
  }
}

/** Max over torch's adaptive windows of [N, C, D, H, W]. */
export class AdaptiveMaxPool3d<R extends boolean = false> extends AdaptiveMaxPoolNd<R> {
  constructor(outputSize: AdaptiveSize, options: AdaptiveMaxPoolOptions & { returnIndices?: R } = {}, ...extra: []) {
    super('AdaptiveMaxPool3d', 3, outputSize, checkOptions('AdaptiveMaxPool3d', options, ADAPTIVE_MAX_POOL_SPEC, extra));
  }
}
