/**
 * Keras conveniences for sequence models inside Sequential: RecurrentOutput turns a recurrent
 * layer's [output, state] into what Keras's return_sequences gives, and TimeDistributed applies a
 * module to every time step.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { shapeStr } from '../../tensor/shape.js';
import { Module } from '../module.js';
import { bool, parseOptions } from '../../ops/args.js';

export interface RecurrentOutputOptions {
  /** The whole output sequence (true) or one vector per sequence (false, the default), as Keras. */
  returnSequences?: boolean;
  /** The recurrent layer's batchFirst (default false, as PyTorch): where the time dim is. */
  batchFirst?: boolean;
}

type RecurrentResult = Tensor | readonly [Tensor, Tensor | readonly [Tensor, Tensor]];

/**
 * After an RNN/LSTM/GRU in a Sequential. With returnSequences, the output sequence; otherwise the
 * last layer's final hidden state [N, directions * H] read from the layer's state (so a
 * bidirectional layer's backward half is its state after the whole sequence, and sequences run with
 * `lengths` end at their own last step). Given a bare output tensor, its last time step.
 */
export class RecurrentOutput extends Module {
  readonly returnSequences: boolean;
  readonly batchFirst: boolean;

  constructor(options: RecurrentOutputOptions = {}, ...extra: []) {
    super();
    parseOptions('RecurrentOutput', options, { returnSequences: bool, batchFirst: bool }, extra);
    this.returnSequences = options.returnSequences ?? false;
    this.batchFirst = options.batchFirst ?? false;
  }

  forward(input: RecurrentResult): Tensor {
    const output = Array.isArray(input) ? (input as readonly [Tensor, unknown])[0] : (input as Tensor);
    if (output?.ndim !== 3) throw new Error(`RecurrentOutput: expected a recurrent layer's output [${this.batchFirst ? 'N, T' : 'T, N'}, H] (or [output, state]), got ${output === undefined ? 'nothing' : shapeStr(output.shape)}`);
    if (this.returnSequences) return output;
    if (!Array.isArray(input)) return output.select(this.batchFirst ? 1 : 0, -1);
    const state = (input as readonly [Tensor, Tensor | readonly [Tensor, Tensor]])[1];
    const h = Array.isArray(state) ? (state as readonly [Tensor, Tensor])[0] : (state as Tensor);
    const directions = output.shape[2]! / h.shape[2]!;
    if (!Number.isInteger(directions) || directions < 1 || h.shape[0]! < directions) throw new Error(`RecurrentOutput: state ${shapeStr(h.shape)} does not fit output ${shapeStr(output.shape)}`);
    const last = h.narrow(0, h.shape[0]! - directions, directions);
    return last.permute([1, 0, 2]).reshape([h.shape[1]!, directions * h.shape[2]!]);
  }

  override extraRepr(): string {
    return `returnSequences=${this.returnSequences}, batchFirst=${this.batchFirst}`;
  }
}

/** Applies `module` to each time step of [N, T, ...] input (Keras's TimeDistributed): [N, T, ...its output]. */
export class TimeDistributed extends Module {
  constructor(readonly module: Module, ...extra: []) {
    super();
    if (!(module instanceof Module)) throw new Error('TimeDistributed: expected a module to apply at each time step');
    if (extra.length > 0) throw new Error('TimeDistributed: takes one module');
  }

  forward(input: Tensor): Tensor {
    if (input.ndim < 3) throw new Error(`TimeDistributed: expected input [N, T, ...], got ${shapeStr(input.shape)}`);
    const [n, t] = [input.shape[0]!, input.shape[1]!];
    const out = (this.module as unknown as { forward(x: Tensor): unknown }).forward(input.reshape([n * t, ...input.shape.slice(2)]));
    if (typeof (out as Tensor)?.reshape !== 'function') throw new Error('TimeDistributed: the module must return a tensor');
    const y = out as Tensor;
    return y.reshape([n, t, ...y.shape.slice(1)]);
  }
}
