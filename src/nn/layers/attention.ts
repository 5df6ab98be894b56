/**
 * MultiheadAttention (torch.nn.MultiheadAttention): parameters, state-dict keys and
 * initialization as PyTorch (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias, or
 * q/k/v_proj_weight when kdim or vdim differ from embedDim); the math is F.multiHeadAttention.
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { Module, Parameter } from '../module.js';
import { Linear } from './linear.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { empty, checkPositiveInt } from '../util.js';
import { multiHeadAttention, type MultiHeadAttentionWeights } from '../functional/attention.js';
import { bool, floatDtype, inRange, int, parseOptions } from '../../ops/args.js';

export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn biases for the input and output projections (default true). */
  bias?: boolean;
  /** Features of the keys (default embedDim). */
  kdim?: number;
  /** Features of the values (default embedDim). */
  vdim?: number;
  /** Inputs and output are [B, L, E] instead of [L, B, E] (default false). */
  batchFirst?: boolean;
  /** Learn a key and a value ([1, 1, embedDim]: bias_k, bias_v) appended to every sequence's keys and values (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value to every head, so a query may attend to nothing (default false). */
  addZeroAttn?: boolean;
  dtype?: FloatDType;
}

const MULTIHEAD_ATTENTION_SPEC = {
  dropout: inRange(0, 1), bias: bool, addBiasKv: bool, addZeroAttn: bool, kdim: int, vdim: int, batchFirst: bool, dtype: floatDtype,
};

export interface MultiheadAttentionForwardOptions {
  /** [B, S] ([S] unbatched). Bool: true marks keys to ignore (padding). Float: added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights as the second result (default true); null otherwise. */
  needWeights?: boolean;
  /** [L, S] or [B * numHeads, L, S]. Bool: true = may not attend. Float: added to the scores. */
  attnMask?: Tensor | null;
  /** Weights averaged over heads [B, L, S] (default true) or per head [B, numHeads, L, S]. */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (query i sees keys 0..i) when no attnMask is given. */
  isCausal?: boolean;
}

/**
 * Attention from L queries to S key/value pairs with numHeads heads of embedDim / numHeads
 * features each. forward(query, key, value, options) returns [output, weights | null].
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  inProjWeight: Parameter | null;
  qProjWeight: Parameter | null;
  kProjWeight: Parameter | null;
  vProjWeight: Parameter | null;
  inProjBias: Parameter | null;
  biasK: Parameter | null;
  biasV: Parameter | null;
  outProj: Linear;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}, ...extra: []) {
    super();
    parseOptions('MultiheadAttention', options, MULTIHEAD_ATTENTION_SPEC, extra);
    checkPositiveInt('MultiheadAttention', 'embedDim', embedDim);
    checkPositiveInt('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) {
      throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads} (each head gets embedDim / numHeads features)`);
    }
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new Error(`MultiheadAttention: dropout must be a probability in [0, 1], got ${String(dropout)}`);
    }
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    checkPositiveInt('MultiheadAttention', 'kdim', this.kdim);
    checkPositiveInt('MultiheadAttention', 'vdim', this.vdim);
    this.dropout = dropout;
    this.batchFirst = options.batchFirst ?? false;
    const dtype = options.dtype ?? 'float32';
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.inProjWeight = packed ? new Parameter(empty([3 * embedDim, embedDim], dtype)) : null;
    this.qProjWeight = packed ? null : new Parameter(empty([embedDim, embedDim], dtype));
    this.kProjWeight = packed ? null : new Parameter(empty([embedDim, this.kdim], dtype));
    this.vProjWeight = packed ? null : new Parameter(empty([embedDim, this.vdim], dtype));
    const bias = options.bias ?? true;
    this.inProjBias = bias ? new Parameter(empty([3 * embedDim], dtype)) : null;
    const addBiasKv = options.addBiasKv === undefined ? false : options.addBiasKv;
    if (typeof addBiasKv !== 'boolean') throw new Error(`MultiheadAttention: addBiasKv must be a boolean, got ${typeof addBiasKv}`);
    this.biasK = addBiasKv ? new Parameter(empty([1, 1, embedDim], dtype)) : null;
    this.biasV = addBiasKv ? new Parameter(empty([1, 1, embedDim], dtype)) : null;
    this.addZeroAttn = options.addZeroAttn === undefined ? false : options.addZeroAttn;
    if (typeof this.addZeroAttn !== 'boolean') {
      throw new Error(`MultiheadAttention: addZeroAttn must be a boolean, got ${typeof this.addZeroAttn}`);
    }
    this.outProj = new Linear(embedDim, embedDim, { bias, dtype });
    this.resetParameters();
  }

  /** PyTorch's init: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v, out_proj.weight as Linear. */
  resetParameters(): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w !== null) xavierUniform_(w);
    if (this.inProjBias !== null) constant_(this.inProjBias, 0);
    if (this.outProj.bias !== null) constant_(this.outProj.bias, 0);
    for (const b of [this.biasK, this.biasV]) if (b !== null) xavierNormal_(b);
  }

  /** The projection weights as F.multiHeadAttention takes them. */
  projectionWeights(): MultiHeadAttentionWeights {
    return {
      inProjWeight: this.inProjWeight,
      qProjWeight: this.qProjWeight,
      kProjWeight: this.kProjWeight,
      vProjWeight: this.vProjWeight,
      inProjBias: this.inProjBias,
      outProjWeight: this.outProj.weight,
      outProjBias: this.outProj.bias,
      biasK: this.biasK,
      biasV: this.biasV,
    };
  }

  /**
   * query [L, B, embedDim], key [S, B, kdim], value [S, B, vdim] ([B, *, *] with batchFirst, or
   * unbatched [*, features]). Returns [output [L, B, embedDim], weights or null].
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    return multiHeadAttention(query, key, value, this.numHeads, this.projectionWeights(), {
      ...options,
      dropoutP: this.dropout,
      training: this.training,
      batchFirst: this.batchFirst,
      addZeroAttn: this.addZeroAttn,
      name: `MultiheadAttention(embedDim ${this.embedDim}, numHeads ${this.numHeads})`,
    });
  }

  override extraRepr(): string {
    const parts = [`embedDim=${this.embedDim}`, `numHeads=${this.numHeads}`];
    if (this.kdim !== this.embedDim) parts.push(`kdim=${this.kdim}`);
    if (this.vdim !== this.embedDim) parts.push(`vdim=${this.vdim}`);
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.biasK !== null) parts.push('addBiasKv=true');
    if (this.addZeroAttn) parts.push('addZeroAttn=true');
    return parts.join(', ');
  }
}
