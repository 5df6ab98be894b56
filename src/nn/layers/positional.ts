/**
 * Sinusoidal positional encoding ("Attention Is All You Need", section 3.5), as in PyTorch's
 * transformer tutorial: PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)),
 * added to the input, then dropout. The table is a buffer `pe` of shape [maxLen, 1, dModel], so a
 * state dict saved from the tutorial's module loads.
 */
import { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add } from '../../ops/elementwise.js';
import { narrow, transpose } from '../../ops/movement.js';
import { Module } from '../module.js';
import { Dropout } from './dropout.js';
import { checkPositiveInt } from '../util.js';
import { bool, floatDtype, inRange, int, parseOptions } from '../../ops/args.js';

export interface PositionalEncodingOptions {
  /** Dropout after adding the encoding (default 0.1, as the tutorial). */
  dropout?: number;
  /** The longest sequence the table covers (default 5000). */
  maxLen?: number;
  /** Input is [B, T, dModel] instead of [T, B, dModel] (default false). */
  batchFirst?: boolean;
  dtype?: FloatDType;
}

/** The sinusoid table [maxLen, dModel], computed in float64 then rounded to dtype. */
export function sinusoidalTable(maxLen: number, dModel: number, dtype: FloatDType = 'float32'): Tensor {
  const data = new Float64Array(maxLen * dModel);
  const scale = -Math.log(10000) / dModel;
  for (let i = 0; 2 * i < dModel; i++) {
    const frequency = Math.exp(2 * i * scale);
    for (let pos = 0; pos < maxLen; pos++) {
      const angle = pos * frequency;
      data[pos * dModel + 2 * i] = Math.sin(angle);
      if (2 * i + 1 < dModel) data[pos * dModel + 2 * i + 1] = Math.cos(angle);
    }
  }
  const table = Tensor.fromData(data, [maxLen, dModel], 'float64');
  return dtype === 'float64' ? table : table.to(dtype);
}

/** Adds the sinusoidal position of each time step to the input, then applies dropout. */
export class PositionalEncoding extends Module {
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  dropout: Dropout;

  constructor(dModel: number, options: PositionalEncodingOptions = {}, ...extra: []) {
    super();
    parseOptions('PositionalEncoding', options, { dropout: inRange(0, 1), maxLen: int, batchFirst: bool, dtype: floatDtype }, extra);
    checkPositiveInt('PositionalEncoding', 'dModel', dModel);
    const maxLen = options.maxLen ?? 5000;
    checkPositiveInt('PositionalEncoding', 'maxLen', maxLen);
    this.dModel = dModel;
    this.maxLen = maxLen;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = new Dropout(options.dropout ?? 0.1);
    this.registerBuffer('pe', sinusoidalTable(maxLen, dModel, options.dtype ?? 'float32').reshape(maxLen, 1, dModel));
  }

  /** x [T, B, dModel] ([B, T, dModel] with batchFirst) plus the encodings of positions 0..T-1. */
  forward(x: Tensor): Tensor {
    const timeDim = this.batchFirst ? 1 : 0;
    if (!(x instanceof Tensor) || x.ndim !== 3 || x.shape[2] !== this.dModel) {
      const layout = this.batchFirst ? `[B, T, ${this.dModel}]` : `[T, B, ${this.dModel}]`;
      throw new Error(`PositionalEncoding(dModel ${this.dModel}) expects input ${layout}, got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
    }
    const steps = x.shape[timeDim]!;
    if (steps > this.maxLen) {
      throw new Error(`PositionalEncoding(dModel ${this.dModel}): the sequence has ${steps} steps but the table covers maxLen ${this.maxLen}; build it with a larger maxLen`);
    }
    const pe = narrow(this.getBuffer('pe')!, 0, 0, steps);
    const encoded = add(x, this.batchFirst ? transpose(pe, 0, 1) : pe);
    return this.dropout.forward(encoded);
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, maxLen=${this.maxLen}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
