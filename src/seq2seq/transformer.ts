/**
 * A Transformer encoder-decoder for token sequences ("Attention Is All You Need", as PyTorch's
 * translation tutorial builds it): token embeddings scaled by sqrt(dModel) plus sinusoidal
 * positional encodings, nn.Transformer's encoder and decoder stacks (batch-first), a causal mask on
 * the decoder's self-attention, key padding masks from the source (and target) lengths, and a
 * Linear to the target vocabulary.
 *
 * forward() trains with teacher forcing; initialState() and step give the StepFunction that
 * greedyDecode / beamSearch run (the same decoders the recurrent EncoderDecoder uses). The state
 * keeps the tokens decoded so far and each step re-runs the decoder over them, so step t's
 * log-probabilities equal the teacher-forced ones at position t.
 */
import { checkOptionKeys, requireOptions } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/creation.js';
import { shapeStr } from '../tensor/shape.js';
import { logSoftmax } from '../ops/nn.js';
import { cat } from '../ops/join.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Module } from '../nn/module.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Linear } from '../nn/layers/linear.js';
import { PositionalEncoding } from '../nn/layers/positional.js';
import { Transformer } from '../nn/layers/transformer.js';
import { generateSquareSubsequentMask } from '../nn/functional/attention.js';
import type { StepFunction, StepResult } from './decode.js';

export interface TransformerSeq2SeqOptions {
  /** Source vocabulary size. */
  srcVocab: number;
  /** Target vocabulary size. */
  tgtVocab: number;
  /** Model features (default 128). */
  dModel?: number;
  /** Attention heads; must divide dModel (default 4). */
  nhead?: number;
  /** Encoder layers (default 2). */
  numEncoderLayers?: number;
  /** Decoder layers (default 2). */
  numDecoderLayers?: number;
  /** Hidden features of each feed-forward block (default 4 * dModel). */
  dimFeedforward?: number;
  /** Dropout of the positional encoding and every layer in training mode (default 0.1). */
  dropout?: number;
  /** Longest source or target sequence (the positional table's length, default 512). */
  maxLen?: number;
  /** Source padding token: its embedding stays zero (default none; pass srcLengths to mask padding). */
  srcPaddingIdx?: number;
}

/** The decoder's state during decoding: every tensor batch-first, so beam search can reorder rows. */
export interface TransformerDecoderState {
  /** Encoder output [B, S, dModel]. */
  memory: Tensor;
  /** Bool [B, S], true at source padding (null: none). */
  memoryKeyPaddingMask: Tensor | null;
  /** The target tokens fed so far, int32 [B, t] (null before the first step). */
  prefix: Tensor | null;
}

export interface TransformerEncodeOptions {
  /** Source lengths [B] (int32 tensor or numbers); positions at or past them are padding. */
  srcLengths?: Tensor | readonly number[];
}

export interface TransformerForwardOptions extends TransformerEncodeOptions {
  /** Target lengths [B]; positions at or past them are padding (their outputs are not meaningful). */
  tgtLengths?: Tensor | readonly number[];
}

const OPTION_KEYS = ['srcVocab', 'tgtVocab', 'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'dropout', 'maxLen', 'srcPaddingIdx'];

function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`TransformerSeq2Seq: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

/** Bool [B, T], true at positions t >= lengths[b]. */
function paddingMask(what: string, lengths: Tensor | readonly number[], batch: number, steps: number): Tensor {
  const lens = lengths instanceof Tensor ? Array.from(lengths.toTypedArray() as ArrayLike<number>) : Array.isArray(lengths) ? [...lengths] : null;
  if (lens === null || lens.length !== batch || lens.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > steps)) {
    throw new Error(`TransformerSeq2Seq: ${what} must hold ${batch} integers in [1, ${steps}], got ${lengths instanceof Tensor ? shapeStr(lengths.shape) : JSON.stringify(lengths)}`);
  }
  return tensor(lens.map((n) => Array.from({ length: steps }, (_, t) => t >= n)), { dtype: 'bool' });
}

/** A Transformer encoder-decoder over token ids (see the file comment). */
export class TransformerSeq2Seq extends Module {
  readonly srcVocab: number;
  readonly tgtVocab: number;
  readonly dModel: number;
  readonly maxLen: number;
  srcEmbedding: Embedding;
  tgtEmbedding: Embedding;
  positional: PositionalEncoding;
  transformer: Transformer;
  output: Linear;

  constructor(options: TransformerSeq2SeqOptions) {
    super();
    requireOptions('TransformerSeq2Seq', options, ['srcVocab', 'tgtVocab', '...']);
    checkOptionKeys('TransformerSeq2Seq', options, OPTION_KEYS);
    this.srcVocab = positiveInt('srcVocab', options.srcVocab);
    this.tgtVocab = positiveInt('tgtVocab', options.tgtVocab);
    this.dModel = positiveInt('dModel', options.dModel ?? 128);
    const nhead = positiveInt('nhead', options.nhead ?? 4);
    if (this.dModel % nhead !== 0) throw new Error(`TransformerSeq2Seq: nhead ${nhead} must divide dModel ${this.dModel}`);
    this.maxLen = positiveInt('maxLen', options.maxLen ?? 512);
    const dropout = options.dropout ?? 0.1;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw new Error(`TransformerSeq2Seq: dropout must be in [0, 1), got ${String(dropout)}`);
    this.srcEmbedding = new Embedding(this.srcVocab, this.dModel, options.srcPaddingIdx === undefined ? {} : { paddingIdx: options.srcPaddingIdx });
    this.tgtEmbedding = new Embedding(this.tgtVocab, this.dModel);
    // N(0, 1/dModel) as fairseq initialises them: scaled by sqrt(dModel), the embeddings have unit
    // variance, the same size as the positional encodings, instead of drowning them (N(0, 1) x sqrt(dModel)).
    noGrad(() => {
      this.srcEmbedding.weight.mul_(1 / Math.sqrt(this.dModel));
      this.tgtEmbedding.weight.mul_(1 / Math.sqrt(this.dModel));
    });
    this.positional = new PositionalEncoding(this.dModel, { dropout, maxLen: this.maxLen, batchFirst: true });
    this.transformer = new Transformer({
      dModel: this.dModel, nhead, batchFirst: true, dropout,
      numEncoderLayers: positiveInt('numEncoderLayers', options.numEncoderLayers ?? 2),
      numDecoderLayers: positiveInt('numDecoderLayers', options.numDecoderLayers ?? 2),
      dimFeedforward: positiveInt('dimFeedforward', options.dimFeedforward ?? 4 * this.dModel),
    });
    this.output = new Linear(this.dModel, this.tgtVocab);
  }

  private checkTokens(what: string, t: unknown, vocab: number): asserts t is Tensor {
    if (!(t instanceof Tensor) || t.dtype !== 'int32' || t.ndim !== 2 || t.shape[1] === 0) {
      throw new Error(`TransformerSeq2Seq: ${what} must be int32 token ids [B, T] with T >= 1, got ${t instanceof Tensor ? `${t.dtype} ${shapeStr(t.shape)}` : typeof t}`);
    }
    if (t.shape[1]! > this.maxLen) throw new Error(`TransformerSeq2Seq: ${what} has ${t.shape[1]} steps, more than maxLen ${this.maxLen}`);
    if (t.numel() > 0) {
      const max = t.max().item();
      const min = t.min().item();
      if (min < 0 || max >= vocab) throw new Error(`TransformerSeq2Seq: ${what} holds token ${min < 0 ? min : max}, outside the vocabulary of ${vocab}`);
    }
  }

  private embed(embedding: Embedding, tokens: Tensor): Tensor {
    return this.positional.forward(embedding.forward(tokens).mul(Math.sqrt(this.dModel)));
  }

  /** Runs the encoder over src int32 [B, S]: the decoding state before the first step. */
  initialState(src: Tensor, options: TransformerEncodeOptions = {}): TransformerDecoderState {
    this.checkTokens('src', src, this.srcVocab);
    checkOptionKeys('TransformerSeq2Seq.initialState', options, ['srcLengths']);
    const [batch, steps] = src.shape as [number, number];
    const mask = options.srcLengths === undefined ? null : paddingMask('srcLengths', options.srcLengths, batch, steps);
    const memory = this.transformer.encoder.forward(this.embed(this.srcEmbedding, src), { srcKeyPaddingMask: mask });
    return { memory, memoryKeyPaddingMask: mask, prefix: null };
  }

  /** Logits [B, T, tgtVocab] of the decoder over tgtIn [B, T], each position seeing only itself and earlier ones. */
  decode(tgtIn: Tensor, state: TransformerDecoderState, tgtKeyPaddingMask: Tensor | null = null): Tensor {
    this.checkTokens('tgtIn', tgtIn, this.tgtVocab);
    if (tgtIn.shape[0] !== state.memory.shape[0]) throw new Error(`TransformerSeq2Seq: tgtIn batch ${tgtIn.shape[0]} differs from the source batch ${state.memory.shape[0]}`);
    const hidden = this.transformer.decoder.forward(this.embed(this.tgtEmbedding, tgtIn), state.memory, {
      tgtMask: generateSquareSubsequentMask(tgtIn.shape[1]!, state.memory.dtype === 'float64' ? 'float64' : 'float32'),
      tgtKeyPaddingMask,
      memoryKeyPaddingMask: state.memoryKeyPaddingMask,
    });
    return this.output.forward(hidden);
  }

  /** The StepFunction for greedyDecode / beamSearch: appends tokens [B] to the prefix, returns the next token's log-probabilities. */
  readonly step: StepFunction<TransformerDecoderState> = (tokens: Tensor, state: TransformerDecoderState): StepResult<TransformerDecoderState> => {
    const rows = state.memory.shape[0]!;
    if (!(tokens instanceof Tensor) || tokens.dtype !== 'int32' || tokens.ndim !== 1 || tokens.shape[0] !== rows) {
      throw new Error(`TransformerSeq2Seq: step takes int32 tokens [${rows}], got ${tokens instanceof Tensor ? `${tokens.dtype} ${shapeStr(tokens.shape)}` : typeof tokens}`);
    }
    const column = tokens.reshape([rows, 1]);
    const prefix = state.prefix === null ? column : cat([state.prefix, column], 1);
    const logits = this.decode(prefix, state);
    const last = logits.select(1, prefix.shape[1]! - 1);
    return { logProbs: logSoftmax(last, -1), state: { ...state, prefix } };
  };

  /**
   * Teacher-forced decoding for training: src int32 [B, S], tgtIn int32 [B, T] (the target shifted
   * right: BOS, y1, ..., y(T-1)). Returns the logits [B, T, tgtVocab] of y1..yT.
   */
  forward(src: Tensor, tgtIn: Tensor, options: TransformerForwardOptions = {}): Tensor {
    checkOptionKeys('TransformerSeq2Seq.forward', options, ['srcLengths', 'tgtLengths']);
    const { tgtLengths, ...encode } = options;
    const state = this.initialState(src, encode);
    this.checkTokens('tgtIn', tgtIn, this.tgtVocab);
    const mask = tgtLengths === undefined ? null : paddingMask('tgtLengths', tgtLengths, tgtIn.shape[0]!, tgtIn.shape[1]!);
    return this.decode(tgtIn, state, mask);
  }

  override extraRepr(): string {
    return `srcVocab=${this.srcVocab}, tgtVocab=${this.tgtVocab}, dModel=${this.dModel}`;
  }
}
