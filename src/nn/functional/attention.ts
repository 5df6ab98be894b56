/**
 * Attention as functions of tensors: scaled dot-product attention (torch's
 * F.scaled_dot_product_attention) and multi-head attention (torch's
 * F.multi_head_attention_forward, the math behind nn.MultiheadAttention), composed of tensor ops.
 *
 * Mask conventions follow PyTorch, which differ between the two:
 * - scaledDotProductAttention: a bool attnMask is true where attention IS allowed;
 * - multiHeadAttention: bool attnMask and keyPaddingMask are true where attention is NOT allowed
 *   (padding, future positions).
 * A float mask is added to the scores in both (use -Infinity to forbid a position).
 */
import { Tensor } from '../../tensor/tensor.js';
import { ones, zeros } from '../../tensor/creation.js';
import { isFloat, type DType } from '../../tensor/dtype.js';
import { shapeStr, isSize } from '../../tensor/shape.js';
import { Generator } from '../../tensor/random.js';
import { bool, checkOptionKeys, instanceOf, nullable, num, parseArgs, parseOptions, str, tensor, type Args } from '../../ops/args.js';
import { add, logicalNot, mul } from '../../ops/elementwise.js';
import { linear, matmul } from '../../ops/linalg.js';
import { expand, narrow, permute, reshape, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { maskedFill, triu } from '../../ops/indexing.js';
import { cat, pad, unbind } from '../../ops/join.js';
import { mean } from '../../ops/reduce.js';
import { dropout, softmax } from '../../ops/nn.js';

/**
 * A float mask of shape [size, size] with -Infinity above the diagonal and 0 elsewhere: position i
 * may attend to positions 0..i only (torch's nn.Transformer.generate_square_subsequent_mask).
 */
export function generateSquareSubsequentMask(size: number, dtype: DType = 'float32'): Tensor {
  if (!isSize(size)) throw new Error(`generateSquareSubsequentMask: size must be a non-negative integer, got ${size}`);
  if (!isFloat(dtype)) throw new Error(`generateSquareSubsequentMask: dtype must be floating-point, got ${dtype}`);
  return maskedFill(zeros([size, size], { dtype }), triu(ones([size, size], { dtype: 'bool' }), 1), -Infinity);
}

/** A bool mask [rows, cols], true above the diagonal: the positions a causal attention must not see. */
function causalBoolMask(rows: number, cols: number): Tensor {
  return triu(ones([rows, cols], { dtype: 'bool' }), 1);
}

/** A mask as scores to add: bool true (forbidden) becomes -Infinity, a float mask is used as is. */
function additiveMask(mask: Tensor, dtype: DType): Tensor {
  if (mask.dtype === 'bool') return maskedFill(zeros(mask.shape, { dtype }), mask, -Infinity);
  return mask.dtype === dtype ? mask : mask.to(dtype);
}

function checkMaskDType(name: string, what: string, mask: Tensor): void {
  if (!(mask instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor`);
  if (mask.dtype !== 'bool' && !isFloat(mask.dtype)) {
    throw new Error(`${name}: ${what} must be a bool or floating-point tensor, got dtype ${mask.dtype}`);
  }
}

// ---- scaled dot-product attention ----------------------------------------------------------

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]. Bool: true where attention is allowed (PyTorch's convention for
   * this function). Float: added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0; pass 0 when evaluating). */
  dropoutP?: number;
  /** Let query i see keys 0..i only (a top-left aligned causal mask); excludes attnMask. */
  isCausal?: boolean;
  /** Multiplies the scores (default 1 / sqrt(E)). */
  scale?: number;
  generator?: Generator;
}

const SDPA_SPEC = { attnMask: nullable(tensor), dropoutP: num, isCausal: bool, scale: num, generator: instanceOf(Generator) };

/** softmax(q k^T * scale + mask) v, with optional dropout on the weights. Returns [output, weights]. */
function attend(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, scale: number, dropoutP: number, generator?: Generator): [Tensor, Tensor] {
  let scores = matmul(mul(q, scale), transpose(k, -2, -1));
  if (bias !== null) scores = add(scores, bias);
  let weights = softmax(scores, -1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, true, generator);
  return [matmul(weights, v), weights];
}

/**
 * Attention of queries q [..., L, E] over keys k [..., S, E] and values v [..., S, Ev]:
 * softmax(q k^T / sqrt(E) + mask) v, giving [..., L, Ev] (torch.nn.functional.scaled_dot_product_attention).
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  ...args: Args<[attnMask: Tensor | null, dropoutP: number, isCausal: boolean, scale: number], ScaledDotProductAttentionOptions>
): Tensor {
  const name = 'scaledDotProductAttention';
  // torch's positional order (attn_mask, dropout_p, is_causal, scale); the generator only as an option.
  const options = parseArgs(`F.${name}`, args, SDPA_SPEC, ['attnMask', 'dropoutP', 'isCausal', 'scale']);
  for (const [what, t] of [['query', q], ['key', k], ['value', v]] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor`);
    if (t.ndim < 2 || !isFloat(t.dtype)) {
      throw new Error(`${name}: ${what} must be a floating-point tensor of rank >= 2 ([..., length, features]), got ${t.dtype} ${shapeStr(t.shape)}`);
    }
  }
  const [embed, keyEmbed] = [q.shape[q.ndim - 1]!, k.shape[k.ndim - 1]!];
  const [keyLength, valueLength] = [k.shape[k.ndim - 2]!, v.shape[v.ndim - 2]!];
  if (embed !== keyEmbed || keyLength !== valueLength) {
    throw new Error(
      `${name}: query ${shapeStr(q.shape)}, key ${shapeStr(k.shape)} and value ${shapeStr(v.shape)} do not fit: ` +
        'query and key need the same last dim, key and value the same length (second-to-last dim)',
    );
  }
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`${name}: dropoutP must be a probability in [0, 1], got ${dropoutP}`);
  const mask = options.attnMask ?? null;
  if (options.isCausal === true && mask !== null) {
    throw new Error(`${name}: give either attnMask or isCausal, not both`);
  }
  const queryLength = q.shape[q.ndim - 2]!;
  let bias: Tensor | null = null;
  if (options.isCausal === true) {
    bias = additiveMask(causalBoolMask(queryLength, keyLength), q.dtype);
  } else if (mask !== null) {
    checkMaskDType(name, 'attnMask', mask);
    const rank = mask.ndim;
    const fits = rank >= 2 && rank <= q.ndim && [queryLength, keyLength].every((d, i) => {
      const m = mask.shape[rank - 2 + i]!;
      return m === d || m === 1;
    });
    if (!fits) {
      throw new Error(`${name}: attnMask of shape ${shapeStr(mask.shape)} does not broadcast to the scores [..., ${queryLength}, ${keyLength}]`);
    }
    bias = additiveMask(mask.dtype === 'bool' ? logicalNot(mask) : mask, q.dtype);
  }
  return attend(q, k, v, bias, options.scale ?? 1 / Math.sqrt(embed), dropoutP, options.generator)[0];
}

// ---- multi-head attention ----------------------------------------------------------------------

/** The projections of multi-head attention, in PyTorch's layout. */
export interface MultiHeadAttentionWeights {
  /** [3E, E]: the query, key and value projections stacked (when key and value have E features). */
  inProjWeight?: Tensor | null;
  /** [E, E], [E, kdim], [E, vdim]: separate projections (when kdim or vdim differ from E). */
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  /** [3E]: the three projection biases stacked. */
  inProjBias?: Tensor | null;
  outProjWeight: Tensor;
  outProjBias?: Tensor | null;
  /**
   * [1, 1, E] each, both or neither: a learned key and value appended to the projected keys and
   * values of every sequence (torch's bias_k, bias_v; no mask hides them).
   */
  biasK?: Tensor | null;
  biasV?: Tensor | null;
}

export interface MultiHeadAttentionOptions {
  /**
   * [B, S] ([S] unbatched): keys to ignore, e.g. padding. Bool: true = ignore. Float: added to
   * the scores.
   */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /**
   * [L, S] or [B * numHeads, L, S]: which query may see which key. Bool: true = not allowed.
   * Float: added to the scores.
   */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads ([B, L, S]) rather than per head ([B, numHeads, L, S]) (default true). */
  averageAttnWeights?: boolean;
  /** Apply a causal mask (query i sees keys 0..i); when attnMask is given too, attnMask is used. */
  isCausal?: boolean;
  /**
   * Append a key and value of zeros to every head after the projections (and after biasK/biasV),
   * so a query can attend to nothing (torch's add_zero_attn; no mask hides it). Default false.
   */
  addZeroAttn?: boolean;
  /** Dropout probability on the attention weights, applied when training (default 0). */
  dropoutP?: number;
  training?: boolean;
  /** query, key and value are [B, L, E] instead of [L, B, E]. */
  batchFirst?: boolean;
  generator?: Generator;
  /** How error messages name the caller. */
  name?: string;
}

const MHA_SPEC = {
  keyPaddingMask: nullable(tensor),
  needWeights: bool,
  attnMask: nullable(tensor),
  averageAttnWeights: bool,
  isCausal: bool,
  addZeroAttn: bool,
  dropoutP: num,
  training: bool,
  batchFirst: bool,
  generator: instanceOf(Generator),
  name: str,
};
const MHA_WEIGHTS = ['inProjWeight', 'qProjWeight', 'kProjWeight', 'vProjWeight', 'inProjBias', 'outProjWeight', 'outProjBias', 'biasK', 'biasV'];

function checkShape(name: string, what: string, t: Tensor | null | undefined, shape: number[]): void {
  if (t === null || t === undefined) return;
  if (!(t instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor`);
  if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${name}: ${what} must have shape ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
  }
}

/**
 * Multi-head attention (torch.nn.functional.multi_head_attention_forward): projects query [L, B, E],
 * key [S, B, kdim] and value [S, B, vdim] (or [B, *, *] with batchFirst, or unbatched [L, E]),
 * splits E into numHeads heads, attends per head with scores scaled by 1/sqrt(E / numHeads),
 * joins the heads and applies the output projection. Returns [output [L, B, E], weights or null]
 * where weights are [B, L, S] averaged over heads or [B, numHeads, L, S].
 */
export function multiHeadAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  numHeads: number,
  weights: MultiHeadAttentionWeights,
  options: MultiHeadAttentionOptions = {},
  ...extra: []
): [Tensor, Tensor | null] {
  const name = options?.name ?? 'F.multiHeadAttention';
  parseOptions(name, options, MHA_SPEC, extra);
  // A misspelt weight (outProjBais) would silently drop it.
  checkOptionKeys(name, weights, MHA_WEIGHTS);
  for (const [what, t] of [['query', query], ['key', key], ['value', value]] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor`);
    if (!isFloat(t.dtype)) throw new Error(`${name}: ${what} must be floating-point, got dtype ${t.dtype}`);
  }
  const embed = weights.outProjWeight.shape[0]!;
  if (!isSize(numHeads, 1) || embed % numHeads !== 0) {
    throw new Error(`${name}: embedDim ${embed} must be divisible by numHeads ${numHeads} (each head gets embedDim / numHeads features)`);
  }
  const headDim = embed / numHeads;
  const packed = weights.inProjWeight !== null && weights.inProjWeight !== undefined;
  const kdim = packed ? embed : weights.kProjWeight?.shape[1];
  const vdim = packed ? embed : weights.vProjWeight?.shape[1];
  if (kdim === undefined || vdim === undefined || (!packed && weights.qProjWeight == null)) {
    throw new Error(`${name}: give either inProjWeight [3E, E] or all of qProjWeight, kProjWeight and vProjWeight`);
  }
  checkShape(name, 'inProjWeight', weights.inProjWeight, [3 * embed, embed]);
  checkShape(name, 'qProjWeight', weights.qProjWeight, [embed, embed]);
  checkShape(name, 'kProjWeight', weights.kProjWeight, [embed, kdim]);
  checkShape(name, 'vProjWeight', weights.vProjWeight, [embed, vdim]);
  checkShape(name, 'inProjBias', weights.inProjBias, [3 * embed]);
  checkShape(name, 'outProjWeight', weights.outProjWeight, [embed, embed]);
  checkShape(name, 'outProjBias', weights.outProjBias, [embed]);
  const biasK = weights.biasK ?? null;
  const biasV = weights.biasV ?? null;
  if ((biasK === null) !== (biasV === null)) throw new Error(`${name}: give both biasK and biasV or neither`);
  checkShape(name, 'biasK', biasK, [1, 1, embed]);
  checkShape(name, 'biasV', biasV, [1, 1, embed]);
  const addZeroAttn = options.addZeroAttn === undefined ? false : options.addZeroAttn;

  const batched = query.ndim === 3;
  if ((query.ndim !== 3 && query.ndim !== 2) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new Error(
      `${name}: query, key and value must all be 3-D (${options.batchFirst === true ? '[B, L, E]' : '[L, B, E]'}) or all 2-D ` +
        `(unbatched [L, E]), got ${shapeStr(query.shape)}, ${shapeStr(key.shape)} and ${shapeStr(value.shape)}`,
    );
  }
  const timeMajor = (t: Tensor): Tensor => (batched ? (options.batchFirst === true ? transpose(t, 0, 1) : t) : unsqueeze(t, 1));
  const selfAttention = query === key && key === value;
  const q0 = timeMajor(query);
  const k0 = selfAttention ? q0 : timeMajor(key);
  const v0 = selfAttention ? q0 : key === value ? k0 : timeMajor(value);
  const [targetLength, batch] = q0.shape as [number, number];
  const sourceLength = k0.shape[0]!;
  const features = (t: Tensor): number => t.shape[t.ndim - 1]!;
  if (features(q0) !== embed || features(k0) !== kdim || features(v0) !== vdim) {
    throw new Error(
      `${name}: expected query, key and value with ${embed}, ${kdim} and ${vdim} features (embedDim, kdim, vdim), ` +
        `got shapes ${shapeStr(query.shape)}, ${shapeStr(key.shape)} and ${shapeStr(value.shape)}`,
    );
  }
  if (k0.shape[1] !== batch || v0.shape[1] !== batch || v0.shape[0] !== sourceLength) {
    throw new Error(
      `${name}: key and value must have the query's batch size and the same length as each other, ` +
        `got query ${shapeStr(query.shape)}, key ${shapeStr(key.shape)}, value ${shapeStr(value.shape)}`,
    );
  }
  if (query.dtype !== weights.outProjWeight.dtype || key.dtype !== query.dtype || value.dtype !== query.dtype) {
    throw new Error(
      `${name}: query, key and value (${query.dtype}, ${key.dtype}, ${value.dtype}) must have the dtype of the weights (${weights.outProjWeight.dtype})`,
    );
  }

  // Projections. Self-attention with packed weights is one product, split afterwards.
  const bias = (i: number): Tensor | null => (weights.inProjBias == null ? null : narrow(weights.inProjBias, 0, i * embed, embed));
  // [T, B, E] -> [B, heads, T, headDim]: a view (the batched products read it through its
  // strides), where [B * heads, T, headDim] needed a copy of q, k and v.
  const heads = (t: Tensor, length: number): Tensor => permute(reshape(t, [length, batch, numHeads, headDim]), [1, 2, 0, 3]);
  let qHeads: Tensor;
  let kHeads: Tensor;
  let vHeads: Tensor;
  if (packed && selfAttention) {
    // One product, split straight into the three [B, heads, T, headDim] views: unbind's backward
    // then writes their gradients into the product's [T, B, 3, heads, headDim] layout, one copy
    // each, where unbinding [T, B, E] pieces first made every head gradient copy twice.
    const qkv = linear(q0, weights.inProjWeight!, weights.inProjBias ?? null);
    [qHeads, kHeads, vHeads] = unbind(permute(reshape(qkv, [targetLength, batch, 3, numHeads, headDim]), [2, 1, 3, 0, 4]), 0) as [Tensor, Tensor, Tensor];
  } else {
    const w = (i: number, separate: Tensor | null | undefined): Tensor => (packed ? narrow(weights.inProjWeight!, 0, i * embed, embed) : separate!);
    qHeads = heads(linear(q0, w(0, weights.qProjWeight), bias(0)), targetLength);
    kHeads = heads(linear(k0, w(1, weights.kProjWeight), bias(1)), sourceLength);
    vHeads = heads(linear(v0, w(2, weights.vProjWeight), bias(2)), sourceLength);
  }

  // torch appends bias_k/bias_v (per sequence) and then the zero key/value (per head); the masks
  // are padded with 0 (bool: false) for them, so they stay visible to every query.
  let keyLength = sourceLength;
  if (biasK !== null && biasV !== null) {
    kHeads = cat([kHeads, heads(expand(biasK, [1, batch, embed]), 1)], 2);
    vHeads = cat([vHeads, heads(expand(biasV, [1, batch, embed]), 1)], 2);
    keyLength += 1;
  }
  if (addZeroAttn) {
    const nothing = zeros([batch, numHeads, 1, headDim], { dtype: query.dtype });
    kHeads = cat([kHeads, nothing], 2);
    vHeads = cat([vHeads, nothing], 2);
    keyLength += 1;
  }
  let bias3 = attentionBias(name, options, batched, batch, numHeads, targetLength, sourceLength, query.dtype);
  if (bias3 !== null && keyLength > sourceLength) bias3 = pad(bias3, [0, keyLength - sourceLength]);
  // [1 or B * heads, 1 or L, S] -> [1 or B, 1 or heads, 1 or L, S], the scores' layout.
  const bias4 = bias3 === null ? null : bias3.shape[0] === 1 ? unsqueeze(bias3, 0) : reshape(bias3, [batch, numHeads, bias3.shape[1]!, keyLength]);
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`${name}: dropout must be a probability in [0, 1], got ${dropoutP}`);
  const [attended, attnWeights] = attend(
    qHeads,
    kHeads,
    vHeads,
    bias4,
    1 / Math.sqrt(headDim),
    options.training === true ? dropoutP : 0,
    options.generator,
  );
  // [B, heads, L, headDim] -> [L, B, E]
  const joined = reshape(permute(attended, [2, 0, 1, 3]), [targetLength * batch, embed]);
  let output = reshape(linear(joined, weights.outProjWeight, weights.outProjBias ?? null), [targetLength, batch, embed]);
  output = batched ? (options.batchFirst === true ? transpose(output, 0, 1) : output) : squeeze(output, 1);

  if (options.needWeights === false) return [output, null];
  let returned = attnWeights;
  if (options.averageAttnWeights !== false) returned = mean(returned, 1);
  return [output, batched ? returned : squeeze(returned, 0)];
}

/** attnMask, keyPaddingMask and isCausal merged into one additive bias [1 or B*heads, L, S], or null. */
function attentionBias(
  name: string,
  options: MultiHeadAttentionOptions,
  batched: boolean,
  batch: number,
  numHeads: number,
  targetLength: number,
  sourceLength: number,
  dtype: DType,
): Tensor | null {
  let attnMask = options.attnMask ?? null;
  if (attnMask === null && options.isCausal === true) attnMask = causalBoolMask(targetLength, sourceLength);
  let bias: Tensor | null = null;
  if (attnMask !== null) {
    checkMaskDType(name, 'attnMask', attnMask);
    if (attnMask.ndim === 2) {
      checkShape(name, 'a 2-D attnMask', attnMask, [targetLength, sourceLength]);
      bias = unsqueeze(additiveMask(attnMask, dtype), 0);
    } else if (attnMask.ndim === 3) {
      checkShape(name, `a 3-D attnMask ([batch * numHeads, L, S])`, attnMask, [batch * numHeads, targetLength, sourceLength]);
      bias = additiveMask(attnMask, dtype);
    } else {
      throw new Error(`${name}: attnMask must be 2-D [L, S] or 3-D [batch * numHeads, L, S], got shape ${shapeStr(attnMask.shape)}`);
    }
  }
  const padding = options.keyPaddingMask ?? null;
  if (padding !== null) {
    checkMaskDType(name, 'keyPaddingMask', padding);
    checkShape(name, 'keyPaddingMask', padding, batched ? [batch, sourceLength] : [sourceLength]);
    const perHead = reshape(
      expand(reshape(additiveMask(padding, dtype), [batch, 1, 1, sourceLength]), [batch, numHeads, 1, sourceLength]),
      [batch * numHeads, 1, sourceLength],
    );
    bias = bias === null ? perHead : add(bias, perHead);
  }
  return bias;
}
