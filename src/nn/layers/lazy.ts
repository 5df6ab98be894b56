/**
 * Lazy layers (torch.nn.LazyLinear, LazyConv1d/2d, LazyBatchNorm1d/2d): the input size
 * (inFeatures, inChannels, numFeatures) is left out and read from the first input, so a Sequential
 * CNN never needs its flatten size by hand. Until then the parameters are UninitializedParameters
 * (an optimizer can already hold them; using their data is an error naming the layer). The first
 * forward builds the eager layer for that input size, drawing the same random numbers as
 * constructing it directly would, moves its tensors into the lazy module's parameters in place (so
 * an optimizer built before keeps training them) and turns the module into that eager class
 * (torch's cls_to_become): `lazy instanceof nn.Linear` holds after the first forward.
 * loadStateDict materializes a lazy layer from the dict's shapes instead, without random draws.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { tensor } from '../../tensor/creation.js';
import { defaultGenerator } from '../../tensor/random.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { checkTensor } from '../../ops/util.js';
import { Module, Parameter, UninitializedBuffer, UninitializedParameter, MATERIALIZE_FROM_STATE } from '../module.js';
import { Linear, type LinearOptions } from './linear.js';
import { Conv1d, Conv2d, type ConvLayerOptions } from './conv.js';
import { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './norm.js';
import { spatialNames, type IntOrTuple } from '../functional/conv.js';

/** Runs `build` and puts the default generator back where it was: random draws that must not count. */
function withoutDraws<T>(build: () => T): T {
  const state = defaultGenerator.getState();
  try {
    return build();
  } finally {
    defaultGenerator.setState(state);
  }
}

/** Runs the eager class's constructor (its own argument checks), naming the lazy layer in its errors. */
function asLazy<T>(lazyName: string, eagerName: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof Error) e.message = e.message.replace(new RegExp(`^(unknown option '.*' for )?${eagerName}\\b`, 's'), `$1${lazyName}`);
    throw e;
  }
}

type EagerClass = abstract new (...args: never[]) => Module;

/** The fields the lazy classes below keep for materializing, dropped once the module is eager. */
const LAZY_ONLY_FIELDS = ['lazyName', 'eager', 'conv', 'nd', 'norm', 'ranks'];

/** What the lazy layers share: materialization on the first forward or from a state dict. */
abstract class LazyModule extends Module {
  protected constructor(
    private readonly lazyName: string,
    private readonly eager: EagerClass,
  ) {
    super();
  }

  /** The input size (inFeatures, inChannels, numFeatures) a first input gives; throws naming the layer. */
  protected abstract inferInputSize(input: Tensor): number;

  /** The input size that the shapes of the uninitialized tensors in a state dict give (local names). */
  protected abstract inferFromState(shapes: ReadonlyMap<string, readonly number[]>): number | undefined;

  /** The eager layer with this one's options for an input size. */
  protected abstract build(inputSize: number, dtype: FloatDType): Module;

  forward(input: Tensor): Tensor {
    if (this instanceof LazyModule) this.materialize(this.inferInputSize(input), false);
    // The module is an instance of the eager class now: run its forward (not `this.forward`, which hooks may wrap).
    return (Object.getPrototypeOf(this) as { forward(x: Tensor): Tensor }).forward.call(this, input);
  }

  [MATERIALIZE_FROM_STATE](shapes: ReadonlyMap<string, readonly number[]>): void {
    const size = this.inferFromState(shapes);
    if (size === undefined) {
      const given = [...shapes].map(([name, shape]) => `${name} ${shapeStr(shape)}`).join(', ');
      throw new Error(`${this.lazyName}.loadStateDict: cannot infer the input size from ${given}; run a forward pass first`);
    }
    // The values are copied from the dict next: build without using up random numbers.
    this.materialize(size, true);
  }

  private materialize(inputSize: number, fromState: boolean): void {
    const build = (): Module => asLazy(this.lazyName, this.eager.name, () => this.build(inputSize, this.pendingDtype()));
    const eager = fromState ? withoutDraws(build) : noGrad(build);
    const self = this as unknown as Record<string, unknown>;
    for (const key of LAZY_ONLY_FIELDS) if (!Object.prototype.hasOwnProperty.call(eager, key)) delete self[key];
    for (const [key, value] of Object.entries(eager)) {
      if (key === 'training') continue; // the lazy module's mode stands
      const own = self[key];
      if (own instanceof UninitializedParameter) own.materialize(value as Parameter);
      else self[key] = value;
    }
    for (const [name, buffer] of this.namedBuffers()) {
      if (buffer instanceof UninitializedBuffer) buffer.materialize(eager.getBuffer(name)!);
    }
    Object.setPrototypeOf(this, Object.getPrototypeOf(eager) as object);
  }

  /** The dtype the layer was asked for (Module.to may have changed it since construction). */
  private pendingDtype(): FloatDType {
    for (const p of this.parameters()) if (p instanceof UninitializedParameter) return p.dtype as FloatDType;
    for (const b of this.buffers()) if (b instanceof UninitializedBuffer) return b.dtype as FloatDType;
    return 'float32';
  }
}

/** Linear with inFeatures read from the first input's last dim: weight [outFeatures, inFeatures]. */
export class LazyLinear extends LazyModule {
  /** 0 until the first forward (as torch), then the input's last dim. */
  inFeatures = 0;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(outFeatures: number, options: LinearOptions = {}, ...extra: []) {
    super('LazyLinear', Linear);
    // Linear's own checks, on a stand-in input size; its random draws are undone (they happen at the first forward).
    withoutDraws(() => asLazy('LazyLinear', 'Linear', () => new Linear(1, outFeatures, options, ...extra)));
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = new UninitializedParameter('LazyLinear', 'weight', dtype);
    this.bias = options.bias === false ? null : new UninitializedParameter('LazyLinear', 'bias', dtype);
  }

  protected inferInputSize(input: Tensor): number {
    checkTensor('LazyLinear', input);
    if (input.ndim === 0) throw new Error(`LazyLinear(? -> ${this.outFeatures}): got a scalar input; its last dim gives inFeatures`);
    return input.shape[input.ndim - 1]!;
  }

  protected inferFromState(shapes: ReadonlyMap<string, readonly number[]>): number | undefined {
    const weight = shapes.get('weight');
    return weight?.length === 2 ? weight[1] : undefined;
  }

  protected build(inFeatures: number, dtype: FloatDType): Module {
    return new Linear(inFeatures, this.outFeatures, { bias: this.bias !== null, dtype });
  }

  override extraRepr(): string {
    return `inFeatures=0, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

type ConvClass = new (inChannels: number, outChannels: number, kernelSize: IntOrTuple, options?: ConvLayerOptions) => Module;

/** Conv1d/Conv2d with inChannels read from the first input's channel dim. */
abstract class LazyConvNd extends LazyModule {
  /** 0 until the first forward (as torch), then the input's channel count. */
  inChannels = 0;
  readonly outChannels: number;
  readonly kernelSize: IntOrTuple;
  weight: Parameter;
  bias: Parameter | null;
  readonly #options: ConvLayerOptions;

  protected constructor(
    private readonly layerName: string,
    private readonly conv: ConvClass,
    private readonly nd: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    options: ConvLayerOptions,
    extra: [],
  ) {
    super(layerName, conv);
    // The eager class's checks, on a stand-in channel count (groups, which it must be divisible by); draws undone.
    const groups = typeof (options as { groups?: unknown } | null)?.groups === 'number' ? options.groups! : 1;
    const Conv = conv as new (...args: unknown[]) => Module;
    withoutDraws(() => asLazy(layerName, conv.name, () => new Conv(groups, outChannels, kernelSize, options, ...extra)));
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.#options = { ...options };
    const dtype = options.dtype ?? 'float32';
    this.weight = new UninitializedParameter(layerName, 'weight', dtype);
    this.bias = options.bias === false ? null : new UninitializedParameter(layerName, 'bias', dtype);
  }

  protected inferInputSize(input: Tensor): number {
    checkTensor(this.layerName, input);
    const names = spatialNames(this.nd);
    if (input.ndim !== this.nd + 1 && input.ndim !== this.nd + 2) {
      throw new Error(
        `${this.layerName}(? -> ${this.outChannels}) expects input [N, C, ${names}] or [C, ${names}] (C becomes inChannels), ` +
          `got ${shapeStr(input.shape)}: ${input.ndim} dims where ${this.nd + 1} or ${this.nd + 2} expected`,
      );
    }
    return input.shape[input.ndim - this.nd - 1]!;
  }

  protected inferFromState(shapes: ReadonlyMap<string, readonly number[]>): number | undefined {
    const weight = shapes.get('weight');
    return weight?.length === this.nd + 2 ? weight[1]! * (this.#options.groups ?? 1) : undefined;
  }

  protected build(inChannels: number, dtype: FloatDType): Module {
    return new this.conv(inChannels, this.outChannels, this.kernelSize, { ...this.#options, dtype });
  }

  override extraRepr(): string {
    return `0, ${this.outChannels}, kernelSize=${JSON.stringify(this.kernelSize)}`;
  }
}

/** Conv1d over [N, C, L] with C (inChannels) taken from the first input. */
export class LazyConv1d extends LazyConvNd {
  constructor(outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}, ...extra: []) {
    super('LazyConv1d', Conv1d, 1, outChannels, kernelSize, options, extra);
  }
}

/** Conv2d over [N, C, H, W] with C (inChannels) taken from the first input. */
export class LazyConv2d extends LazyConvNd {
  constructor(outChannels: number, kernelSize: IntOrTuple, options: ConvLayerOptions = {}, ...extra: []) {
    super('LazyConv2d', Conv2d, 2, outChannels, kernelSize, options, extra);
  }
}

type BatchNormClass = new (numFeatures: number, options?: BatchNormLayerOptions) => Module;

/** BatchNorm1d/2d with numFeatures read from the first input's dim 1. */
abstract class LazyBatchNormNd extends LazyModule {
  /** 0 until the first forward (as torch), then the input's channel count. */
  numFeatures = 0;
  weight: Parameter | null;
  bias: Parameter | null;
  readonly #options: BatchNormLayerOptions;

  protected constructor(
    private readonly layerName: string,
    private readonly norm: BatchNormClass,
    /** The input ranks the eager layer accepts. */
    private readonly ranks: readonly number[],
    options: BatchNormLayerOptions,
    extra: [],
  ) {
    super(layerName, norm);
    const Norm = norm as new (...args: unknown[]) => Module;
    asLazy(layerName, norm.name, () => new Norm(1, options, ...extra));
    this.#options = { ...options };
    const dtype = options.dtype ?? 'float32';
    const affine = options.affine ?? true;
    this.weight = affine ? new UninitializedParameter(layerName, 'weight', dtype) : null;
    this.bias = affine ? new UninitializedParameter(layerName, 'bias', dtype) : null;
    if (options.trackRunningStats ?? true) {
      this.registerBuffer('running_mean', new UninitializedBuffer(layerName, 'running_mean', dtype));
      this.registerBuffer('running_var', new UninitializedBuffer(layerName, 'running_var', dtype));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int32' }));
    }
  }

  protected inferInputSize(input: Tensor): number {
    checkTensor(this.layerName, input);
    if (!this.ranks.includes(input.ndim)) {
      throw new Error(
        `${this.layerName} expects input with ${this.ranks.join(' or ')} dims, channels in dim 1 (they become numFeatures), ` +
          `got ${shapeStr(input.shape)}: ${input.ndim} dims`,
      );
    }
    return input.shape[1]!;
  }

  protected inferFromState(shapes: ReadonlyMap<string, readonly number[]>): number | undefined {
    const shape = shapes.get('weight') ?? shapes.get('running_mean') ?? shapes.get('bias') ?? shapes.get('running_var');
    return shape?.length === 1 ? shape[0] : undefined;
  }

  protected build(numFeatures: number, dtype: FloatDType): Module {
    return new this.norm(numFeatures, { ...this.#options, dtype });
  }

  override extraRepr(): string {
    const o = this.#options;
    return `0, eps=${o.eps ?? 1e-5}, momentum=${o.momentum === undefined ? 0.1 : o.momentum}, affine=${o.affine ?? true}, trackRunningStats=${o.trackRunningStats ?? true}`;
  }
}

/** BatchNorm1d over [N, C] or [N, C, L] with C (numFeatures) taken from the first input. */
export class LazyBatchNorm1d extends LazyBatchNormNd {
  constructor(options: BatchNormLayerOptions = {}, ...extra: []) {
    super('LazyBatchNorm1d', BatchNorm1d, [2, 3], options, extra);
  }
}

/** BatchNorm2d over [N, C, H, W] with C (numFeatures) taken from the first input. */
export class LazyBatchNorm2d extends LazyBatchNormNd {
  constructor(options: BatchNormLayerOptions = {}, ...extra: []) {
    super('LazyBatchNorm2d', BatchNorm2d, [4], options, extra);
  }
}
