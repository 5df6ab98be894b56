/**
 * Feature scaling fitted on training data and reused on dev/test data (scikit-learn's
 * StandardScaler and MinMaxScaler), label encoding, and one-hot targets.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocate, isFloat, type DType } from '../tensor/dtype.js';
import { normalizeDims, shapeStr } from '../tensor/shape.js';
import { add, cast, div, eq, mul, sqrt, square, sub, where } from '../ops/elementwise.js';
import { amax, amin, mean } from '../ops/reduce.js';
import { preview } from '../util/untrusted.js';
import { arrayOf, checkOptionKeys, dtype as dtypeCheck, intArray, noExtraArgs, num, parseOptions, type Spec } from '../ops/args.js';

export interface ScalerOptions {
  /**
   * The dims statistics are taken over (default [0]: one mean/scale per feature over the
   * samples). For NCHW images, [0, 2, 3] gives one per channel.
   */
  dims?: readonly number[];
}

const SCALER_SPEC = { dims: intArray };

/** Shared bookkeeping: which dims are reduced and the shape the fitted statistics apply to. */
abstract class Scaler {
  protected readonly dims: readonly number[];
  protected fittedShape: readonly number[] | null = null;

  constructor(
    private readonly name: string,
    options: ScalerOptions,
    spec: Spec,
    extra: readonly unknown[],
  ) {
    parseOptions(name, options, spec, extra);
    this.dims = options.dims ?? [0];
  }

  protected prepare(x: Tensor, fitting: boolean): { x64: Tensor; dims: number[] } {
    if (!(x instanceof Tensor)) throw new Error(`${this.name}: expected a Tensor`);
    if (fitting) {
      const dims = normalizeDims(this.name, this.dims, x.ndim);
      if (x.numel() === 0) throw new Error(`${this.name}.fit: cannot fit on an empty tensor of shape ${shapeStr(x.shape)}`);
      this.fittedShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
      return { x64: cast(x, 'float64'), dims };
    }
    const fitted = this.fittedShape;
    if (fitted === null) throw new Error(`${this.name}: call fit(trainingData) before transform`);
    const ok = x.ndim === fitted.length && fitted.every((d, i) => d === 1 || d === x.shape[i]);
    if (!ok) {
      throw new Error(
        `${this.name}: got shape ${shapeStr(x.shape)} but the scaler was fitted on data whose statistics have shape ` +
          `${shapeStr(fitted)}; transform data with the same features as the training data`,
      );
    }
    return { x64: cast(x, 'float64'), dims: [] };
  }

  protected outputDType(x: Tensor): DType {
    return isFloat(x.dtype) ? x.dtype : 'float32';
  }

  abstract fit(x: Tensor): this;
  abstract transform(x: Tensor): Tensor;

  fitTransform(x: Tensor): Tensor {
    return this.fit(x).transform(x);
  }
}

/** Zero constant scales (features that never vary) are replaced by 1, as scikit-learn does. */
function guardZero(scale: Tensor): Tensor {
  return where(eq(scale, 0), 1, scale);
}

/** z = (x - mean) / std with the population std, per feature (sklearn.preprocessing.StandardScaler). */
export class StandardScaler extends Scaler {
  /** Per-feature mean of the training data (float64, size 1 in the reduced dims). */
  mean: Tensor | null = null;
  /** Per-feature standard deviation, with 1 where it is zero. */
  scale: Tensor | null = null;

  constructor(options: ScalerOptions = {}, ...extra: []) {
    super('StandardScaler', options, SCALER_SPEC, extra);
  }

  fit(x: Tensor): this {
    const { x64, dims } = this.prepare(x, true);
    const m = mean(x64, dims, true);
    this.mean = m;
    this.scale = guardZero(sqrt(mean(square(sub(x64, m)), dims, true)));
    return this;
  }

  transform(x: Tensor): Tensor {
    const { x64 } = this.prepare(x, false);
    return cast(div(sub(x64, this.mean!), this.scale!), this.outputDType(x));
  }

  inverseTransform(z: Tensor): Tensor {
    const { x64 } = this.prepare(z, false);
    return cast(add(mul(x64, this.scale!), this.mean!), this.outputDType(z));
  }

  /** The fitted statistics, to save with io.saveSafetensors and restore with loadStateDict. */
  stateDict(): Record<string, Tensor> {
    if (this.mean === null || this.scale === null) throw new Error('StandardScaler.stateDict: the scaler is not fitted');
    return { mean: this.mean, scale: this.scale };
  }

  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}, ...extra: []): void {
    const [m, s] = scalerState('StandardScaler.loadStateDict', state, ['mean', 'scale'], options, extra);
    this.mean = cast(m, 'float64');
    this.scale = cast(s, 'float64');
    this.fittedShape = [...m.shape];
  }
}

/**
 * A scaler's two state tensors, checked as Module.loadStateDict checks a module's: both present and,
 * with strict (the default), no other key.
 */
function scalerState(where: string, state: Record<string, Tensor>, keys: readonly [string, string], options: { strict?: boolean }, extra: readonly unknown[]): [Tensor, Tensor] {
  noExtraArgs(where, extra, 'a state dict and an options object');
  checkOptionKeys(where, options, ['strict']);
  if (typeof state !== 'object' || state === null) throw new Error(`${where}: expected the state dict stateDict() returns, got ${String(state)}`);
  const [a, b] = [state[keys[0]], state[keys[1]]];
  if (a === undefined || b === undefined) throw new Error(`${where}: expected keys "${keys[0]}" and "${keys[1]}"`);
  if (options.strict ?? true) {
    const unexpected = Object.keys(state).filter((k) => !keys.includes(k));
    if (unexpected.length > 0) throw new Error(`${where}: unexpected keys ${unexpected.map((k) => `"${k}"`).join(', ')} (pass { strict: false } to ignore them)`);
  }
  return [a, b];
}

export interface MinMaxScalerOptions extends ScalerOptions {
  /** The target range (default [0, 1]; [-1, 1] is the other common choice). */
  range?: readonly [number, number];
}

/** x' = (x - min) / (max - min) * (hi - lo) + lo, per feature (sklearn.preprocessing.MinMaxScaler). */
export class MinMaxScaler extends Scaler {
  readonly range: readonly [number, number];
  /** Per-feature multiplier and offset: x' = x * scale + offset. */
  scale: Tensor | null = null;
  offset: Tensor | null = null;

  constructor(options: MinMaxScalerOptions = {}, ...extra: []) {
    super('MinMaxScaler', options, { ...SCALER_SPEC, range: arrayOf(num, 'an array [low, high]') }, extra);
    const range = options.range ?? [0, 1];
    if (!(range[0] < range[1])) throw new Error(`MinMaxScaler: range must be [low, high] with low < high, got [${range.join(', ')}]`);
    this.range = range;
  }

  fit(x: Tensor): this {
    const { x64, dims } = this.prepare(x, true);
    const lo = amin(x64, dims, true);
    const hi = amax(x64, dims, true);
    const [a, b] = this.range;
    const scale = div(b - a, guardZero(sub(hi, lo)));
    this.scale = scale;
    this.offset = sub(a, mul(lo, scale));
    return this;
  }

  transform(x: Tensor): Tensor {
    const { x64 } = this.prepare(x, false);
    return cast(add(mul(x64, this.scale!), this.offset!), this.outputDType(x));
  }

  inverseTransform(z: Tensor): Tensor {
    const { x64 } = this.prepare(z, false);
    return cast(div(sub(x64, this.offset!), this.scale!), this.outputDType(z));
  }

  stateDict(): Record<string, Tensor> {
    if (this.scale === null || this.offset === null) throw new Error('MinMaxScaler.stateDict: the scaler is not fitted');
    return { scale: this.scale, offset: this.offset };
  }

  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}, ...extra: []): void {
    const [s, o] = scalerState('MinMaxScaler.loadStateDict', state, ['scale', 'offset'], options, extra);
    this.scale = cast(s, 'float64');
    this.offset = cast(o, 'float64');
    this.fittedShape = [...s.shape];
  }
}

export type Label = string | number;

/** Maps labels to 0..k-1 in sorted order of the distinct labels (sklearn.preprocessing.LabelEncoder). */
export class LabelEncoder<L extends Label = Label> {
  classes: L[] = [];
  private index = new Map<L, number>();

  fit(labels: readonly L[]): this {
    const distinct = [...new Set(labels)];
    distinct.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    this.classes = distinct;
    this.index = new Map(distinct.map((c, i) => [c, i]));
    return this;
  }

  /** int32 class indices for the labels. */
  transform(labels: readonly L[]): Tensor {
    if (this.classes.length === 0) throw new Error('LabelEncoder: call fit(labels) before transform');
    const out = new Int32Array(labels.length);
    labels.forEach((label, i) => {
      const k = this.index.get(label);
      if (k === undefined) {
        throw new Error(`LabelEncoder: label ${preview(label)} at position ${i} was not seen in fit; known: ${preview(this.classes)}`);
      }
      out[i] = k;
    });
    return Tensor.fromData(out, [labels.length], 'int32');
  }

  fitTransform(labels: readonly L[]): Tensor {
    return this.fit(labels).transform(labels);
  }

  /** The labels for class indices. */
  inverseTransform(indices: Tensor | readonly number[]): L[] {
    const values = indices instanceof Tensor ? Array.from(indices.toTypedArray()) : indices;
    return values.map((k, i) => {
      const label = this.classes[k];
      if (!Number.isInteger(k) || label === undefined) {
        throw new Error(`LabelEncoder.inverseTransform: index ${k} at position ${i} is not in [0, ${this.classes.length})`);
      }
      return label;
    });
  }
}

export interface OneHotOptions {
  /** Default float32, ready to be a training target (nb.oneHot gives int32, as torch does). */
  dtype?: DType;
}

/** One-hot rows for integer class labels: shape [...labels.shape, numClasses]. */
export function oneHot(labels: Tensor | readonly number[], numClasses?: number, options: OneHotOptions = {}, ...extra: []): Tensor {
  parseOptions('data.oneHot', options, { dtype: dtypeCheck }, extra);
  const values = labels instanceof Tensor ? labels.toTypedArray() : Float64Array.from(labels);
  const shape = labels instanceof Tensor ? labels.shape : [labels.length];
  let hi = -1;
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0) throw new Error(`oneHot: labels must be non-negative integers, got ${v} at position ${i}`);
    hi = Math.max(hi, v);
  });
  const k = numClasses ?? hi + 1;
  if (!Number.isInteger(k) || k < 0) throw new Error(`oneHot: numClasses must be a non-negative integer, got ${k}`);
  if (hi >= k) throw new Error(`oneHot: label ${hi} does not fit numClasses = ${k} (labels must be in [0, ${k}))`);
  const dtype = options.dtype ?? 'float32';
  const data = allocate(dtype, values.length * k);
  values.forEach((v, i) => {
    data[i * k + v] = 1;
  });
  return Tensor.fromData(data, [...shape, k], dtype);
}
