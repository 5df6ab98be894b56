/**
 * Transformer layers as PyTorch builds them: TransformerEncoderLayer and TransformerDecoderLayer
 * (post-norm by default, pre-norm with normFirst), the TransformerEncoder / TransformerDecoder
 * stacks (deep copies of one layer, optional final norm), and Transformer with PyTorch's defaults
 * and Xavier-uniform init. Submodule names (self_attn, multihead_attn, linear1, linear2, norm1..3,
 * layers.N, encoder.norm) equal PyTorch's, so state dicts are interchangeable.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { shapeStr, isSize } from '../../tensor/shape.js';
import { add, gelu, relu } from '../../ops/elementwise.js';
import { reluDropout } from '../../ops/nn.js';
import { Module } from '../module.js';
import { Linear } from './linear.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './norm.js';
import { MultiheadAttention } from './attention.js';
import { xavierUniform_ } from '../init.js';
import { checkPositiveInt } from '../util.js';
import { generateSquareSubsequentMask } from '../functional/attention.js';
import { bool, either, floatDtype, func, inRange, instanceOf, int, nullable, num, oneOf, parseOptions } from '../../ops/args.js';

export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

export interface TransformerLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout in attention, after each block and inside the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation (default 'relu'). */
  activation?: TransformerActivation;
  /** LayerNorm's eps (default 1e-5). */
  layerNormEps?: number;
  /** Inputs are [B, T, dModel] instead of [T, B, dModel] (default false). */
  batchFirst?: boolean;
  /** Normalize before each block (pre-norm) rather than after the residual sum (default false). */
  normFirst?: boolean;
  dtype?: FloatDType;
}

export interface EncoderLayerForwardOptions {
  /** [T, T] or [B * nhead, T, T]; bool true = may not attend, float added to the scores. */
  srcMask?: Tensor | null;
  /** [B, T]; bool true marks padding. */
  srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask when srcMask is not given. */
  isCausal?: boolean;
}

export interface DecoderLayerForwardOptions {
  /** [T, T] or [B * nhead, T, T] mask of the decoder's self-attention. */
  tgtMask?: Tensor | null;
  /** [T, S] or [B * nhead, T, S] mask of the attention over the memory. */
  memoryMask?: Tensor | null;
  /** [B, T]; bool true marks target padding. */
  tgtKeyPaddingMask?: Tensor | null;
  /** [B, S]; bool true marks memory padding. */
  memoryKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask to the self-attention when tgtMask is not given. */
  tgtIsCausal?: boolean;
  /** Apply a causal mask to the memory attention when memoryMask is not given. */
  memoryIsCausal?: boolean;
}

interface ResolvedLayerOptions {
  dimFeedforward: number;
  dropout: number;
  activation: TransformerActivation;
  layerNormEps: number;
  batchFirst: boolean;
  normFirst: boolean;
  dtype: FloatDType;
}

const TRANSFORMER_LAYER_SPEC = {
  dimFeedforward: int, dropout: inRange(0, 1), activation: either(oneOf('relu', 'gelu'), func), layerNormEps: num,
  batchFirst: bool, normFirst: bool, dtype: floatDtype,
};

function resolveOptions(layer: string, dModel: number, nhead: number, options: TransformerLayerOptions): ResolvedLayerOptions {
  checkPositiveInt(layer, 'dModel', dModel);
  checkPositiveInt(layer, 'nhead', nhead);
  if (dModel % nhead !== 0) {
    throw new Error(`${layer}: dModel ${dModel} must be divisible by nhead ${nhead} (each head gets dModel / nhead features)`);
  }
  const dimFeedforward = options.dimFeedforward ?? 2048;
  checkPositiveInt(layer, 'dimFeedforward', dimFeedforward);
  const activation = options.activation ?? 'relu';
  return {
    dimFeedforward,
    dropout: options.dropout ?? 0.1,
    activation,
    layerNormEps: options.layerNormEps ?? 1e-5,
    batchFirst: options.batchFirst ?? false,
    normFirst: options.normFirst ?? false,
    dtype: options.dtype ?? 'float32',
  };
}

function applyActivation(activation: TransformerActivation, x: Tensor): Tensor {
  return activation === 'relu' ? relu(x) : activation === 'gelu' ? gelu(x) : activation(x);
}

/**
 * The feed-forward block's activation then its dropout; relu followed by a plain Dropout is one
 * op (reluDropout: the same results and draws, one pass each way instead of two).
 */
function activationDropout(activation: TransformerActivation, dropout: Dropout, x: Tensor): Tensor {
  if (activation === 'relu' && dropout.constructor === Dropout) return reluDropout(x, dropout.p, dropout.training);
  return dropout.forward(applyActivation(activation, x));
}

function checkModelInput(layer: string, what: string, x: Tensor, dModel: number, batchFirst: boolean): void {
  const layout = batchFirst ? `[B, T, ${dModel}]` : `[T, B, ${dModel}]`;
  if (x.ndim !== 3 && x.ndim !== 2) {
    throw new Error(`${layer} expects ${what} ${layout} (or unbatched [T, ${dModel}]), got ${shapeStr(x.shape)}`);
  }
  if (x.shape[x.ndim - 1] !== dModel) {
    throw new Error(`${layer} got ${what} with ${x.shape[x.ndim - 1]} features in its last dim; expected dModel ${dModel} (${what} ${layout})`);
  }
}

/** Gives `copy` the weights, requiresGrad flags and training mode of `source` (what deepcopy keeps). */
function copyState<M extends Module>(source: Module, copy: M): M {
  copy.loadStateDict(source.stateDict());
  const flags = new Map([...source.namedParameters()].map(([name, p]) => [name, p.requiresGrad]));
  for (const [name, p] of copy.namedParameters()) p.requiresGrad_(flags.get(name) ?? true);
  return copy.train(source.training);
}

/**
 * Self-attention then a feed-forward block, each with dropout, a residual connection and
 * LayerNorm (torch.nn.TransformerEncoderLayer):
 * post-norm x = norm1(x + sa(x)); x = norm2(x + ff(x)), or with normFirst
 * x = x + sa(norm1(x)); x = x + ff(norm2(x)).
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly #options: ResolvedLayerOptions;
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}, ...extra: []) {
    super();
    parseOptions('TransformerEncoderLayer', options, TRANSFORMER_LAYER_SPEC, extra);
    const o = resolveOptions('TransformerEncoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = o.normFirst;
    this.#options = o;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, dtype: o.dtype });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { dtype: o.dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { dtype: o.dtype });
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, dtype: o.dtype });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, dtype: o.dtype });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
  }

  get batchFirst(): boolean {
    return this.#options.batchFirst;
  }

  /** src [T, B, dModel] ([B, T, dModel] with batchFirst, or unbatched [T, dModel]). */
  forward(src: Tensor, options: EncoderLayerForwardOptions = {}): Tensor {
    checkModelInput(`TransformerEncoderLayer(dModel ${this.dModel}, nhead ${this.nhead})`, 'src', src, this.dModel, this.batchFirst);
    const selfAttention = (x: Tensor): Tensor => {
      const [out] = this.selfAttn.forward(x, x, x, {
        attnMask: options.srcMask ?? null,
        keyPaddingMask: options.srcKeyPaddingMask ?? null,
        isCausal: options.isCausal ?? false,
        needWeights: false,
      });
      return this.dropout1.forward(out);
    };
    const feedForward = (x: Tensor): Tensor =>
      this.dropout2.forward(this.linear2.forward(activationDropout(this.#options.activation, this.dropout, this.linear1.forward(x))));
    let x = src;
    if (this.normFirst) {
      x = add(x, selfAttention(this.norm1.forward(x)));
      x = add(x, feedForward(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, selfAttention(x)));
      x = this.norm2.forward(add(x, feedForward(x)));
    }
    return x;
  }

  /** A deep copy: same options, a copy of the weights, same training mode. */
  clone(): TransformerEncoderLayer {
    const dtype = this.linear1.weight.dtype as FloatDType;
    return copyState(this, new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.#options, dtype }));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.#options.dimFeedforward}${this.normFirst ? ', normFirst=true' : ''}`;
  }
}

/**
 * Self-attention over the target, attention over the encoder's memory, then a feed-forward
 * block, each with dropout, a residual connection and LayerNorm (torch.nn.TransformerDecoderLayer).
 */
export class TransformerDecoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly #options: ResolvedLayerOptions;
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}, ...extra: []) {
    super();
    parseOptions('TransformerDecoderLayer', options, TRANSFORMER_LAYER_SPEC, extra);
    const o = resolveOptions('TransformerDecoderLayer', dModel, nhead, options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = o.normFirst;
    this.#options = o;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, dtype: o.dtype });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: o.dropout, batchFirst: o.batchFirst, dtype: o.dtype });
    this.linear1 = new Linear(dModel, o.dimFeedforward, { dtype: o.dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dimFeedforward, dModel, { dtype: o.dtype });
    this.norm1 = new LayerNorm(dModel, { eps: o.layerNormEps, dtype: o.dtype });
    this.norm2 = new LayerNorm(dModel, { eps: o.layerNormEps, dtype: o.dtype });
    this.norm3 = new LayerNorm(dModel, { eps: o.layerNormEps, dtype: o.dtype });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
  }

  get batchFirst(): boolean {
    return this.#options.batchFirst;
  }

  /** tgt [T, B, dModel] and memory [S, B, dModel] ([B, *, dModel] with batchFirst). */
  forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    const name = `TransformerDecoderLayer(dModel ${this.dModel}, nhead ${this.nhead})`;
    checkModelInput(name, 'tgt', tgt, this.dModel, this.batchFirst);
    checkModelInput(name, 'memory', memory, this.dModel, this.batchFirst);
    const selfAttention = (x: Tensor): Tensor => {
      const [out] = this.selfAttn.forward(x, x, x, {
        attnMask: options.tgtMask ?? null,
        keyPaddingMask: options.tgtKeyPaddingMask ?? null,
        isCausal: options.tgtIsCausal ?? false,
        needWeights: false,
      });
      return this.dropout1.forward(out);
    };
    const memoryAttention = (x: Tensor): Tensor => {
      const [out] = this.multiheadAttn.forward(x, memory, memory, {
        attnMask: options.memoryMask ?? null,
        keyPaddingMask: options.memoryKeyPaddingMask ?? null,
        isCausal: options.memoryIsCausal ?? false,
        needWeights: false,
      });
      return this.dropout2.forward(out);
    };
    const feedForward = (x: Tensor): Tensor =>
      this.dropout3.forward(this.linear2.forward(activationDropout(this.#options.activation, this.dropout, this.linear1.forward(x))));
    let x = tgt;
    if (this.normFirst) {
      x = add(x, selfAttention(this.norm1.forward(x)));
      x = add(x, memoryAttention(this.norm2.forward(x)));
      x = add(x, feedForward(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(add(x, selfAttention(x)));
      x = this.norm2.forward(add(x, memoryAttention(x)));
      x = this.norm3.forward(add(x, feedForward(x)));
    }
    return x;
  }

  /** A deep copy: same options, a copy of the weights, same training mode. */
  clone(): TransformerDecoderLayer {
    const dtype = this.linear1.weight.dtype as FloatDType;
    return copyState(this, new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.#options, dtype }));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, dimFeedforward=${this.#options.dimFeedforward}${this.normFirst ? ', normFirst=true' : ''}`;
  }
}

export interface TransformerStackOptions {
  /** A LayerNorm applied to the stack's output (default none). */
  norm?: LayerNorm | null;
}

export interface EncoderForwardOptions {
  mask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  isCausal?: boolean;
}

function checkNumLayers(name: string, numLayers: number): void {
  if (!isSize(numLayers)) throw new Error(`${name}: numLayers must be a non-negative integer, got ${numLayers}`);
}

/** numLayers deep copies of an encoder layer applied in turn, then an optional norm (torch.nn.TransformerEncoder). */
export class TransformerEncoder extends Module {
  readonly numLayers: number;
  layers: TransformerEncoderLayer[];
  norm: LayerNorm | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: TransformerStackOptions = {}, ...extra: []) {
    super();
    parseOptions('TransformerEncoder', options, { norm: nullable(instanceOf(LayerNorm)) }, extra);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new Error('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer (it is copied numLayers times)');
    }
    checkNumLayers('TransformerEncoder', numLayers);
    this.numLayers = numLayers;
    this.layers = Array.from({ length: numLayers }, () => encoderLayer.clone());
    this.norm = options.norm ?? null;
  }

  /** src [T, B, dModel] ([B, T, dModel] with batchFirst). */
  forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) {
      x = layer.forward(x, { srcMask: options.mask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null, isCausal: options.isCausal ?? false });
    }
    return this.norm === null ? x : this.norm.forward(x);
  }
}

/** numLayers deep copies of a decoder layer applied in turn, then an optional norm (torch.nn.TransformerDecoder). */
export class TransformerDecoder extends Module {
  readonly numLayers: number;
  layers: TransformerDecoderLayer[];
  norm: LayerNorm | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: TransformerStackOptions = {}, ...extra: []) {
    super();
    parseOptions('TransformerDecoder', options, { norm: nullable(instanceOf(LayerNorm)) }, extra);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) {
      throw new Error('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer (it is copied numLayers times)');
    }
    checkNumLayers('TransformerDecoder', numLayers);
    this.numLayers = numLayers;
    this.layers = Array.from({ length: numLayers }, () => decoderLayer.clone());
    this.norm = options.norm ?? null;
  }

  /** tgt [T, B, dModel] and memory [S, B, dModel] ([B, *, dModel] with batchFirst). */
  forward(tgt: Tensor, memory: Tensor, options: DecoderLayerForwardOptions = {}): Tensor {
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, options);
    return this.norm === null ? x : this.norm.forward(x);
  }
}

export interface TransformerOptions extends TransformerLayerOptions {
  /** Default 512. */
  dModel?: number;
  /** Attention heads (default 8). */
  nhead?: number;
  /** Default 6. */
  numEncoderLayers?: number;
  /** Default 6. */
  numDecoderLayers?: number;
  /** Use this encoder instead of building one. */
  customEncoder?: TransformerEncoder;
  /** Use this decoder instead of building one. */
  customDecoder?: TransformerDecoder;
}

export interface TransformerForwardOptions {
  srcMask?: Tensor | null;
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  srcKeyPaddingMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
  srcIsCausal?: boolean;
  tgtIsCausal?: boolean;
  memoryIsCausal?: boolean;
}

/**
 * The encoder-decoder transformer of "Attention Is All You Need" (torch.nn.Transformer), with
 * PyTorch's defaults (dModel 512, 8 heads, 6 + 6 layers, feed-forward 2048, dropout 0.1), final
 * LayerNorms on both stacks, and every weight matrix re-initialized Xavier-uniform.
 */
export class Transformer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  encoder: TransformerEncoder;
  decoder: TransformerDecoder;

  constructor(options: TransformerOptions = {}, ...extra: []) {
    super();
    parseOptions('Transformer', options, {
      ...TRANSFORMER_LAYER_SPEC, dModel: int, nhead: int, numEncoderLayers: int, numDecoderLayers: int,
      customEncoder: instanceOf(TransformerEncoder), customDecoder: instanceOf(TransformerDecoder),
    }, extra);
    const dModel = options.dModel ?? 512;
    const nhead = options.nhead ?? 8;
    // The layers take only the layer options; the rest are the Transformer's own.
    const { dModel: _dModel, nhead: _nhead, numEncoderLayers: _e, numDecoderLayers: _d, customEncoder: _ce, customDecoder: _cd, ...layerOptions } = options;
    resolveOptions('Transformer', dModel, nhead, layerOptions);
    const dtype = options.dtype ?? 'float32';
    const eps = options.layerNormEps ?? 1e-5;
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = options.batchFirst ?? false;
    this.encoder =
      options.customEncoder ??
      new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOptions), options.numEncoderLayers ?? 6, {
        norm: new LayerNorm(dModel, { eps, dtype }),
      });
    this.decoder =
      options.customDecoder ??
      new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOptions), options.numDecoderLayers ?? 6, {
        norm: new LayerNorm(dModel, { eps, dtype }),
      });
    this.resetParameters();
  }

  /** Xavier-uniform for every parameter with more than one dim, as PyTorch's _reset_parameters. */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /** A float mask [size, size] with -Infinity above the diagonal (a decoder's causal mask). */
  static generateSquareSubsequentMask(size: number, dtype: FloatDType = 'float32'): Tensor {
    return generateSquareSubsequentMask(size, dtype);
  }

  /** src [S, B, dModel] and tgt [T, B, dModel] ([B, *, dModel] with batchFirst); returns [T, B, dModel]. */
  forward(src: Tensor, tgt: Tensor, options: TransformerForwardOptions = {}): Tensor {
    const name = `Transformer(dModel ${this.dModel}, nhead ${this.nhead})`;
    checkModelInput(name, 'src', src, this.dModel, this.batchFirst);
    checkModelInput(name, 'tgt', tgt, this.dModel, this.batchFirst);
    const batchDim = this.batchFirst ? 0 : 1;
    if (src.ndim !== tgt.ndim || (src.ndim === 3 && src.shape[batchDim] !== tgt.shape[batchDim])) {
      throw new Error(`${name}: src ${shapeStr(src.shape)} and tgt ${shapeStr(tgt.shape)} must have the same rank and batch size`);
    }
    const memory = this.encoder.forward(src, {
      mask: options.srcMask ?? null,
      srcKeyPaddingMask: options.srcKeyPaddingMask ?? null,
      isCausal: options.srcIsCausal ?? false,
    });
    return this.decoder.forward(tgt, memory, {
      tgtMask: options.tgtMask ?? null,
      memoryMask: options.memoryMask ?? null,
      tgtKeyPaddingMask: options.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: options.memoryKeyPaddingMask ?? null,
      tgtIsCausal: options.tgtIsCausal ?? false,
      memoryIsCausal: options.memoryIsCausal ?? false,
    });
  }
}
