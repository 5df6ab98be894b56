/**
 * An encoder-decoder building block (Sutskever et al. 2014; with attention, Bahdanau et al. 2015):
 * a recurrent encoder (RNN, GRU or LSTM, optionally bidirectional) reads the source tokens; a
 * recurrent decoder cell emits the target one token at a time, attending over the encoder outputs
 * when attention is on. Step t (Bahdanau's order): context c<t> = attention(s<t-1>, encoder
 * outputs); s<t> = cell([embed(y<t-1>); c<t>], s<t-1>); logits = Linear([s<t>; c<t>]).
 * The decoder's first state is tanh(Linear(final encoder state)), both directions concatenated.
 *
 * forward() trains with teacher forcing (a ratio < 1 feeds the model's own predictions at random
 * steps); initialState() and step give the StepFunction that greedyDecode / beamSearch run.
 */
import { checkOptionKeys, requireOptions } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { rand, tensor, zeros } from '../tensor/creation.js';
import type { Generator } from '../tensor/random.js';
import { shapeStr } from '../tensor/shape.js';
import { tanh, where } from '../ops/elementwise.js';
import { argmax } from '../ops/reduce.js';
import { logSoftmax } from '../ops/nn.js';
import { cat, stack } from '../ops/join.js';
import { Module } from '../nn/module.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { Dropout } from '../nn/layers/dropout.js';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from '../nn/layers/recurrent.js';
import { AdditiveAttention, DotProductAttention } from '../nn/layers/additive-attention.js';
import type { StepFunction, StepResult } from './decode.js';

export type CellType = 'rnn' | 'gru' | 'lstm';
export type AttentionType = 'additive' | 'dot' | 'general' | 'scaled' | 'none';

export interface EncoderDecoderOptions {
  /** Source vocabulary size. */
  srcVocab: number;
  /** Target vocabulary size. */
  tgtVocab: number;
  /** Embedding features of source and target tokens (default 32). */
  embedDim?: number;
  /** Hidden features of each encoder direction (default 64). */
  encoderHidden?: number;
  /** Hidden features of the decoder cell (default 64). */
  decoderHidden?: number;
  /** Recurrent cell of encoder and decoder (default 'lstm'). */
  cell?: CellType;
  /** Stacked encoder layers (default 1). */
  encoderLayers?: number;
  /** Run the encoder both ways and concatenate (default true). */
  bidirectional?: boolean;
  /** How the decoder attends over the encoder outputs (default 'additive'; 'none': a plain encoder-decoder). */
  attention?: AttentionType;
  /** Hidden features of the additive attention's small network (default decoderHidden). */
  attentionDim?: number;
  /** Dropout on embeddings and on the decoder's output features in training mode (default 0). */
  dropout?: number;
  /** Source padding token: its embedding stays zero (default none). */
  srcPaddingIdx?: number;
}

/** The decoder's state during decoding: every tensor batch-first, so beam search can reorder rows. */
export interface DecoderState {
  /** Decoder hidden state s [B, decoderHidden]. */
  h: Tensor;
  /** LSTM cell state [B, decoderHidden] (null for RNN and GRU). */
  c: Tensor | null;
  /** Encoder outputs [B, S, encoderOut]. */
  memory: Tensor;
  /** U a of the additive attention, computed once per source [B, S, attentionDim] (null otherwise). */
  projectedKeys: Tensor | null;
  /** Bool [B, S]: source padding (null: none). */
  paddingMask: Tensor | null;
}

export interface EncodeOptions {
  /** Source lengths [B] (int32 tensor or numbers); positions at or past them are padding. */
  srcLengths?: Tensor | readonly number[];
}

export interface ForwardOptions extends EncodeOptions {
  /** Probability of feeding the ground-truth previous token at each step and sentence (default 1). */
  teacherForcingRatio?: number;
  /** Random source for the teacher-forcing draws. */
  generator?: Generator;
}

export interface ForwardResult {
  /** Next-token logits [B, T, tgtVocab]. */
  logits: Tensor;
  /** Attention weights [B, T, S] (null without attention). */
  attention: Tensor | null;
}

const OPTION_KEYS = [
  'srcVocab', 'tgtVocab', 'embedDim', 'encoderHidden', 'decoderHidden', 'cell', 'encoderLayers', 'bidirectional', 'attention',
  'attentionDim', 'dropout', 'srcPaddingIdx',
];

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`EncoderDecoder: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** A recurrent encoder-decoder with optional attention (see the file comment). */
export class EncoderDecoder extends Module {
  readonly srcVocab: number;
  readonly tgtVocab: number;
  readonly cell: CellType;
  readonly attentionType: AttentionType;
  readonly encoderOut: number;
  readonly decoderHidden: number;
  srcEmbedding: Embedding;
  tgtEmbedding: Embedding;
  encoder: RNN | GRU | LSTM;
  bridge: Linear;
  decoderCell: RNNCell | GRUCell | LSTMCell;
  attention: AdditiveAttention | DotProductAttention | null;
  output: Linear;
  drop: Dropout;

  constructor(options: EncoderDecoderOptions) {
    super();
    requireOptions('EncoderDecoder', options, ['srcVocab', 'tgtVocab', '...']);
    checkOptionKeys('EncoderDecoder', options, OPTION_KEYS);
    this.srcVocab = positiveInt('srcVocab', options.srcVocab);
    this.tgtVocab = positiveInt('tgtVocab', options.tgtVocab);
    const embedDim = positiveInt('embedDim', options.embedDim ?? 32);
    const encoderHidden = positiveInt('encoderHidden', options.encoderHidden ?? 64);
    this.decoderHidden = positiveInt('decoderHidden', options.decoderHidden ?? 64);
    const layers = positiveInt('encoderLayers', options.encoderLayers ?? 1);
    const cell = options.cell ?? 'lstm';
    if (cell !== 'rnn' && cell !== 'gru' && cell !== 'lstm') throw new Error(`EncoderDecoder: cell must be 'rnn', 'gru' or 'lstm', got ${String(cell)}`);
    this.cell = cell;
    const attention = options.attention ?? 'additive';
    if (!['additive', 'dot', 'general', 'scaled', 'none'].includes(attention)) {
      throw new Error(`EncoderDecoder: attention must be 'additive', 'dot', 'general', 'scaled' or 'none', got ${String(attention)}`);
    }
    this.attentionType = attention;
    const bidirectional = options.bidirectional ?? true;
    if (typeof bidirectional !== 'boolean') throw new Error('EncoderDecoder: bidirectional must be a boolean');
    this.encoderOut = encoderHidden * (bidirectional ? 2 : 1);
    if ((attention === 'dot' || attention === 'scaled') && this.encoderOut !== this.decoderHidden) {
      throw new Error(`EncoderDecoder: the '${attention}' score needs decoderHidden = encoder output features (${this.encoderOut}), got ${this.decoderHidden}; use 'general' or 'additive'`);
    }
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new Error(`EncoderDecoder: dropout must be in [0, 1), got ${String(dropout)}`);

    this.srcEmbedding = new Embedding(this.srcVocab, embedDim, options.srcPaddingIdx === undefined ? {} : { paddingIdx: options.srcPaddingIdx });
    this.tgtEmbedding = new Embedding(this.tgtVocab, embedDim);
    const rnnOptions = { batchFirst: true, bidirectional, numLayers: layers };
    this.encoder = cell === 'lstm' ? new LSTM(embedDim, encoderHidden, rnnOptions) : cell === 'gru' ? new GRU(embedDim, encoderHidden, rnnOptions) : new RNN(embedDim, encoderHidden, rnnOptions);
    this.bridge = new Linear(this.encoderOut, this.decoderHidden);
    const context = attention === 'none' ? 0 : this.encoderOut;
    const cellInput = embedDim + context;
    this.decoderCell = cell === 'lstm' ? new LSTMCell(cellInput, this.decoderHidden) : cell === 'gru' ? new GRUCell(cellInput, this.decoderHidden) : new RNNCell(cellInput, this.decoderHidden);
    this.attention =
      attention === 'none'
        ? null
        : attention === 'additive'
          ? new AdditiveAttention(this.decoderHidden, this.encoderOut, positiveInt('attentionDim', options.attentionDim ?? this.decoderHidden))
          : new DotProductAttention({ score: attention, queryDim: this.decoderHidden, keyDim: this.encoderOut });
    this.output = new Linear(this.decoderHidden + context, this.tgtVocab);
    this.drop = new Dropout(dropout);
  }

  private checkTokens(what: string, t: Tensor, vocab: number): void {
    if (!(t instanceof Tensor) || t.dtype !== 'int32' || t.ndim !== 2) {
      throw new Error(`EncoderDecoder: ${what} must be int32 token ids [B, T], got ${t instanceof Tensor ? `${t.dtype} ${shapeStr(t.shape)}` : typeof t}`);
    }
    if (t.numel() > 0) {
      const max = t.max().item();
      const min = t.min().item();
      if (min < 0 || max >= vocab) throw new Error(`EncoderDecoder: ${what} holds token ${min < 0 ? min : max}, outside the vocabulary of ${vocab}`);
    }
  }

  /** Runs the encoder over src int32 [B, S]: the decoder's first state, with the memory it attends over. */
  initialState(src: Tensor, options: EncodeOptions = {}): DecoderState {
    this.checkTokens('src', src, this.srcVocab);
    checkOptionKeys('EncoderDecoder.initialState', options, ['srcLengths']);
    const [batch, steps] = src.shape as [number, number];
    const embedded = this.drop.forward(this.srcEmbedding.forward(src));
    const lengths = options.srcLengths;
    const rnnOptions = lengths === undefined ? {} : { lengths };
    let memory: Tensor;
    let hN: Tensor;
    if (this.encoder instanceof LSTM) {
      const [out, [h]] = this.encoder.forward(embedded, null, rnnOptions);
      memory = out;
      hN = h;
    } else {
      const [out, h] = this.encoder.forward(embedded, null, rnnOptions);
      memory = out;
      hN = h;
    }
    // hN [layers * D, B, H]: the last layer's directions, concatenated.
    const directions = this.encoder.bidirectional ? 2 : 1;
    const last = hN.narrow(0, hN.shape[0]! - directions, directions).transpose(0, 1).reshape([batch, this.encoderOut]);
    const h = tanh(this.bridge.forward(last));
    let paddingMask: Tensor | null = null;
    if (lengths !== undefined) {
      const lens = lengths instanceof Tensor ? Array.from(lengths.toTypedArray()) : [...lengths];
      paddingMask = tensor(Array.from({ length: batch }, (_, b) => Array.from({ length: steps }, (_, s) => s >= lens[b]!)), { dtype: 'bool' });
    }
    return {
      h,
      c: this.cell === 'lstm' ? zeros(h.shape, { dtype: h.dtype }) : null,
      memory,
      projectedKeys: this.attention instanceof AdditiveAttention ? this.attention.projectKeys(memory) : null,
      paddingMask,
    };
  }

  /** One decoder step: previous tokens int32 [B] -> logits [B, V], attention weights [B, S] (or null), next state. */
  decodeStep(tokens: Tensor, state: DecoderState): { logits: Tensor; weights: Tensor | null; state: DecoderState } {
    if (!(tokens instanceof Tensor) || tokens.dtype !== 'int32' || tokens.ndim !== 1 || tokens.shape[0] !== state.h.shape[0]) {
      throw new Error(`EncoderDecoder: decodeStep takes int32 tokens [${state.h.shape[0]}], got ${tokens instanceof Tensor ? `${tokens.dtype} ${shapeStr(tokens.shape)}` : typeof tokens}`);
    }
    const embedded = this.drop.forward(this.tgtEmbedding.forward(tokens));
    let context: Tensor | null = null;
    let weights: Tensor | null = null;
    if (this.attention !== null) {
      const options = { keyPaddingMask: state.paddingMask };
      const r = this.attention instanceof AdditiveAttention
        ? this.attention.forward(state.h, state.memory, state.memory, { ...options, projectedKeys: state.projectedKeys ?? undefined })
        : this.attention.forward(state.h, state.memory, state.memory, options);
      context = r.context;
      weights = r.weights;
    }
    const input = context === null ? embedded : cat([embedded, context], 1);
    let h: Tensor;
    let c: Tensor | null = null;
    if (this.decoderCell instanceof LSTMCell) {
      [h, c] = this.decoderCell.forward(input, [state.h, state.c!]);
    } else {
      h = this.decoderCell.forward(input, state.h);
    }
    const features = context === null ? h : cat([h, context], 1);
    const logits = this.output.forward(this.drop.forward(features));
    return { logits, weights, state: { ...state, h, c } };
  }

  /** The StepFunction for greedyDecode / beamSearch (log-probabilities of the next token). */
  readonly step: StepFunction<DecoderState> = (tokens: Tensor, state: DecoderState): StepResult<DecoderState> => {
    const r = this.decodeStep(tokens, state);
    return { logProbs: logSoftmax(r.logits, -1), state: r.state };
  };

  /**
   * Teacher-forced decoding for training: src int32 [B, S], tgtIn int32 [B, T] (the target shifted
   * right: BOS, y1, ..., y(T-1)). Returns logits [B, T, V] for y1..yT and the attention weights.
   */
  forward(src: Tensor, tgtIn: Tensor, options: ForwardOptions = {}): ForwardResult {
    checkOptionKeys('EncoderDecoder.forward', options, ['srcLengths', 'teacherForcingRatio', 'generator']);
    this.checkTokens('tgtIn', tgtIn, this.tgtVocab);
    if (tgtIn.shape[0] !== src.shape[0]) throw new Error(`EncoderDecoder: src batch ${src.shape[0]} differs from tgtIn batch ${tgtIn.shape[0]}`);
    const { teacherForcingRatio = 1, generator, ...encode } = options;
    if (typeof teacherForcingRatio !== 'number' || !(teacherForcingRatio >= 0 && teacherForcingRatio <= 1)) {
      throw new Error(`EncoderDecoder: teacherForcingRatio must be in [0, 1], got ${String(teacherForcingRatio)}`);
    }
    let state = this.initialState(src, encode);
    const steps = tgtIn.shape[1]!;
    const logits: Tensor[] = [];
    const weights: Tensor[] = [];
    let previous: Tensor | null = null;
    for (let t = 0; t < steps; t++) {
      let tokens = tgtIn.select(1, t);
      if (previous !== null && teacherForcingRatio < 1) {
        const own = argmax(previous.detach(), -1).to('int32');
        const teach = rand([tokens.shape[0]!], generator === undefined ? {} : { generator }).lt(teacherForcingRatio);
        tokens = where(teach, tokens, own);
      }
      const r = this.decodeStep(tokens, state);
      state = r.state;
      previous = r.logits;
      logits.push(r.logits);
      if (r.weights !== null) weights.push(r.weights);
    }
    return { logits: stack(logits, 1), attention: weights.length === 0 ? null : stack(weights, 1) };
  }

  override extraRepr(): string {
    return `cell=${this.cell}, srcVocab=${this.srcVocab}, tgtVocab=${this.tgtVocab}, attention=${this.attentionType}`;
  }
}
