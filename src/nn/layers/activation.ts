/** Activation modules: thin wrappers over the elementwise ops and softmax. */
import type { Tensor } from '../../tensor/tensor.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { full } from '../../tensor/creation.js';
import { elu, gelu, leakyRelu, relu, selu, sigmoid, softplus, tanh } from '../../ops/elementwise.js';
import {
  celu, glu, hardshrink, hardsigmoid, hardswish, hardtanh, logsigmoid, mish, prelu, relu6, silu, softshrink, softsign, tanhshrink,
  threshold,
} from '../../ops/activation.js';
import { logSoftmax, softmax } from '../../ops/nn.js';
import { Module, Parameter } from '../module.js';
import { ArgumentFree, checkPositiveInt } from '../util.js';
import { check, checkArg, floatDtype, int, num, oneOf, parseArgs, parseOptions, type Args } from '../../ops/args.js';

const nonNegative = check<number>('a number >= 0', (v) => typeof v === 'number' && v >= 0);

/** max(0, x). */
export class ReLU extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

/** x for x > 0, negativeSlope * x otherwise (default slope 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(...args: Args<[negativeSlope: number], { negativeSlope?: number }>) {
    super();
    this.negativeSlope = parseArgs('LeakyReLU', args, { negativeSlope: num }).negativeSlope ?? 0.01;
  }
  forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export class ELU extends Module {
  readonly alpha: number;
  constructor(...args: Args<[alpha: number], { alpha?: number }>) {
    super();
    this.alpha = parseArgs('ELU', args, { alpha: num }).alpha ?? 1;
  }
  forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** Self-normalizing ELU with PyTorch's fixed alpha and scale. */
export class SELU extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return selu(input);
  }
}

/** x * Phi(x) (exact, with erf) or its tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(...args: Args<[approximate: 'none' | 'tanh'], { approximate?: 'none' | 'tanh' }>) {
    super();
    this.approximate = parseArgs('GELU', args, { approximate: oneOf('none', 'tanh') }).approximate ?? 'none';
  }
  forward(input: Tensor): Tensor {
    return gelu(input, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Sigmoid extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

export class Tanh extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** softmax along `dim` (required: PyTorch's implicit choice of dim is deprecated). */
export class Softmax extends Module {
  constructor(readonly dim: number, options: Record<string, never> = {}, ...extra: []) {
    super();
    checkArg('Softmax', 'dim', dim, int);
    parseOptions('Softmax', options, {}, extra);
  }
  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number, options: Record<string, never> = {}, ...extra: []) {
    super();
    checkArg('LogSoftmax', 'dim', dim, int);
    parseOptions('LogSoftmax', options, {}, extra);
  }
  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(1 + exp(beta * x)) / beta, linear above `threshold` for stability. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(...args: Args<[beta: number, threshold: number], { beta?: number; threshold?: number }>) {
    super();
    const { beta = 1, threshold = 20 } = parseArgs('Softplus', args, { beta: num, threshold: num });
    this.beta = beta;
    this.threshold = threshold;
  }
  forward(input: Tensor): Tensor {
    return softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** x * sigmoid(x). */
export class SiLU extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/** x * tanh(softplus(x)). */
export class Mish extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return mish(input);
  }
}

/** x * relu6(x + 3) / 6. */
export class Hardswish extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return hardswish(input);
  }
}

/** relu6(x + 3) / 6. */
export class Hardsigmoid extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return hardsigmoid(input);
  }
}

/** log(sigmoid(x)). */
export class LogSigmoid extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return logsigmoid(input);
  }
}

/** x / (1 + |x|). */
export class Softsign extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return softsign(input);
  }
}

/** x - tanh(x). */
export class Tanhshrink extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return tanhshrink(input);
  }
}

/** The gated linear unit over `dim` (default -1): a * sigmoid(b) for the two halves a, b. */
export class GLU extends Module {
  readonly dim: number;
  constructor(...args: Args<[dim: number], { dim?: number }>) {
    super();
    this.dim = parseArgs('GLU', args, { dim: int }).dim ?? -1;
  }
  forward(input: Tensor): Tensor {
    return glu(input, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** x clamped to [minVal, maxVal] (defaults -1 and 1). */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(...args: Args<[minVal: number, maxVal: number], { minVal?: number; maxVal?: number }>) {
    super();
    const { minVal = -1, maxVal = 1 } = parseArgs('Hardtanh', args, { minVal: num, maxVal: num });
    this.minVal = minVal;
    this.maxVal = maxVal;
    if (!(maxVal >= minVal)) throw new Error(`Hardtanh: maxVal (${String(maxVal)}) must be >= minVal (${String(minVal)})`);
  }
  forward(input: Tensor): Tensor {
    return hardtanh(input, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** min(max(x, 0), 6). */
export class ReLU6 extends ArgumentFree {
  forward(input: Tensor): Tensor {
    return relu6(input);
  }
}

/** max(0, x) + min(0, alpha * (exp(x / alpha) - 1)). */
export class CELU extends Module {
  readonly alpha: number;
  constructor(...args: Args<[alpha: number], { alpha?: number }>) {
    super();
    const alpha = parseArgs('CELU', args, { alpha: num }).alpha ?? 1;
    this.alpha = alpha;
    if (alpha === 0) throw new Error(`CELU: alpha must be a nonzero number, got ${String(alpha)}`);
  }
  forward(input: Tensor): Tensor {
    return celu(input, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x - lambd above lambd, x + lambd below -lambd, 0 between (default lambd 0.5). */
export class Softshrink extends Module {
  readonly lambd: number;
  constructor(...args: Args<[lambd: number], { lambd?: number }>) {
    super();
    this.lambd = parseArgs('Softshrink', args, { lambd: nonNegative }).lambd ?? 0.5;
  }
  forward(input: Tensor): Tensor {
    return softshrink(input, this.lambd);
  }
  override extraRepr(): string {
    return `lambd=${this.lambd}`;
  }
}

/** 0 on [-lambd, lambd], x elsewhere (default lambd 0.5). */
export class Hardshrink extends Module {
  readonly lambd: number;
  constructor(...args: Args<[lambd: number], { lambd?: number }>) {
    super();
    this.lambd = parseArgs('Hardshrink', args, { lambd: num }).lambd ?? 0.5;
  }
  forward(input: Tensor): Tensor {
    return hardshrink(input, this.lambd);
  }
  override extraRepr(): string {
    return `lambd=${this.lambd}`;
  }
}

/** x where x > threshold, value elsewhere (both required, as torch). */
export class Threshold extends Module {
  constructor(readonly threshold: number, readonly value: number, options: Record<string, never> = {}, ...extra: []) {
    super();
    checkArg('Threshold', 'threshold', threshold, num);
    checkArg('Threshold', 'value', value, num);
    parseOptions('Threshold', options, {}, extra);
  }
  forward(input: Tensor): Tensor {
    return threshold(input, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

export interface PReLUOptions {
  dtype?: FloatDType;
}

/**
 * x for x > 0, a * x otherwise, with a learned slope a: one for all channels (numParameters = 1,
 * the default) or one per channel (dim 1 of the input), initialized to `init` (0.25).
 */
export class PReLU extends Module {
  weight: Parameter;

  readonly init: number;
  constructor(...args: Args<[numParameters: number, init: number], PReLUOptions & { numParameters?: number; init?: number }>) {
    super();
    const spec = { numParameters: int, init: num, dtype: floatDtype };
    const { numParameters = 1, init = 0.25, dtype = 'float32' } = parseArgs('PReLU', args, spec, ['numParameters', 'init']);
    checkPositiveInt('PReLU', 'numParameters', numParameters);
    this.init = init;
    this.weight = new Parameter(full([numParameters], init, { dtype }));
  }
  forward(input: Tensor): Tensor {
    return prelu(input, this.weight);
  }
  override extraRepr(): string {
    return `numParameters=${this.weight.numel()}`;
  }
}
