/**
 * The attention of the sequence-to-sequence course: one decoder state (or L of them) attends over
 * S encoder states.
 * - AdditiveAttention (Bahdanau et al. 2015): e = v^T tanh(W s + U a), a small network scoring
 *   each encoder state a<t'> against the decoder state s<t-1>.
 * - DotProductAttention (Luong et al. 2015): e = s . a ('dot'), s^T W a ('general') or
 *   s . a / sqrt(d) ('scaled').
 * Both return the softmax weights alpha (over the S positions) and the context sum alpha * value.
 * PyTorch has no layer for these; the parameters are named as a PyTorch user would write them
 * (query_proj, key_proj, v), and the goldens are torch expressions of the same formulas.
 */
import { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { Module } from '../module.js';
import { Linear } from './linear.js';
import { checkPositiveInt } from '../util.js';
import { bool, checkOptionKeys, floatDtype, int, oneOf, parseOptions } from '../../ops/args.js';
import { maskedFill } from '../../ops/indexing.js';
import { matmul } from '../../ops/linalg.js';
import { softmax } from '../../ops/nn.js';
import { tanh } from '../../ops/elementwise.js';

export interface AttentionForwardOptions {
  /**
   * Bool [B, S]: true marks encoder positions to ignore (padding), as MultiheadAttention's
   * keyPaddingMask. A row with every position masked gives NaN weights (nothing to attend to).
   */
  keyPaddingMask?: Tensor | null;
}

/** context [B, Dv] (or [B, L, Dv] for L queries) and the attention weights [B, S] (or [B, L, S]). */
export interface AttentionResult {
  context: Tensor;
  weights: Tensor;
}

const FORWARD_OPTIONS = ['keyPaddingMask'];

/**
 * Checks query [B, Dq] or [B, L, Dq], keys [B, S, Dk], values [B, S, Dv] and the mask; returns the
 * query as [B, L, Dq] and whether it was a single step.
 */
function checkInputs(
  name: string, query: Tensor, keys: Tensor, values: Tensor, queryDim: number | null, keyDim: number | null, options: AttentionForwardOptions,
): { query3: Tensor; single: boolean; mask: Tensor | null } {
  for (const [what, t] of [['query', query], ['keys', keys], ['values', values]] as const) {
    if (!(t instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor, got ${typeof t}`);
  }
  if (typeof options !== 'object' || options === null) throw new Error(`${name}: options must be an object`);
  checkOptionKeys(name, options, FORWARD_OPTIONS);
  if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`${name}: query must be [B, Dq] or [B, L, Dq], got ${shapeStr(query.shape)}`);
  if (keys.ndim !== 3) throw new Error(`${name}: keys must be [B, S, Dk] (batch first), got ${shapeStr(keys.shape)}`);
  if (values.ndim !== 3 || values.shape[0] !== keys.shape[0] || values.shape[1] !== keys.shape[1]) {
    throw new Error(`${name}: values must be [B, S, Dv] with the keys' B and S, got values ${shapeStr(values.shape)} and keys ${shapeStr(keys.shape)}`);
  }
  if (query.shape[0] !== keys.shape[0]) throw new Error(`${name}: query batch ${query.shape[0]} differs from keys batch ${keys.shape[0]}`);
  const dq = query.shape[query.ndim - 1]!;
  if (queryDim !== null && dq !== queryDim) throw new Error(`${name}: query features must be ${queryDim}, got query ${shapeStr(query.shape)}`);
  if (keyDim !== null && keys.shape[2] !== keyDim) throw new Error(`${name}: key features must be ${keyDim}, got keys ${shapeStr(keys.shape)}`);
  for (const [what, t] of [['keys', keys], ['values', values]] as const) {
    if (t.dtype !== query.dtype) throw new Error(`${name}: ${what} dtype ${t.dtype} differs from the query's ${query.dtype}`);
  }
  const mask = options.keyPaddingMask ?? null;
  if (mask !== null) {
    if (!(mask instanceof Tensor) || mask.dtype !== 'bool') throw new Error(`${name}: keyPaddingMask must be a bool Tensor (true = ignore)`);
    if (mask.ndim !== 2 || mask.shape[0] !== keys.shape[0] || mask.shape[1] !== keys.shape[1]) {
      throw new Error(`${name}: keyPaddingMask must be [B, S] = ${shapeStr(keys.shape.slice(0, 2))}, got ${shapeStr(mask.shape)}`);
    }
  }
  const single = query.ndim === 2;
  return { query3: single ? query.unsqueeze(1) : query, single, mask };
}

/** Softmax over the S positions of scores [B, L, S] (masked positions -inf), then the weighted sum of values. */
function attend(scores: Tensor, values: Tensor, mask: Tensor | null, single: boolean): AttentionResult {
  const masked = mask === null ? scores : maskedFill(scores, mask.unsqueeze(1), -Infinity);
  const weights = softmax(masked, -1);
  const context = matmul(weights, values);
  return single ? { context: context.squeeze(1), weights: weights.squeeze(1) } : { context, weights };
}

export interface AdditiveAttentionOptions {
  /** Bias in the key projection U (default true); W and v have none, as Bahdanau's formula. */
  bias?: boolean;
  dtype?: FloatDType;
}

/**
 * Bahdanau's additive attention: e<t,t'> = v^T tanh(W s<t-1> + U a<t'>), alpha = softmax over t',
 * context = sum alpha<t,t'> value<t'>. Parameters: query_proj.weight W [hidden, queryDim],
 * key_proj.weight U [hidden, keyDim] (+ key_proj.bias), v.weight [1, hidden].
 */
export class AdditiveAttention extends Module {
  readonly queryDim: number;
  readonly keyDim: number;
  readonly hiddenDim: number;
  queryProj: Linear;
  keyProj: Linear;
  v: Linear;

  constructor(queryDim: number, keyDim: number, hiddenDim: number, options: AdditiveAttentionOptions = {}, ...extra: []) {
    super();
    checkPositiveInt('AdditiveAttention', 'queryDim', queryDim);
    checkPositiveInt('AdditiveAttention', 'keyDim', keyDim);
    checkPositiveInt('AdditiveAttention', 'hiddenDim', hiddenDim);
    parseOptions('AdditiveAttention', options, { bias: bool, dtype: floatDtype }, extra);
    this.queryDim = queryDim;
    this.keyDim = keyDim;
    this.hiddenDim = hiddenDim;
    const dtype = options.dtype ?? 'float32';
    this.queryProj = new Linear(queryDim, hiddenDim, { bias: false, dtype });
    this.keyProj = new Linear(keyDim, hiddenDim, { bias: options.bias ?? true, dtype });
    this.v = new Linear(hiddenDim, 1, { bias: false, dtype });
  }

  /**
   * U a for keys [B, S, keyDim]: the part of the score that does not depend on the decoder state.
   * A decoder computes it once per source sentence and passes it to every step as projectedKeys.
   */
  projectKeys(keys: Tensor): Tensor {
    if (!(keys instanceof Tensor) || keys.ndim !== 3 || keys.shape[2] !== this.keyDim) {
      throw new Error(`${this.describe()}: keys must be [B, S, ${this.keyDim}], got ${keys instanceof Tensor ? shapeStr(keys.shape) : typeof keys}`);
    }
    return this.keyProj.forward(keys);
  }

  /**
   * query [B, queryDim] (one decoder state per sentence) or [B, L, queryDim], keys [B, S, keyDim],
   * values [B, S, Dv] (default: the keys). Returns { context, weights }.
   */
  forward(query: Tensor, keys: Tensor, values: Tensor = keys, options: AttentionForwardOptions & { projectedKeys?: Tensor } = {}): AttentionResult {
    const { projectedKeys, ...rest } = options;
    const { query3, single, mask } = checkInputs(this.describe(), query, keys, values, this.queryDim, this.keyDim, rest);
    let uKeys: Tensor;
    if (projectedKeys !== undefined) {
      if (!(projectedKeys instanceof Tensor) || projectedKeys.ndim !== 3 || projectedKeys.shape[0] !== keys.shape[0] ||
        projectedKeys.shape[1] !== keys.shape[1] || projectedKeys.shape[2] !== this.hiddenDim) {
        throw new Error(`${this.describe()}: projectedKeys must be projectKeys(keys), [B, S, ${this.hiddenDim}]`);
      }
      uKeys = projectedKeys;
    } else {
      uKeys = this.keyProj.forward(keys);
    }
    const wQuery = this.queryProj.forward(query3); // [B, L, H]
    const hidden = tanh(wQuery.unsqueeze(2).add(uKeys.unsqueeze(1))); // [B, L, S, H]
    const scores = this.v.forward(hidden).squeeze(-1); // [B, L, S]
    return attend(scores, values, mask, single);
  }

  private describe(): string {
    return `AdditiveAttention(query ${this.queryDim}, key ${this.keyDim}, hidden ${this.hiddenDim})`;
  }

  override extraRepr(): string {
    return `queryDim=${this.queryDim}, keyDim=${this.keyDim}, hiddenDim=${this.hiddenDim}, bias=${this.keyProj.bias !== null}`;
  }
}

/** Luong's scores: 'dot' s . a, 'general' s^T W a, 'scaled' s . a / sqrt(d). */
export type DotProductScore = 'dot' | 'general' | 'scaled';

export interface DotProductAttentionOptions {
  /** The score (default 'dot'). */
  score?: DotProductScore;
  /** Query features (needed by 'general'; checked when given). */
  queryDim?: number;
  /** Key features (needed by 'general'; checked when given). */
  keyDim?: number;
  dtype?: FloatDType;
}

/**
 * Luong's multiplicative attention. 'general' learns weight W [queryDim, keyDim] (no bias):
 * score = s^T W a. 'dot' and 'scaled' have no parameters and need queryDim = keyDim.
 */
export class DotProductAttention extends Module {
  readonly score: DotProductScore;
  readonly queryDim: number | null;
  readonly keyDim: number | null;
  /** W of the 'general' score, as a Linear from key features to query features (weight [queryDim, keyDim]). */
  keyProj: Linear | null;

  constructor(options: DotProductAttentionOptions = {}, ...extra: []) {
    super();
    parseOptions('DotProductAttention', options, { score: oneOf('dot', 'general', 'scaled'), queryDim: int, keyDim: int, dtype: floatDtype }, extra);
    const score = options.score ?? 'dot';
    if (score !== 'dot' && score !== 'general' && score !== 'scaled') {
      throw new Error(`DotProductAttention: score must be 'dot', 'general' or 'scaled', got ${String(score)}`);
    }
    this.score = score;
    this.queryDim = options.queryDim ?? null;
    this.keyDim = options.keyDim ?? null;
    if (this.queryDim !== null) checkPositiveInt('DotProductAttention', 'queryDim', this.queryDim);
    if (this.keyDim !== null) checkPositiveInt('DotProductAttention', 'keyDim', this.keyDim);
    if (score === 'general') {
      if (this.queryDim === null || this.keyDim === null) throw new Error("DotProductAttention: the 'general' score needs queryDim and keyDim (W is [queryDim, keyDim])");
      this.keyProj = new Linear(this.keyDim, this.queryDim, { bias: false, dtype: options.dtype ?? 'float32' });
    } else {
      if (this.queryDim !== null && this.keyDim !== null && this.queryDim !== this.keyDim) {
        throw new Error(`DotProductAttention: the '${score}' score needs queryDim = keyDim, got ${this.queryDim} and ${this.keyDim} (use 'general')`);
      }
      this.keyProj = null;
    }
  }

  /** query [B, Dq] or [B, L, Dq], keys [B, S, Dk], values [B, S, Dv] (default: the keys). Returns { context, weights }. */
  forward(query: Tensor, keys: Tensor, values: Tensor = keys, options: AttentionForwardOptions = {}): AttentionResult {
    const name = `DotProductAttention(${this.score})`;
    const { query3, single, mask } = checkInputs(name, query, keys, values, this.queryDim, this.keyDim, options);
    const projected = this.keyProj === null ? keys : this.keyProj.forward(keys);
    if (projected.shape[2] !== query3.shape[2]) {
      throw new Error(`${name}: query features ${query3.shape[2]} differ from key features ${projected.shape[2]}; use score 'general' to compare different sizes`);
    }
    let scores = matmul(query3, projected.transpose(1, 2)); // [B, L, S]
    if (this.score === 'scaled') scores = scores.div(Math.sqrt(query3.shape[2]!));
    return attend(scores, values, mask, single);
  }

  override extraRepr(): string {
    return `score=${this.score}` + (this.queryDim !== null ? `, queryDim=${this.queryDim}` : '') + (this.keyDim !== null ? `, keyDim=${this.keyDim}` : '');
  }
}
