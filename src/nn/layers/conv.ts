/**
 * Convolution layers (torch.nn.Conv1d/2d/3d, ConvTranspose1d/2d/3d): thin wrappers over the
 * functional convolutions holding weight and bias, initialized as PyTorch: weight ~
 * kaiming_uniform(a = sqrt(5)) and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn =
 * weight.shape[1] * prod(kernel).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { checkSize, shapeStr } from '../../tensor/shape.js';
import { pad, type PadMode } from '../../ops/join.js';
import { checkTensor } from '../../ops/util.js';
import { defaultWeightAndBiasInit, empty } from '../util.js';
import { Module, Parameter } from '../module.js';
import {
  perDim, resolveConvPadding, spatialNames, conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d,
  type ConvOptions, type ConvPadding, type ConvTransposeOptions, type IntOrTuple,
} from '../functional/conv.js';
import { convolve, convPadding } from '../functional/conv.js';
import type { ClampBounds } from '../../backend/types.js';
import type { ConvChainLayer } from '../../ops/conv.js';
import type { DType } from '../../tensor/dtype.js';
import { bool, checkOptions, describe as describeValue, floatDtype, int, intOrInts, oneOf } from '../../ops/args.js';

export interface ConvLayerOptions {
  stride?: IntOrTuple;
  /** A number, one per spatial dim, [before, after] pairs, 'valid', 'same' (any stride) or 'full'. */
  padding?: ConvPadding;
  dilation?: IntOrTuple;
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** How the padding is filled (default 'zeros'). */
  paddingMode?: 'zeros' | 'reflect' | 'replicate' | 'circular';
  dtype?: FloatDType;
}

export interface ConvTransposeLayerOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  bias?: boolean;
  dilation?: IntOrTuple;
  dtype?: FloatDType;
}

const CONV_LAYER_SPEC = {
  stride: intOrInts, padding: convPadding, dilation: intOrInts, groups: int, bias: bool,
  paddingMode: oneOf('zeros', 'reflect', 'replicate', 'circular'), dtype: floatDtype,
};
const CONV_TRANSPOSE_LAYER_SPEC = {
  stride: intOrInts, padding: intOrInts, outputPadding: intOrInts, groups: int, bias: bool, dilation: intOrInts, dtype: floatDtype,
};

type ConvFn = (x: Tensor, w: Tensor, b: Tensor | null, options: ConvOptions) => Tensor;
type ConvTransposeFn = (x: Tensor, w: Tensor, b: Tensor | null, options: ConvTransposeOptions) => Tensor;

/** What the layers of both kinds share: parameters, their initialization, and input checks. */
abstract class ConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly dilation: number[];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  protected constructor(
    readonly layerName: string,
    nd: number,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: { stride?: IntOrTuple; dilation?: IntOrTuple; groups?: number; bias?: boolean; dtype?: FloatDType },
    transposed: boolean,
  ) {
    super();
    checkSize(layerName, 'inChannels', inChannels, 1);
    checkSize(layerName, 'outChannels', outChannels, 1);
    const groups = checkSize(layerName, 'groups', options.groups ?? 1, 1);
    if (inChannels % groups !== 0) throw new Error(`${layerName}: inChannels (${inChannels}) must be divisible by groups (${groups})`);
    if (outChannels % groups !== 0) throw new Error(`${layerName}: outChannels (${outChannels}) must be divisible by groups (${groups})`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = perDim(layerName, 'kernelSize', kernelSize, nd, 1);
    this.stride = perDim(layerName, 'stride', options.stride ?? 1, nd, 1);
    this.dilation = perDim(layerName, 'dilation', options.dilation ?? 1, nd, 1);
    for (const [name, list] of [['kernelSize', this.kernelSize], ['stride', this.stride], ['dilation', this.dilation]] as const) {
      if (list.some((v) => v < 1)) throw new Error(`${layerName}: ${name} must be positive, got ${shapeStr(list)}`);
    }
    this.groups = groups;
    const dtype = options.dtype ?? 'float32';
    const weightShape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(empty(weightShape, dtype));
    this.bias = options.bias === false ? null : new Parameter(empty([outChannels], dtype));
    this.resetParameters();
  }

  /** Re-draws weight and bias with PyTorch's default initialization. */
  resetParameters(): void {
    defaultWeightAndBiasInit(this.weight, this.bias);
  }

  /** "Conv2d(3 -> 16, k=3)" for messages. */
  protected describe(): string {
    const k = this.kernelSize.every((v) => v === this.kernelSize[0]) ? String(this.kernelSize[0]) : `(${this.kernelSize.join(', ')})`;
    return `${this.layerName}(${this.inChannels} -> ${this.outChannels}, k=${k})`;
  }

  /** Checks rank, channel count and dtype in the layer's own words. */
  protected checkInput(input: Tensor): void {
    checkTensor(this.layerName, input);
    const nd = this.kernelSize.length;
    const names = spatialNames(nd);
    const expected = `${this.describe()} expects input [N, ${this.inChannels}, ${names}] or [${this.inChannels}, ${names}], got ${shapeStr(input.shape)}`;
    if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
      throw new Error(`${expected}: ${input.ndim} dims where ${nd + 1} or ${nd + 2} expected`);
    }
    const channels = input.shape[input.ndim - nd - 1]!;
    if (channels !== this.inChannels) {
      throw new Error(`${expected}: ${channels} channel${channels === 1 ? '' : 's'} where ${this.inChannels} expected`);
    }
    if (input.dtype !== this.weight.dtype) {
      throw new Error(
        `${this.describe()} got input of dtype ${input.dtype} but its weights are ${this.weight.dtype}; ` +
          `convert the input (.to('${this.weight.dtype}')) or the layer`,
      );
    }
  }
}

/** N-d convolution layer; Conv1d, Conv2d and Conv3d fix the number of spatial dims. */
abstract class ConvNd extends ConvBase {
  readonly padding: ConvPadding;
  readonly paddingMode: 'zeros' | 'reflect' | 'replicate' | 'circular';

  protected constructor(
    layerName: string,
    nd: number,
    private readonly fn: ConvFn,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions,
  ) {
    super(layerName, nd, inChannels, outChannels, kernelSize, options, false);
    this.padding = options.padding ?? 0;
    this.paddingMode = options.paddingMode ?? 'zeros';
    // Resolving against a large input validates the option now rather than at the first forward.
    resolveConvPadding(layerName, this.padding, this.kernelSize.map(() => 1 << 20), this.kernelSize, this.stride, this.dilation);
  }

  /** Set by foldActivation; a plain field (lazy layers become this class by a prototype switch, without private slots). */
  private folded: ClampBounds | undefined;

  /**
   * The activation nn.utils.fuseForInference folded into this convolution's output (a ReLU,
   * ReLU6 or Hardtanh that read only its output, as clamp bounds), or null.
   */
  get foldedActivation(): ClampBounds | null {
    return this.folded ?? null;
  }

  /**
   * Makes forward return hardtanh(conv(x), min, max), clamped inside the convolution's kernel when
   * nothing needs a gradient (with gradients, as the two ops). ReLU is [0, Infinity], ReLU6 [0, 6].
   */
  foldActivation(min: number, max: number): this {
    const op = `${this.layerName}.foldActivation`;
    if (typeof min !== 'number' || Number.isNaN(min)) throw new Error(`${op}: min must be a number, got ${describeValue(min)}`);
    if (typeof max !== 'number' || Number.isNaN(max)) throw new Error(`${op}: max must be a number, got ${describeValue(max)}`);
    if (!(min <= max)) throw new Error(`${op}: min (${min}) must be <= max (${max})`);
    this.folded = { min, max };
    return this;
  }

  /**
   * This convolution as a step of ops/conv.ts convChainNd (nn.Sequential runs consecutive
   * convolutions so when nothing needs a gradient) for a batched input of `ndim` dims, `channels`
   * channels and `dtype`, or null where it runs on its own: a forward hook or override, a padding
   * mode other than zeros or 'same' padding (which depends on the input's size), an input its
   * forward would reject (whose error it then gives).
   */
  chainStep(ndim: number, channels: number, dtype: DType): ConvChainLayer | null {
    const nd = this.kernelSize.length;
    if (this.forward !== ConvNd.prototype.forward || this.paddingMode !== 'zeros' || this.padding === 'same') return null;
    if (ndim !== nd + 2 || channels !== this.inChannels || dtype !== this.weight.dtype) return null;
    // Padding other than 'same' does not depend on the input's size.
    const padding = resolveConvPadding(this.layerName, this.padding, this.kernelSize.map(() => 1 << 20), this.kernelSize, this.stride, this.dilation);
    const attrs = { stride: this.stride, padding, dilation: this.dilation, groups: this.groups };
    return { weight: this.weight, bias: this.bias, attrs, clamp: this.folded, op: `conv${nd}d` };
  }

  forward(input: Tensor): Tensor {
    this.checkInput(input);
    const nd = this.kernelSize.length;
    const convolveWith = (x: Tensor, padding: ConvPadding): Tensor => {
      const options = { stride: this.stride, dilation: this.dilation, groups: this.groups, padding };
      const folded = this.folded;
      return folded === undefined ? this.fn(x, this.weight, this.bias, options) : convolve(`conv${nd}d`, nd, x, this.weight, this.bias, options, folded);
    };
    if (this.paddingMode === 'zeros') return convolveWith(input, this.padding);
    // Other modes pad explicitly (F.pad lists the last dim first), then convolve without padding.
    const pairs = resolveConvPadding(this.layerName, this.padding, input.shape.slice(-nd), this.kernelSize, this.stride, this.dilation);
    const pads = [...pairs].reverse().flat();
    const mode: PadMode = this.paddingMode;
    const padded = input.ndim === nd + 1 ? pad(input.unsqueeze(0), pads, mode).squeeze(0) : pad(input, pads, mode);
    return convolveWith(padded, 0);
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${shapeStr(this.kernelSize)}`, `stride=${shapeStr(this.stride)}`];
    if (this.padding !== 0) parts.push(`padding=${typeof this.padding === 'string' ? `'${this.padding}'` : JSON.stringify(this.padding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${shapeStr(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    if (this.paddingMode !== 'zeros') parts.push(`paddingMode='${this.paddingMode}'`);
    if (this.folded !== undefined) parts.push(`foldedActivation=hardtanh(${this.folded.min}, ${this.folded.max})`);
    return parts.join(', ');
  }
}

/** 1-D convolution over [N, C, L]: weight [outChannels, inChannels / groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}, ...extra: []) {
    super('Conv1d', 1, conv1d, inChannels, outChannels, kernelSize, checkOptions('Conv1d', options, CONV_LAYER_SPEC, extra));
  }
}

/** 2-D convolution over [N, C, H, W]: weight [outChannels, inChannels / groups, kh, kw]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}, ...extra: []) {
    super('Conv2d', 2, conv2d, inChannels, outChannels, kernelSize, checkOptions('Conv2d', options, CONV_LAYER_SPEC, extra));
  }
}

/** 3-D convolution over [N, C, D, H, W]: weight [outChannels, inChannels / groups, kd, kh, kw]. */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}, ...extra: []) {
    super('Conv3d', 3, conv3d, inChannels, outChannels, kernelSize, checkOptions('Conv3d', options, CONV_LAYER_SPEC, extra));
  }
}

/** N-d transposed convolution layer: weight [inChannels, outChannels / groups, ...kernel]. */
abstract class ConvTransposeNd extends ConvBase {
  readonly padding: number[];
  readonly outputPadding: number[];

  protected constructor(
    layerName: string,
    nd: number,
    private readonly fn: ConvTransposeFn,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvTransposeLayerOptions,
  ) {
    super(layerName, nd, inChannels, outChannels, kernelSize, options, true);
    this.padding = perDim(layerName, 'padding', options.padding ?? 0, nd);
    this.outputPadding = perDim(layerName, 'outputPadding', options.outputPadding ?? 0, nd);
  }

  /**
   * With outputSize (the spatial size, or the full shape), picks the outputPadding that gives it,
   * as torch's forward(input, output_size) does; it must lie within one stride of the smallest size.
   */
  forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(input);
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const nd = this.kernelSize.length;
      const wanted = outputSize.slice(-nd);
      if (wanted.length !== nd) {
        throw new Error(`${this.describe()}: outputSize must list the ${nd} spatial sizes (or the full output shape), got ${shapeStr(outputSize)}`);
      }
      const inSize = input.shape.slice(-nd);
      outputPadding = wanted.map((size, d) => {
        const smallest = (inSize[d]! - 1) * this.stride[d]! - 2 * this.padding[d]! + this.dilation[d]! * (this.kernelSize[d]! - 1) + 1;
        const extra = size - smallest;
        if (!(extra >= 0 && extra < Math.max(this.stride[d]!, this.dilation[d]!))) {
          throw new Error(
            `${this.describe()}: outputSize ${shapeStr(wanted)} is not reachable from input ${shapeStr(input.shape)}: ` +
              `spatial dim ${d} must be between ${smallest} and ${smallest + Math.max(this.stride[d]!, this.dilation[d]!) - 1}`,
          );
        }
        return extra;
      });
    }
    return this.fn(input, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${shapeStr(this.kernelSize)}`, `stride=${shapeStr(this.stride)}`];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=${shapeStr(this.padding)}`);
    if (this.outputPadding.some((p) => p !== 0)) parts.push(`outputPadding=${shapeStr(this.outputPadding)}`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=${shapeStr(this.dilation)}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}

/** 1-D transposed convolution over [N, C, L]. */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeLayerOptions = {}, ...extra: []) {
    super('ConvTranspose1d', 1, convTranspose1d, inChannels, outChannels, kernelSize, checkOptions('ConvTranspose1d', options, CONV_TRANSPOSE_LAYER_SPEC, extra));
  }
}

/** 2-D transposed convolution over [N, C, H, W] (the gradient of Conv2d with respect to its input). */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeLayerOptions = {}, ...extra: []) {
    super('ConvTranspose2d', 2, convTranspose2d, inChannels, outChannels, kernelSize, checkOptions('ConvTranspose2d', options, CONV_TRANSPOSE_LAYER_SPEC, extra));
  }
}

/** 3-D transposed convolution over [N, C, D, H, W]. */
export class ConvTranspose3d extends ConvTransposeNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeLayerOptions = {}, ...extra: []) {
    super('ConvTranspose3d', 3, convTranspose3d, inChannels, outChannels, kernelSize, checkOptions('ConvTranspose3d', options, CONV_TRANSPOSE_LAYER_SPEC, extra));
  }
}
