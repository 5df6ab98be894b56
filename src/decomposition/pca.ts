/**
 * Principal component analysis as scikit-learn 1.2's PCA with svd_solver='full': the SVD of the
 * centred data (linalg.svd), signs fixed by svd_flip (each component's largest |U| entry made
 * positive), so components, scores and variances equal scikit-learn's.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Tensor } from '../tensor/tensor.js';
import type { FloatDType } from '../tensor/dtype.js';
import { svd } from '../linalg.js';
import { readMatrix, toTensor, type MatrixLike } from './matrix.js';

export interface PCAOptions {
  /**
   * How many components to keep: an integer 1..min(N, F), a fraction in (0, 1) of the variance to
   * explain (the fewest components whose cumulative ratio exceeds it), or undefined for min(N, F).
   */
  nComponents?: number;
  /** Scale the scores to unit variance (divide by sqrt(explainedVariance)). Default false. */
  whiten?: boolean;
}

interface Fitted {
  mean: Float64Array;
  components: Float64Array; // [k, F]
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  singularValues: Float64Array;
  noiseVariance: number;
  scores: Float64Array; // [N, k] fit-time scores (U * S, or U * sqrt(N - 1) when whitened)
  k: number;
  features: number;
  dtype: FloatDType;
}

const OP = 'PCA';

function checkNComponents(n: number | undefined): void {
  if (n === undefined) return;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || (n >= 1 && !Number.isInteger(n))) {
    throw new Error(`${OP}: nComponents must be a positive integer or a fraction in (0, 1), got ${String(n)}`);
  }
}

const PCA_OPTIONS = ['nComponents', 'whiten'];

export class PCA {
  readonly nComponents: number | undefined;
  readonly whiten: boolean;
  private fitted: Fitted | null = null;

  constructor(options: PCAOptions = {}) {
    checkOptionKeys(OP, options, PCA_OPTIONS);
    checkNComponents(options.nComponents);
    if (options.whiten !== undefined && typeof options.whiten !== 'boolean') throw new Error(`${OP}: whiten must be a boolean, got ${String(options.whiten)}`);
    this.nComponents = options.nComponents;
    this.whiten = options.whiten ?? false;
  }

  /** Learns the mean and the principal axes of X [N, F]. */
  fit(X: MatrixLike): this {
    const { data, rows: n, cols: f, dtype } = readMatrix(`${OP}.fit`, X);
    const limit = Math.min(n, f);
    if (this.nComponents !== undefined && this.nComponents >= 1 && this.nComponents > limit) {
      throw new Error(`${OP}.fit: nComponents=${this.nComponents} must be at most min(samples, features) = min(${n}, ${f}) = ${limit}`);
    }
    const mean = new Float64Array(f);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += data[i * f + j]!;
    for (let j = 0; j < f; j++) mean[j]! /= n;
    const centred = new Float64Array(n * f);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) centred[i * f + j] = data[i * f + j]! - mean[j]!;
    const result = svd(Tensor.fromData(centred, [n, f], 'float64'), { fullMatrices: false });
    const U = result.U.toTypedArray() as Float64Array; // [n, limit]
    const S = result.S.toTypedArray() as Float64Array;
    const Vh = Float64Array.from(result.Vh.toTypedArray() as Float64Array); // [limit, f]
    const Uflip = Float64Array.from(U);
    // svd_flip (u-based): the entry of largest magnitude in each column of U becomes positive.
    for (let c = 0; c < limit; c++) {
      let best = 0;
      for (let r = 1; r < n; r++) if (Math.abs(U[r * limit + c]!) > Math.abs(U[best * limit + c]!)) best = r;
      if (U[best * limit + c]! < 0) {
        for (let r = 0; r < n; r++) Uflip[r * limit + c] = -U[r * limit + c]!;
        for (let j = 0; j < f; j++) Vh[c * f + j] = -Vh[c * f + j]!;
      }
    }
    const variance = S.map((s) => (s * s) / (n - 1));
    const total = variance.reduce((a, b) => a + b, 0);
    const ratio = variance.map((v) => v / total);
    let k = limit;
    if (this.nComponents !== undefined && this.nComponents >= 1) k = this.nComponents;
    else if (this.nComponents !== undefined) {
      // np.searchsorted(cumsum, fraction, side='right') + 1
      let cumulative = 0;
      k = 0;
      while (k < limit && cumulative + ratio[k]! <= this.nComponents) cumulative += ratio[k++]!;
      k = Math.min(k + 1, limit);
    }
    const noiseVariance = k < limit ? variance.slice(k).reduce((a, b) => a + b, 0) / (limit - k) : 0;
    const scores = new Float64Array(n * k);
    const scale = (c: number): number => (this.whiten ? Math.sqrt(n - 1) : S[c]!);
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) scores[r * k + c] = Uflip[r * limit + c]! * scale(c);
    this.fitted = {
      mean, components: Vh.slice(0, k * f), explainedVariance: variance.slice(0, k), explainedVarianceRatio: ratio.slice(0, k),
      singularValues: S.slice(0, k), noiseVariance, scores, k, features: f, dtype,
    };
    return this;
  }

  private state(method: string): Fitted {
    if (this.fitted === null) throw new Error(`${OP}.${method}: call fit(X) first`);
    return this.fitted;
  }

  /** The scores of X [N, F] on the components: (X - mean) components^T, [N, k] (whitened if asked). */
  transform(X: MatrixLike): Tensor {
    const s = this.state('transform');
    const { data, rows: n, cols: f } = readMatrix(`${OP}.transform`, X);
    if (f !== s.features) throw new Error(`${OP}.transform: X has ${f} features, but the PCA was fitted on ${s.features}`);
    const out = new Float64Array(n * s.k);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < s.k; c++) {
        let acc = 0;
        for (let j = 0; j < f; j++) acc += (data[r * f + j]! - s.mean[j]!) * s.components[c * f + j]!;
        out[r * s.k + c] = this.whiten ? acc / Math.sqrt(s.explainedVariance[c]!) : acc;
      }
    }
    return toTensor(out, [n, s.k], s.dtype);
  }

  /** fit(X) then the scores of X, from the SVD directly (U S) as scikit-learn's fit_transform. */
  fitTransform(X: MatrixLike): Tensor {
    const s = this.fit(X).state('fitTransform');
    return toTensor(s.scores, [s.scores.length / s.k, s.k], s.dtype);
  }

  /** Back to feature space: scores [N, k] components + mean (undoing the whitening). */
  inverseTransform(Z: MatrixLike): Tensor {
    const s = this.state('inverseTransform');
    const { data, rows: n, cols: k } = readMatrix(`${OP}.inverseTransform`, Z);
    if (k !== s.k) throw new Error(`${OP}.inverseTransform: got ${k} columns, but the PCA keeps ${s.k} components`);
    const f = s.features;
    const out = new Float64Array(n * f);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < f; j++) {
        let acc = s.mean[j]!;
        for (let c = 0; c < k; c++) acc += data[r * k + c]! * (this.whiten ? Math.sqrt(s.explainedVariance[c]!) : 1) * s.components[c * f + j]!;
        out[r * f + j] = acc;
      }
    }
    return toTensor(out, [n, f], s.dtype);
  }

  /** The principal axes [k, F], rows of unit length, in decreasing order of variance. */
  get components(): Tensor { const s = this.state('components'); return toTensor(s.components, [s.k, s.features], s.dtype); }
  /** The per-feature mean of the training data [F]. */
  get mean(): Tensor { const s = this.state('mean'); return toTensor(s.mean, [s.features], s.dtype); }
  /** The variance along each component [k] (denominator N - 1). */
  get explainedVariance(): Tensor { const s = this.state('explainedVariance'); return toTensor(s.explainedVariance, [s.k], s.dtype); }
  /** Each component's share of the total variance [k]. */
  get explainedVarianceRatio(): Tensor { const s = this.state('explainedVarianceRatio'); return toTensor(s.explainedVarianceRatio, [s.k], s.dtype); }
  /** The singular values of the centred data [k]. */
  get singularValues(): Tensor { const s = this.state('singularValues'); return toTensor(s.singularValues, [s.k], s.dtype); }
  /** The mean variance of the discarded components (Tipping and Bishop's noise estimate), 0 when all are kept. */
  get noiseVariance(): number { return this.state('noiseVariance').noiseVariance; }
  /** The number of components kept (resolved from a variance fraction after fit). */
  get nComponentsFitted(): number { return this.state('nComponentsFitted').k; }
}

/** PCA in one call: the fitted model and the scores of X ([N, k]). */
export function pca(X: MatrixLike, options: PCAOptions = {}): { model: PCA; scores: Tensor } {
  checkOptionKeys('pca', options, PCA_OPTIONS); // named here: the class would blame PCA
  const model = new PCA(options);
  return { model, scores: model.fitTransform(X) };
}
