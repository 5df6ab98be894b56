/**
 * Weight initializers (torch.nn.init), with PyTorch's formulas and fan computation. Each fills a
 * tensor in place without recording gradients and returns it. Names end in `_` like the in-place
 * tensor methods (`kaimingUniform_`); the same functions are exported without the underscore
 * (`kaimingUniform`). Random values come from the seeded default generator unless a
 * `generator` is given.
 */
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';
import { tensor as makeTensor } from '../tensor/creation.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { kernels } from '../backend/registry.js';
import type { RandomSpec } from '../backend/types.js';
import { fromKernel } from '../ops/util.js';
import { noGrad } from '../autograd/grad-mode.js';
import { check, finite, instanceOf, num, oneOf, parseArgs, type Args } from '../ops/args.js';

export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

export interface RandomInitOptions {
  generator?: Generator;
}

export interface UniformInitOptions extends RandomInitOptions {
  a?: number;
  b?: number;
}

export interface NormalInitOptions extends RandomInitOptions {
  mean?: number;
  std?: number;
}

export interface GainInitOptions extends RandomInitOptions {
  gain?: number;
}

const generatorArg = instanceOf(Generator);
const GAIN_SPEC = { gain: finite, generator: generatorArg };
/** torch's kaiming_*_(tensor, a, mode, nonlinearity, generator). */
const KAIMING_SPEC = { a: finite, mode: oneOf('fanIn', 'fanOut'), nonlinearity: check<Nonlinearity>('a nonlinearity name', (v) => typeof v === 'string'), generator: generatorArg };

export interface KaimingOptions extends RandomInitOptions {
  /** The negative slope of the leaky ReLU that follows (used only with 'leakyRelu'; default 0). */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  /** The nonlinearity that follows (default 'leakyRelu', as PyTorch). */
  nonlinearity?: Nonlinearity;
}

const LINEAR_GAIN = new Set<Nonlinearity>(['linear', 'identity', 'conv1d', 'conv2d', 'conv3d', 'convTranspose1d', 'convTranspose2d', 'convTranspose3d', 'sigmoid']);

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): 1 for linear layers
 * and sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for leaky ReLU
 * (slope `param`, default 0.01), 3/4 for SELU.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (LINEAR_GAIN.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new Error(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(
        `calculateGain: unsupported nonlinearity '${String(nonlinearity)}'; use one of ${[...LINEAR_GAIN, 'tanh', 'relu', 'leakyRelu', 'selu'].join(', ')}`,
      );
  }
}

/**
 * [fanIn, fanOut] of a weight: size(1) and size(0), each times the receptive field (the product
 * of the dims after the first two), as torch's _calculate_fan_in_and_fan_out.
 */
export function calculateFanInAndFanOut(t: Tensor, op = 'calculateFanInAndFanOut'): [number, number] {
  if (t.ndim < 2) {
    throw new Error(`${op}: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape ${shapeStr(t.shape)}`);
  }
  let receptiveField = 1;
  for (const d of t.shape.slice(2)) receptiveField *= d;
  return [t.shape[1]! * receptiveField, t.shape[0]! * receptiveField];
}

function checkFloatTensor(op: string, t: Tensor): void {
  if (!isFloat(t.dtype)) throw new Error(`${op}: expects a floating-point tensor, got dtype ${t.dtype}`);
}

function fillRandom(op: string, t: Tensor, spec: RandomSpec, generator: Generator | undefined): Tensor {
  checkFloatTensor(op, t);
  const data = kernels().random(spec, t.numel(), t.dtype, generator ?? defaultGenerator);
  return noGrad(() => t.copy_(fromKernel(data, t.shape, t.dtype)));
}

/** Fills with U(a, b). */
export function uniform_(t: Tensor, ...args: Args<[a: number, b: number, generator: Generator], UniformInitOptions>): Tensor {
  const { a = 0, b = 1, generator } = parseArgs('uniform_', args, { a: num, b: num, generator: generatorArg });
  if (!(a <= b)) throw new Error(`uniform_: the lower bound ${a} must not exceed the upper bound ${b}`);
  return fillRandom('uniform_', t, { kind: 'uniform', low: a, high: b }, generator);
}

/** Fills with N(mean, std^2). */
export function normal_(t: Tensor, ...args: Args<[mean: number, std: number, generator: Generator], NormalInitOptions>): Tensor {
  const { mean = 0, std = 1, generator } = parseArgs('normal_', args, { mean: finite, std: num, generator: generatorArg });
  if (!(std >= 0)) throw new Error(`normal_: std must be non-negative, got ${std}`);
  return fillRandom('normal_', t, { kind: 'normal', mean, std }, generator);
}

/** Fills with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** Fills a 2-D tensor with the identity matrix (ones on the diagonal of a possibly non-square matrix). */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new Error(`eye_: only 2-D tensors are supported, got shape ${shapeStr(t.shape)}`);
  const [rows, cols] = [t.shape[0]!, t.shape[1]!];
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < Math.min(rows, cols); i++) values[i * cols + i] = 1;
  return noGrad(() => t.copy_(makeTensor(values, { dtype: t.dtype }).reshape(rows, cols)));
}

/** Xavier/Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, ...args: Args<[gain: number, generator: Generator], GainInitOptions>): Tensor {
  const { gain = 1, generator } = parseArgs('xavierUniform_', args, GAIN_SPEC);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, 'xavierUniform_');
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return fillRandom('xavierUniform_', t, { kind: 'uniform', low: -a, high: a }, generator);
}

/** Xavier/Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, ...args: Args<[gain: number, generator: Generator], GainInitOptions>): Tensor {
  const { gain = 1, generator } = parseArgs('xavierNormal_', args, GAIN_SPEC);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, 'xavierNormal_');
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return fillRandom('xavierNormal_', t, { kind: 'normal', mean: 0, std }, generator);
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new Error(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t, op);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return gain / Math.sqrt(fan);
}

/** He/Kaiming uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, ...args: Args<[a: number, mode: FanMode, nonlinearity: Nonlinearity, generator: Generator], KaimingOptions>): Tensor {
  const options: KaimingOptions = parseArgs('kaimingUniform_', args, KAIMING_SPEC);
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return fillRandom('kaimingUniform_', t, { kind: 'uniform', low: -bound, high: bound }, options.generator);
}

/** He/Kaiming normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, ...args: Args<[a: number, mode: FanMode, nonlinearity: Nonlinearity, generator: Generator], KaimingOptions>): Tensor {
  const options: KaimingOptions = parseArgs('kaimingNormal_', args, KAIMING_SPEC);
  if (t.numel() === 0) return t;
  const std = kaimingStd('kaimingNormal_', t, options);
  return fillRandom('kaimingNormal_', t, { kind: 'normal', mean: 0, std }, options.generator);
}

/**
 * LeCun normal: N(0, 1 / fanIn), the initialization SELU networks need. PyTorch has no function
 * of this name; it equals kaimingNormal_(t, { nonlinearity: 'linear' }), which its SELU docs recommend.
 */
export function lecunNormal_(t: Tensor, ...args: Args<[generator: Generator], RandomInitOptions>): Tensor {
  const { generator } = parseArgs('lecunNormal_', args, { generator: generatorArg });
  return kaimingNormal_(t, generator === undefined ? { mode: 'fanIn', nonlinearity: 'linear' } : { mode: 'fanIn', nonlinearity: 'linear', generator });
}

/**
 * A (semi-)orthogonal matrix, as torch.nn.init.orthogonal_: the Q factor of a QR decomposition of
 * a normal matrix of shape [rows, numel / rows] (transposed when wider than tall), with column
 * signs fixed so R has a positive diagonal, times `gain`.
 */
export function orthogonal_(t: Tensor, ...args: Args<[gain: number, generator: Generator], GainInitOptions>): Tensor {
  const { gain = 1, generator } = parseArgs('orthogonal_', args, GAIN_SPEC);
  if (t.ndim < 2) throw new Error(`orthogonal_: only tensors with 2 or more dims are supported, got shape ${shapeStr(t.shape)}`);
  checkFloatTensor('orthogonal_', t);
  if (t.numel() === 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  const normal = kernels().random({ kind: 'normal', mean: 0, std: 1 }, rows * cols, 'float64', generator ?? defaultGenerator);
  // QR of the tall orientation: m x n with m >= n.
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const a = new Float64Array(m * n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = normal[i * cols + j]!;
      if (transposed) a[j * n + i] = v;
      else a[i * n + j] = v;
    }
  }
  const q = householderQ(a, m, n);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = q[i * n + j]! * gain;
      if (transposed) out[j * m + i] = v;
      else out[i * n + j] = v;
    }
  }
  return noGrad(() => t.copy_(makeTensor(out, { dtype: t.dtype }).reshape(t.shape)));
}

/**
 * The thin Q (m x n, m >= n) of A = QR with R's diagonal made non-negative, by Householder
 * reflections in float64. That Q is unique, so it equals what LAPACK gives after the sign fix.
 */
function householderQ(a: Float64Array, m: number, n: number): Float64Array {
  const r = a.slice();
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const v = new Float64Array(m);
    const x0 = r[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k]!;
    v[k] = x0 - alpha;
    let vNorm2 = 0;
    for (let i = k; i < m; i++) vNorm2 += v[i]! ** 2;
    vs.push(v);
    if (vNorm2 === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * r[i * n + j]!;
      const s = (2 * dot) / vNorm2;
      for (let i = k; i < m; i++) r[i * n + j] = r[i * n + j]! - s * v[i]!;
    }
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    let vNorm2 = 0;
    for (let i = k; i < m; i++) vNorm2 += v[i]! ** 2;
    if (vNorm2 === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * q[i * n + j]!;
      const s = (2 * dot) / vNorm2;
      for (let i = k; i < m; i++) q[i * n + j] = q[i * n + j]! - s * v[i]!;
    }
  }
  for (let j = 0; j < n; j++) {
    if (r[j * n + j]! < 0) for (let i = 0; i < m; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return q;
}

export {
  uniform_ as uniform, normal_ as normal, constant_ as constant, zeros_ as zeros, ones_ as ones, eye_ as eye,
  xavierUniform_ as xavierUniform, xavierNormal_ as xavierNormal, kaimingUniform_ as kaimingUniform,
  kaimingNormal_ as kaimingNormal, lecunNormal_ as lecunNormal, orthogonal_ as orthogonal,
};
