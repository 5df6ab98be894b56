/**
 * Normalization layers (torch.nn.BatchNorm1d/2d/3d, LayerNorm, GroupNorm, LocalResponseNorm)
 * over the functional API, with PyTorch's parameters, buffers and state-dict keys: weight and
 * bias (ones and zeros), and for batch norm the buffers running_mean, running_var and
 * num_batches_tracked.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ones, tensor, zeros } from '../../tensor/creation.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { shapeStr, isSize } from '../../tensor/shape.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { checkTensor } from '../../ops/util.js';
import { Module, Parameter } from '../module.js';
import { batchNorm, groupNorm, layerNorm, localResponseNorm, type LocalResponseNormOptions } from '../functional/norm.js';
import { checkPositiveInt } from '../util.js';
import { bool, check, checkArg, checkOptions, floatDtype, nullable, num, parseOptions } from '../../ops/args.js';

/** A number or a list (their entries are checked as sizes below). */
const shapeLike = check<number | readonly number[]>('a positive integer or a non-empty list of them', (v) => typeof v === 'number' || Array.isArray(v));
import { LOCAL_RESPONSE_NORM_SPEC } from '../functional/norm.js';

export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each batch in the running statistics (default 0.1); null for a cumulative (equal-weight) average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); otherwise batch statistics are used in both modes. */
  trackRunningStats?: boolean;
  dtype?: FloatDType;
}

function checkEps(layer: string, eps: number): void {
  if (!(eps >= 0)) throw new Error(`${layer}: eps must be a non-negative number, got ${eps}`);
}

abstract class BatchNormNd extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  protected constructor(
    readonly layerName: string,
    /** The accepted input ranks and how to write them ([N, C, L] ...). */
    private readonly layouts: readonly (readonly string[])[],
    readonly numFeatures: number,
    options: BatchNormLayerOptions,
  ) {
    super();
    checkPositiveInt(layerName, 'numFeatures', numFeatures);
    this.eps = options.eps ?? 1e-5;
    checkEps(layerName, this.eps);
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new Error(`${layerName}: momentum must be in [0, 1] or null (cumulative average), got ${this.momentum}`);
    }
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int32' }));
    }
  }

  /** Running mean 0, running variance 1, no batches seen. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.getBuffer('running_mean')!.zero_();
      this.getBuffer('running_var')!.fill_(1);
      this.getBuffer('num_batches_tracked')!.zero_();
    });
  }

  /** Resets the running statistics and sets weight to 1 and bias to 0. */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  private describe(): string {
    return `${this.layerName}(${this.numFeatures})`;
  }

  private checkInput(input: Tensor): void {
    checkTensor(this.layerName, input);
    const layouts = this.layouts.map((names) => `[N, ${this.numFeatures}${names.map((n) => `, ${n}`).join('')}]`);
    const expected = `${this.describe()} expects input ${layouts.join(' or ')}, got ${shapeStr(input.shape)}`;
    if (!this.layouts.some((names) => names.length + 2 === input.ndim)) {
      const ranks = this.layouts.map((names) => names.length + 2).join(' or ');
      throw new Error(`${expected}: ${input.ndim} dims where ${ranks} expected`);
    }
    const channels = input.shape[1]!;
    if (channels !== this.numFeatures) {
      throw new Error(`${expected}: ${channels} channel${channels === 1 ? '' : 's'} where ${this.numFeatures} expected`);
    }
  }

  /**
   * Training mode normalizes with batch statistics and updates the running ones (counting the
   * batch in num_batches_tracked); eval mode uses the running statistics, unless none are kept.
   */
  forward(input: Tensor): Tensor {
    this.checkInput(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      const count = this.getBuffer('num_batches_tracked')!;
      noGrad(() => count.add_(1));
      factor = this.momentum ?? 1 / count.item();
    }
    const useRunning = this.trackRunningStats;
    return batchNorm(
      input,
      useRunning ? this.getBuffer('running_mean') : null,
      useRunning ? this.getBuffer('running_var') : null,
      this.weight,
      this.bias,
      { training: this.training || !this.trackRunningStats, momentum: factor, eps: this.eps },
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

const BATCH_NORM_SPEC = { eps: num, momentum: nullable(num), affine: bool, trackRunningStats: bool, dtype: floatDtype };

/** Batch normalization of [N, C] or [N, C, L] per channel. */
export class BatchNorm1d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}, ...extra: []) {
    super('BatchNorm1d', [[], ['L']], numFeatures, checkOptions('BatchNorm1d', options, BATCH_NORM_SPEC, extra));
  }
}

/** Batch normalization of [N, C, H, W] per channel. */
export class BatchNorm2d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}, ...extra: []) {
    super('BatchNorm2d', [['H', 'W']], numFeatures, checkOptions('BatchNorm2d', options, BATCH_NORM_SPEC, extra));
  }
}

/** Batch normalization of [N, C, D, H, W] per channel. */
export class BatchNorm3d extends BatchNormNd {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}, ...extra: []) {
    super('BatchNorm3d', [['D', 'H', 'W']], numFeatures, checkOptions('BatchNorm3d', options, BATCH_NORM_SPEC, extra));
  }
}

export interface LayerNormOptions {
  eps?: number;
  /** Learn a scale and shift of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  dtype?: FloatDType;
}

/** Normalizes over the trailing dims normalizedShape, with a learned elementwise scale and shift. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}, ...extra: []) {
    super();
    parseOptions('LayerNorm', options, { eps: num, elementwiseAffine: bool, dtype: floatDtype }, extra);
    checkArg('LayerNorm', 'normalizedShape', normalizedShape, shapeLike);
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !isSize(d, 1))) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = options.eps ?? 1e-5;
    checkEps('LayerNorm', this.eps);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = this.elementwiseAffine ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  forward(input: Tensor): Tensor {
    checkTensor('LayerNorm', input);
    const k = this.normalizedShape.length;
    if (input.ndim < k || input.shape.slice(input.ndim - k).some((d, i) => d !== this.normalizedShape[i])) {
      throw new Error(
        `LayerNorm(${shapeStr(this.normalizedShape)}) expects input [*, ${this.normalizedShape.join(', ')}] ` +
          `(ending with the normalized shape), got ${shapeStr(input.shape)}`,
      );
    }
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${shapeStr(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  dtype?: FloatDType;
}

/** Normalizes [N, C, ...] over numGroups groups of channels, with a learned per-channel scale and shift. */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    options: GroupNormOptions = {},
    ...extra: []
  ) {
    super();
    parseOptions('GroupNorm', options, { eps: num, affine: bool, dtype: floatDtype }, extra);
    checkPositiveInt('GroupNorm', 'numGroups', numGroups);
    checkPositiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.eps = options.eps ?? 1e-5;
    checkEps('GroupNorm', this.eps);
    this.affine = options.affine ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  forward(input: Tensor): Tensor {
    checkTensor('GroupNorm', input);
    if (input.ndim < 2 || input.shape[1] !== this.numChannels) {
      throw new Error(
        `GroupNorm(${this.numGroups}, ${this.numChannels}) expects input [N, ${this.numChannels}, *], got ${shapeStr(input.shape)}` +
          (input.ndim >= 2 ? `: ${input.shape[1]} channels where ${this.numChannels} expected` : ''),
      );
    }
    return groupNorm(input, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}

/** Local response normalization across channels (AlexNet's), with torch's defaults alpha 1e-4, beta 0.75, k 1. */
export class LocalResponseNorm extends Module {
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;

  constructor(
    readonly size: number,
    options: LocalResponseNormOptions = {},
    ...extra: []
  ) {
    super();
    parseOptions('LocalResponseNorm', options, LOCAL_RESPONSE_NORM_SPEC, extra);
    checkPositiveInt('LocalResponseNorm', 'size', size);
    this.alpha = options.alpha ?? 1e-4;
    this.beta = options.beta ?? 0.75;
    this.k = options.k ?? 1;
  }

  forward(input: Tensor): Tensor {
    return localResponseNorm(input, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }

  override extraRepr(): string {
    return `${this.size}, alpha=${this.alpha}, beta=${this.beta}, k=${this.k}`;
  }
}
