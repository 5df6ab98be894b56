/**
 * Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, variable-length batches) and the
 * single-step cells RNNCell, LSTMCell, GRUCell. Parameter names, shapes, gate order and default
 * initialization (every weight and bias ~ U(-1/sqrt(hidden), 1/sqrt(hidden))) follow PyTorch, so
 * state dicts are interchangeable: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
 * `weight_ih_l0_reverse`, ...
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { Module, Parameter } from '../module.js';
import { traceRegion } from '../../autograd/trace.js';
import { uniform_ } from '../init.js';
import { empty, checkPositiveInt } from '../util.js';
import {
  gateCount,
  gruCell,
  lstmCell,
  recurrent,
  rnnCell,
  type RecurrentMode,
  type RecurrentResult,
  type RecurrentWeights,
  type SequenceMaskOptions,
} from '../functional/recurrent.js';
import { bool, checkOptions, floatDtype, inRange, int, oneOf, parseOptions } from '../../ops/args.js';

export interface RNNBaseOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [B, T, features] instead of [T, B, features] (default false). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer except the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second, reversed pass per layer and concatenate both outputs (default false). */
  bidirectional?: boolean;
  dtype?: FloatDType;
}

export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}

export interface LSTMOptions extends RNNBaseOptions {
  /**
   * Project each hidden state to this many features (torch's proj_size; 0 = none, the default):
   * h = (o * tanh(c)) W_hr^T with weight_hr_l{k} [projSize, hiddenSize]; must be < hiddenSize.
   */
  projSize?: number;
}

const RNN_BASE_SPEC = { numLayers: int, bias: bool, batchFirst: bool, dropout: inRange(0, 1), bidirectional: bool, dtype: floatDtype };
const RNN_SPEC = { ...RNN_BASE_SPEC, nonlinearity: oneOf('tanh', 'relu') };
const LSTM_SPEC = { ...RNN_BASE_SPEC, projSize: int };
const RNN_CELL_BASE_SPEC = { bias: bool, dtype: floatDtype };

/** Marks the padded steps of a batch of sequences of different lengths (see SequenceMaskOptions). */
export type RecurrentForwardOptions = SequenceMaskOptions;

const LAYER_NAMES: Record<RecurrentMode, string> = { rnnTanh: 'RNN', rnnRelu: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** What RNN, LSTM and GRU share: options, parameters and the call into F.recurrent. */
export abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The size of the projected hidden state (LSTM only; 0 = no projection). */
  readonly projSize: number;
  readonly #mode: RecurrentMode;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: LSTMOptions) {
    super();
    const layerName = LAYER_NAMES[mode];
    checkPositiveInt(layerName, 'inputSize', inputSize);
    checkPositiveInt(layerName, 'hiddenSize', hiddenSize);
    const numLayers = options.numLayers ?? 1;
    checkPositiveInt(layerName, 'numLayers', numLayers);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new Error(`${layerName}: dropout must be a probability in [0, 1], got ${String(dropout)}`);
    }
    const projSize = options.projSize ?? 0;
    if (projSize !== 0) {
      if (mode !== 'lstm') throw new Error(`${layerName}: projSize is only supported for LSTM, not RNN or GRU`);
      if (!Number.isInteger(projSize) || projSize < 0) throw new Error(`LSTM: projSize must be a non-negative integer (0 = no projection), got ${String(projSize)}`);
      if (projSize >= hiddenSize) throw new Error(`LSTM: projSize (${projSize}) must be smaller than hiddenSize (${hiddenSize})`);
    }
    this.#mode = mode;
    this.projSize = projSize;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = options.bidirectional ?? false;
    const dtype = options.dtype ?? 'float32';
    const rows = gateCount(mode) * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const stateSize = projSize > 0 ? projSize : hiddenSize;
    for (let layer = 0; layer < numLayers; layer++) {
      const layerInput = layer === 0 ? inputSize : stateSize * directions;
      for (let d = 0; d < directions; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${suffix}`, new Parameter(empty([rows, layerInput], dtype)));
        this.registerParameter(`weight_hh${suffix}`, new Parameter(empty([rows, stateSize], dtype)));
        if (this.bias) {
          this.registerParameter(`bias_ih${suffix}`, new Parameter(empty([rows], dtype)));
          this.registerParameter(`bias_hh${suffix}`, new Parameter(empty([rows], dtype)));
        }
        if (projSize > 0) this.registerParameter(`weight_hr${suffix}`, new Parameter(empty([projSize, hiddenSize], dtype)));
      }
    }
    this.resetParameters();
  }

  /** Re-draws every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters({ recurse: false })) uniform_(p, -bound, bound);
  }

  /** Each layer's directions' weights, in PyTorch's order (l0, l0_reverse, l1, ...). */
  layerWeights(): RecurrentWeights[] {
    const own = new Map(this.namedParameters({ recurse: false }));
    const out: RecurrentWeights[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let d = 0; d < (this.bidirectional ? 2 : 1); d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        out.push({
          weightIh: own.get(`weight_ih${suffix}`)!,
          weightHh: own.get(`weight_hh${suffix}`)!,
          biasIh: own.get(`bias_ih${suffix}`) ?? null,
          biasHh: own.get(`bias_hh${suffix}`) ?? null,
          weightHr: own.get(`weight_hr${suffix}`) ?? null,
        });
      }
    }
    return out;
  }

  /** The layer as error messages name it: 'LSTM(input 64, hidden 128)'. */
  protected describe(): string {
    return `${LAYER_NAMES[this.#mode]}(input ${this.inputSize}, hidden ${this.hiddenSize}${this.projSize > 0 ? `, proj ${this.projSize}` : ''})`;
  }

  protected run(input: Tensor, hx: Tensor | readonly [Tensor, Tensor] | null | undefined, options: RecurrentForwardOptions): RecurrentResult {
    const run = (): RecurrentResult =>
      recurrent(input, hx, this.layerWeights(), {
        ...options,
        mode: this.#mode,
        bidirectional: this.bidirectional,
        batchFirst: this.batchFirst,
        dropout: this.dropout,
        training: this.training,
        name: this.describe(),
      });
    // A graph exporter sees the whole layer as one op (ONNX's RNN/LSTM/GRU nodes).
    const [h0, c0] = hx == null ? [null, null] : Array.isArray(hx) ? [hx[0]!, hx[1]!] : [hx as Tensor, null];
    const traced: RecurrentTrace = { mode: this.#mode, layer: this, lengths: options.lengths !== undefined || options.paddingMask !== undefined };
    return traceRegion('recurrent', [input, h0, c0], traced, run, (r) => (r.cN == null ? [r.output, r.hN] : [r.output, r.hN, r.cN]));
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.#mode === 'rnnRelu') parts.push(`nonlinearity='relu'`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    if (this.projSize > 0) parts.push(`projSize=${this.projSize}`);
    return parts.join(', ');
  }
}

/**
 * A multi-layer Elman RNN (torch.nn.RNN): h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
 * (or relu). forward(input, h0?, { lengths }) returns [output, hN].
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}, ...extra: []) {
    parseOptions('RNN', options, RNN_SPEC, extra);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    super(nonlinearity === 'relu' ? 'rnnRelu' : 'rnnTanh', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** input [T, B, I] ([B, T, I] with batchFirst, or [T, I]); h0 [numLayers*D, B, H]. */
  forward(input: Tensor, hx?: Tensor | null, options: RecurrentForwardOptions = {}): [Tensor, Tensor] {
    const r = this.run(input, hx, options);
    return [r.output, r.hN];
  }
}

/**
 * A multi-layer long short-term memory network (torch.nn.LSTM), gates in PyTorch's order
 * i, f, g, o, optionally with projections (projSize). forward(input, [h0, c0]?, { lengths })
 * returns [output, [hN, cN]].
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}, ...extra: []) {
    super('lstm', inputSize, hiddenSize, checkOptions('LSTM', options, LSTM_SPEC, extra));
  }

  /**
   * input [T, B, I] ([B, T, I] with batchFirst, or [T, I]); h0 [numLayers*D, B, H] and c0
   * [numLayers*D, B, H] (h0 [numLayers*D, B, projSize] with projections).
   */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null, options: RecurrentForwardOptions = {}): [Tensor, [Tensor, Tensor]] {
    const r = this.run(input, hx, options);
    return [r.output, [r.hN, r.cN!]];
  }
}

/**
 * A multi-layer gated recurrent unit network (torch.nn.GRU), gates r, z, n with
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). forward(input, h0?, { lengths }) returns [output, hN].
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}, ...extra: []) {
    super('gru', inputSize, hiddenSize, checkOptions('GRU', options, RNN_BASE_SPEC, extra));
  }

  /** input [T, B, I] ([B, T, I] with batchFirst, or [T, I]); h0 [numLayers*D, B, H]. */
  forward(input: Tensor, hx?: Tensor | null, options: RecurrentForwardOptions = {}): [Tensor, Tensor] {
    const r = this.run(input, hx, options);
    return [r.output, r.hN];
  }
}

/** What a graph exporter gets for a recurrent layer's forward (op 'recurrent'; inputs input, h0, c0). */
export interface RecurrentTrace {
  readonly mode: RecurrentMode;
  readonly layer: RNNBase;
  /** Whether lengths or a padding mask were given (not exportable). */
  readonly lengths: boolean;
}

// ---- cells ------------------------------------------------------------------------------------

export interface RNNCellBaseOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  dtype?: FloatDType;
}

export interface RNNCellOptions extends RNNCellBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/** The parameters of a single-step cell: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh [G*H]. */
abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;

  constructor(layerName: string, gates: number, inputSize: number, hiddenSize: number, options: RNNCellBaseOptions) {
    super();
    checkPositiveInt(layerName, 'inputSize', inputSize);
    checkPositiveInt(layerName, 'hiddenSize', hiddenSize);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = options.bias ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weightIh = new Parameter(empty([gates * hiddenSize, inputSize], dtype));
    this.weightHh = new Parameter(empty([gates * hiddenSize, hiddenSize], dtype));
    this.biasIh = this.bias ? new Parameter(empty([gates * hiddenSize], dtype)) : null;
    this.biasHh = this.bias ? new Parameter(empty([gates * hiddenSize], dtype)) : null;
    this.resetParameters();
  }

  /** Re-draws every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)), as PyTorch. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters({ recurse: false })) uniform_(p, -bound, bound);
  }

  protected weights(): RecurrentWeights {
    return { weightIh: this.weightIh, weightHh: this.weightHh, biasIh: this.biasIh, biasHh: this.biasHh };
  }

  protected describe(): string {
    return `${this.constructor.name}(input ${this.inputSize}, hidden ${this.hiddenSize})`;
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/** One Elman RNN step (torch.nn.RNNCell): forward(input [B, I] or [I], h?) returns h'. */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}, ...extra: []) {
    parseOptions('RNNCell', options, { ...RNN_CELL_BASE_SPEC, nonlinearity: oneOf('tanh', 'relu') }, extra);
    const nonlinearity = options.nonlinearity ?? 'tanh';
    super('RNNCell', 1, inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return rnnCell(input, hx, this.weights(), this.nonlinearity, this.describe());
  }

  override extraRepr(): string {
    return `${super.extraRepr()}${this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : ''}`;
  }
}

/** One LSTM step (torch.nn.LSTMCell): forward(input [B, I] or [I], [h, c]?) returns [h', c']. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}, ...extra: []) {
    super('LSTMCell', 4, inputSize, hiddenSize, checkOptions('LSTMCell', options, RNN_CELL_BASE_SPEC, extra));
  }

  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    return lstmCell(input, hx, this.weights(), this.describe());
  }
}

/** One GRU step (torch.nn.GRUCell): forward(input [B, I] or [I], h?) returns h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNCellBaseOptions = {}, ...extra: []) {
    super('GRUCell', 3, inputSize, hiddenSize, checkOptions('GRUCell', options, RNN_CELL_BASE_SPEC, extra));
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return gruCell(input, hx, this.weights(), this.describe());
  }
}
