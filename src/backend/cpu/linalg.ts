/**
 * Reference linear-algebra kernels: LU with partial pivoting, Cholesky, Householder QR, the
 * symmetric eigensolver (Householder tridiagonalization and implicit QL: EISPACK's tred2/tql2)
 * and the SVD (one-sided Jacobi, after a QR when the matrix is tall). Each works on one matrix at
 * a time in float64 (row-major), batched over the leading dims, and rounds its results to the
 * operand's dtype once at the end.
 */
import { KernelError, type EighResult, type LuResult, type QrMode, type QrResult, type SvdMode, type SvdResult, type View } from '../types.js';
import { allocate, type DType, type TypedArray } from '../../tensor/dtype.js';
import { numel } from '../../tensor/shape.js';
import { positionsOf } from './strided.js';

const EPS = 2 ** -52;

/** The view's elements as float64 in row-major order: its matrices one after another. */
function readMatrices(v: View): Float64Array {
  const pos = positionsOf(v);
  const out = new Float64Array(pos.length);
  const data = v.data;
  for (let i = 0; i < pos.length; i++) out[i] = data[pos[i]!]!;
  return out;
}

function rounded(x: Float64Array, dtype: DType): TypedArray {
  if (dtype === 'float64') return x;
  const out = allocate(dtype, x.length);
  out.set(x);
  return out;
}

/** Batch count and the last two sizes of a [...batch, m, n] view. */
function dims(v: View): { count: number; m: number; n: number } {
  const r = v.shape.length;
  return { count: numel(v.shape.slice(0, -2)), m: v.shape[r - 2]!, n: v.shape[r - 1]! };
}

/**
 * Scales n entries at `at` by a power of two (exact) so that the largest magnitude lies in [1, 2),
 * and returns the factor to scale results back by: eigh and svd work on the scaled matrix, whose
 * squares neither overflow nor underflow (LAPACK's drivers scale likewise).
 */
function normalizeScale(a: Float64Array, at: number, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(a[at + i]!));
  if (max === 0 || !Number.isFinite(max)) return 1;
  const exponent = Math.floor(Math.log2(max));
  // Two steps, as 2^exponent alone may be subnormal or overflow in its reciprocal.
  const half = Math.trunc(exponent / 2);
  const f1 = 2 ** -half;
  const f2 = 2 ** -(exponent - half);
  for (let i = 0; i < n; i++) a[at + i] = a[at + i]! * f1 * f2;
  return 2 ** half * 2 ** (exponent - half);
}

function batchLabel(count: number, b: number): string {
  return count > 1 ? `(Batch element ${b}): ` : '';
}

// ---- LU ---------------------------------------------------------------------------------------

/** In-place LU of the n x n matrix at `at` (LAPACK getrf's pivoting); returns the first zero pivot (1-based) or 0. */
function luInPlace(a: Float64Array, at: number, n: number, piv: Int32Array, pAt: number): number {
  let info = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[at + k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[at + i * n + k]!);
      if (v > best || (best !== best && v === v)) {
        best = v;
        p = i;
      }
    }
    piv[pAt + k] = p + 1;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[at + k * n + j]!;
        a[at + k * n + j] = a[at + p * n + j]!;
        a[at + p * n + j] = t;
      }
    }
    const d = a[at + k * n + k]!;
    if (d === 0) {
      if (info === 0) info = k + 1;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const l = (a[at + i * n + k]! /= d);
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) a[at + i * n + j]! -= l * a[at + k * n + j]!;
    }
  }
  return info;
}

export function luFactor(a: View): LuResult {
  const { count, n } = dims(a);
  const lu = readMatrices(a);
  const pivots = new Int32Array(count * n);
  const info = new Int32Array(count);
  for (let b = 0; b < count; b++) info[b] = luInPlace(lu, b * n * n, n, pivots, b * n);
  return { lu: rounded(lu, a.dtype), pivots, info };
}

/** Solves A X = B from A's LU; lu [...batch, n, n], pivots [...batch, n], b [...batch, n, k] (same batch). */
export function luSolve(lu: View, pivots: View, b: View): TypedArray {
  const { count, m: n, n: k } = dims(b);
  const f = readMatrices(lu);
  const pv = positionsOf(pivots);
  const x = readMatrices(b);
  for (let t = 0; t < count; t++) {
    const fa = t * n * n;
    const xa = t * n * k;
    for (let i = 0; i < n; i++) {
      const p = pivots.data[pv[t * n + i]!]! - 1;
      if (p === i) continue;
      for (let j = 0; j < k; j++) {
        const tmp = x[xa + i * k + j]!;
        x[xa + i * k + j] = x[xa + p * k + j]!;
        x[xa + p * k + j] = tmp;
      }
    }
    for (let i = 1; i < n; i++) {
      for (let l = 0; l < i; l++) {
        const c = f[fa + i * n + l]!;
        if (c !== 0) for (let j = 0; j < k; j++) x[xa + i * k + j]! -= c * x[xa + l * k + j]!;
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let l = i + 1; l < n; l++) {
        const c = f[fa + i * n + l]!;
        if (c !== 0) for (let j = 0; j < k; j++) x[xa + i * k + j]! -= c * x[xa + l * k + j]!;
      }
      const d = f[fa + i * n + i]!;
      for (let j = 0; j < k; j++) x[xa + i * k + j]! /= d;
    }
  }
  return rounded(x, b.dtype);
}

// ---- Cholesky ---------------------------------------------------------------------------------

/** Lower Cholesky factors from the lower triangles; throws with the first failing leading minor. */
export function cholesky(a: View): TypedArray {
  const { count, n } = dims(a);
  const x = readMatrices(a);
  const l = new Float64Array(x.length);
  for (let b = 0; b < count; b++) {
    const at = b * n * n;
    for (let j = 0; j < n; j++) {
      let d = x[at + j * n + j]!;
      for (let k = 0; k < j; k++) d -= l[at + j * n + k]! ** 2;
      if (!(d > 0)) {
        throw new KernelError(
          `${batchLabel(count, b)}The factorization could not be completed because the input is not positive-definite ` +
            `(the leading minor of order ${j + 1} is not positive-definite).`,
        );
      }
      const djj = Math.sqrt(d);
      l[at + j * n + j] = djj;
      for (let i = j + 1; i < n; i++) {
        let s = x[at + i * n + j]!;
        for (let k = 0; k < j; k++) s -= l[at + i * n + k]! * l[at + j * n + k]!;
        l[at + i * n + j] = s / djj;
      }
    }
  }
  return rounded(l, a.dtype);
}

// ---- Householder QR ---------------------------------------------------------------------------

/** The m x n row-major matrix at `at` as its columns, one after another (column-major). */
function columnsOf(a: Float64Array, at: number, m: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[j * m + i] = a[at + i * n + j]!;
  return c;
}

/**
 * Householder QR in place of the m x n matrix given by its columns `c` (column-major, so that
 * each reflection runs along contiguous memory), with LAPACK geqrf's reflectors: R's diagonal is
 * -sign(a) * norm, no reflection where the column below is already zero. R ends up in the upper
 * triangle, the reflectors' tails below it; returns the min(m, n) factors tau.
 */
function householder(c: Float64Array, m: number, n: number): Float64Array {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const col = j * m;
    const alpha = c[col + j]!;
    let scale = 0;
    for (let i = j + 1; i < m; i++) scale = Math.max(scale, Math.abs(c[col + i]!));
    if (scale === 0) continue;
    let ss = 0;
    for (let i = j + 1; i < m; i++) ss += (c[col + i]! / scale) ** 2;
    const xnorm = scale * Math.sqrt(ss);
    const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, xnorm);
    const t = (beta - alpha) / beta;
    tau[j] = t;
    const inv = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) c[col + i]! *= inv;
    c[col + j] = beta;
    for (let other = j + 1; other < n; other++) reflect(c, col, j, m, t, c, other * m);
  }
  return tau;
}

/** y -= tau * v (v^T y) on rows j.. of the column y at `y0`, with v = [1, c[col + j + 1 ..]]. */
function reflect(c: Float64Array, col: number, j: number, m: number, tau: number, y: Float64Array, y0: number): void {
  let w = y[y0 + j]!;
  for (let i = j + 1; i < m; i++) w += c[col + i]! * y[y0 + i]!;
  w *= tau;
  if (w === 0) return;
  y[y0 + j]! -= w;
  for (let i = j + 1; i < m; i++) y[y0 + i]! -= w * c[col + i]!;
}

/** The first `cols` columns of Q = H_0 ... H_{k-1} from householder()'s reflectors, column-major. */
function formQ(c: Float64Array, m: number, tau: Float64Array, cols: number): Float64Array {
  const q = new Float64Array(m * cols);
  for (let i = 0; i < Math.min(m, cols); i++) q[i * m + i] = 1;
  for (let j = tau.length - 1; j >= 0; j--) {
    const t = tau[j]!;
    if (t === 0) continue;
    for (let other = 0; other < cols; other++) reflect(c, j * m, j, m, t, q, other * m);
  }
  return q;
}

/** Q [...batch, m, qCols] (empty for mode 'r') and R [...batch, rRows, n]. */
export function qr(a: View, mode: QrMode): QrResult {
  const { count, m, n } = dims(a);
  const k = Math.min(m, n);
  const qCols = mode === 'complete' ? m : mode === 'reduced' ? k : 0;
  const rRows = mode === 'complete' ? m : k;
  const x = readMatrices(a);
  const q = new Float64Array(count * m * qCols);
  const r = new Float64Array(count * rRows * n);
  for (let b = 0; b < count; b++) {
    const c = columnsOf(x, b * m * n, m, n);
    const tau = householder(c, m, n);
    for (let i = 0; i < k; i++) for (let j = i; j < n; j++) r[b * rRows * n + i * n + j] = c[j * m + i]!;
    if (qCols === 0) continue;
    const qc = formQ(c, m, tau, qCols);
    const at = b * m * qCols;
    for (let i = 0; i < m; i++) for (let j = 0; j < qCols; j++) q[at + i * qCols + j] = qc[j * m + i]!;
  }
  return { q: rounded(q, a.dtype), r: rounded(r, a.dtype) };
}

// ---- Symmetric eigensolver --------------------------------------------------------------------

/**
 * Householder reduction of the symmetric n x n matrix v (row-major, full) to tridiagonal form
 * (d the diagonal, e the subdiagonal in e[1..]), accumulating the transformation in v (tred2).
 */
function tred2(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        v[j * n + i] = f;
        g = e[j]! + v[j * n + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j]! * d[k]!;
          e[k]! += v[k * n + j]! * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        for (let k = j; k <= i - 1; k++) v[k * n + j]! -= f * e[k]! + g * d[k]!;
        d[j] = v[(i - 1) * n + j]!;
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i]!;
    v[i * n + i] = 1;
    const h = d[i + 1]!;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1]! / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1]! * v[k * n + j]!;
        for (let k = 0; k <= i; k++) v[k * n + j]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j]!;
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e) with the eigenvectors accumulated in the rows of vt
 * (tql2, on the transpose so that each rotation runs along contiguous memory); eigenvalues ascending.
 */
function tql2(vt: Float64Array, n: number, d: Float64Array, e: Float64Array): boolean {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && !(Math.abs(e[m]!) <= EPS * tst1)) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) return false;
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1]!;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const r0 = i * n;
          const r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            h = vt[r1 + k]!;
            vt[r1 + k] = s * vt[r0 + k]! + c * h;
            vt[r0 + k] = c * vt[r0 + k]! - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      const row = vt.slice(i * n, (i + 1) * n);
      vt.copyWithin(i * n, k * n, (k + 1) * n);
      vt.set(row, k * n);
    }
  }
  return true;
}

function transposeSquare(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = a[i * n + j]!;
      a[i * n + j] = a[j * n + i]!;
      a[j * n + i] = t;
    }
  }
}

/** Eigenvalues (ascending) and eigenvectors (columns) of the symmetric matrices read from one triangle. */
export function eigh(a: View, lower: boolean): EighResult {
  const { count, n } = dims(a);
  const x = readMatrices(a);
  const values = new Float64Array(count * n);
  const vectors = new Float64Array(count * n * n);
  const e = new Float64Array(n);
  for (let b = 0; b < count; b++) {
    const at = b * n * n;
    const v = new Float64Array(n * n);
    let finite = true;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const s = lower ? x[at + i * n + j]! : x[at + j * n + i]!;
        v[i * n + j] = s;
        v[j * n + i] = s;
        if (!Number.isFinite(s)) finite = false;
      }
    }
    const d = values.subarray(b * n, (b + 1) * n);
    if (!finite) {
      d.fill(NaN);
      vectors.fill(NaN, at, at + n * n);
      continue;
    }
    const scale = normalizeScale(v, 0, n * n);
    if (n > 0) {
      tred2(v, n, d, e);
      transposeSquare(v, n);
      if (!tql2(v, n, d, e)) {
        throw new KernelError(
          `${batchLabel(count, b)}The algorithm failed to converge because the input matrix is ill-conditioned or has too many repeated eigenvalues.`,
        );
      }
    }
    for (let i = 0; i < n; i++) d[i]! *= scale;
    transposeSquare(v, n);
    vectors.set(v, at);
  }
  return { values: rounded(values, a.dtype), vectors: rounded(vectors, a.dtype) };
}

// ---- SVD --------------------------------------------------------------------------------------

/**
 * One-sided Jacobi (Hestenes) on the columns of the p x n matrix given by its columns `c` (n rows
 * of p, row-major): rotates pairs until all are orthogonal to working precision, applying the
 * same rotations to vt (the rows of V, n x n, starting as I). Each sweep at least squares the
 * off-diagonal size once it is small, so the 80-sweep cap is a guard that real inputs never reach.
 */
function jacobiColumns(c: Float64Array, p: number, n: number, vt: Float64Array): void {
  const tol = EPS * Math.max(p, 1);
  // Squared column norms, recomputed every sweep and updated exactly by each rotation in between
  // (a_i' = a_i - t gamma, a_j' = a_j + t gamma), so a pair costs one inner product, not three.
  const norms2 = new Float64Array(n);
  for (let sweep = 0; sweep < 80; sweep++) {
    for (let i = 0; i < n; i++) {
      let ss = 0;
      for (let k = 0; k < p; k++) ss += c[i * p + k]! ** 2;
      norms2[i] = ss;
    }
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        let gamma = 0;
        for (let k = 0; k < p; k++) gamma += c[i * p + k]! * c[j * p + k]!;
        const alpha = norms2[i]!;
        const beta = norms2[j]!;
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        norms2[i] = Math.max(0, alpha - t * gamma);
        norms2[j] = Math.max(0, beta + t * gamma);
        for (let k = 0; k < p; k++) {
          const u = c[i * p + k]!;
          const w = c[j * p + k]!;
          c[i * p + k] = cs * u - sn * w;
          c[j * p + k] = sn * u + cs * w;
        }
        for (let k = 0; k < n; k++) {
          const u = vt[i * n + k]!;
          const w = vt[j * n + k]!;
          vt[i * n + k] = cs * u - sn * w;
          vt[j * n + k] = sn * u + cs * w;
        }
      }
    }
    if (!rotated) return;
  }
}

/**
 * Fills the columns of u (m x cols, row-major) whose `known` flag is false with an orthonormal
 * basis of the complement of the known ones: the trailing columns of the full Q of their QR.
 */
function completeColumns(u: Float64Array, m: number, cols: number, known: boolean[]): void {
  const kept = known.reduce((s, k) => s + (k ? 1 : 0), 0);
  if (kept === cols) return;
  const a = new Float64Array(m * kept);
  let c = 0;
  for (let j = 0; j < cols; j++) {
    if (!known[j]) continue;
    for (let i = 0; i < m; i++) a[c * m + i] = u[i * cols + j]!;
    c++;
  }
  const q = formQ(a, m, householder(a, m, kept), m);
  let next = kept;
  for (let j = 0; j < cols; j++) {
    if (known[j]) continue;
    for (let i = 0; i < m; i++) u[i * cols + j] = q[next * m + i]!;
    next++;
  }
}

/**
 * SVD of the m x n matrix (m >= n) at `at`: U (m x uCols), S (n, descending), V^T (n x n).
 * A tall matrix is first reduced to its n x n R factor, whose columns Jacobi then orthogonalizes.
 */
function svdTall(x: Float64Array, at: number, m: number, n: number, uCols: number): { u: Float64Array; s: Float64Array; vt: Float64Array } {
  // The Jacobi problem: the columns of R (n x n) for a tall matrix, of A itself for a square one.
  const work = columnsOf(x, at, m, n);
  const tall = m > n;
  const tau = tall ? householder(work, m, n) : null;
  const p = tall ? n : m;
  const cols = new Float64Array(n * p);
  for (let j = 0; j < n; j++) for (let i = 0; i <= (tall ? j : p - 1); i++) cols[j * p + i] = work[j * m + i]!;
  const vRows = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vRows[i * n + i] = 1;
  jacobiColumns(cols, p, n, vRows);
  const norms = Array.from({ length: n }, (_, j) => {
    let ss = 0;
    let scale = 0;
    for (let t = 0; t < p; t++) scale = Math.max(scale, Math.abs(cols[j * p + t]!));
    if (scale === 0) return 0;
    for (let t = 0; t < p; t++) ss += (cols[j * p + t]! / scale) ** 2;
    return scale * Math.sqrt(ss);
  });
  const order = [...norms.keys()].sort((i, j) => norms[j]! - norms[i]!);
  const s = new Float64Array(n);
  const vt = new Float64Array(n * n);
  // U of the Jacobi problem (p x n): its normalized columns, completed where a column vanished.
  const uSmall = new Float64Array(p * n);
  const known: boolean[] = [];
  order.forEach((j, r) => {
    const sv = norms[j]!;
    s[r] = sv;
    vt.set(vRows.subarray(j * n, (j + 1) * n), r * n);
    known.push(sv > 0);
    if (sv > 0) for (let t = 0; t < p; t++) uSmall[t * n + r] = cols[j * p + t]! / sv;
  });
  completeColumns(uSmall, p, n, known);
  if (!tall) return { u: uSmall, s, vt };
  // U = Q[:, :n] uSmall, then (full) the further columns of Q, orthogonal to range(Q[:, :n]).
  const q = formQ(work, m, tau!, uCols);
  const uCol = new Float64Array(m * uCols);
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < n; t++) {
      const w = uSmall[t * n + r]!;
      if (w !== 0) for (let i = 0; i < m; i++) uCol[r * m + i]! += w * q[t * m + i]!;
    }
  }
  uCol.set(q.subarray(n * m), n * m);
  const u = new Float64Array(m * uCols);
  for (let i = 0; i < m; i++) for (let r = 0; r < uCols; r++) u[i * uCols + r] = uCol[r * m + i]!;
  return { u, s, vt };
}

/**
 * U [...batch, m, uCols], S [...batch, k], Vh [...batch, vRows, n] with k = min(m, n); uCols and
 * vRows are k ('reduced') or m and n ('full'); 'none' computes S alone (U and Vh empty).
 */
export function svd(a: View, mode: SvdMode): SvdResult {
  const { count, m, n } = dims(a);
  const k = Math.min(m, n);
  const full = mode === 'full';
  const uc = mode === 'none' ? 0 : full ? m : k;
  const vr = mode === 'none' ? 0 : full ? n : k;
  const x = readMatrices(a);
  const u = new Float64Array(count * m * uc);
  const s = new Float64Array(count * k);
  const vh = new Float64Array(count * vr * n);
  for (let b = 0; b < count; b++) {
    const at = b * m * n;
    for (let i = 0; i < m * n; i++) {
      if (!Number.isFinite(x[at + i]!)) {
        throw new KernelError(`${batchLabel(count, b)}The algorithm failed to converge because the input matrix contained non-finite values.`);
      }
    }
    if (k === 0) {
      for (let i = 0; i < Math.min(m, uc); i++) u[b * m * uc + i * uc + i] = 1;
      for (let i = 0; i < Math.min(n, vr); i++) vh[b * vr * n + i * n + i] = 1;
      continue;
    }
    // A wide matrix: the SVD of its transpose, with U and V swapped.
    const scale = normalizeScale(x, at, m * n);
    const wide = m < n;
    let src = x;
    let srcAt = at;
    if (wide) {
      src = new Float64Array(m * n);
      srcAt = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) src[j * m + i] = x[at + i * n + j]!;
    }
    const [rows, cols, leftCols] = wide ? [n, m, Math.max(vr, k)] : [m, n, Math.max(uc, k)];
    const r = svdTall(src, srcAt, rows, cols, leftCols);
    for (let i = 0; i < k; i++) s[b * k + i] = r.s[i]! * scale;
    // r.u: rows x leftCols (left vectors of the tall problem); r.vt: k x k rows of its V.
    if (!wide) {
      for (let i = 0; i < m; i++) for (let j = 0; j < uc; j++) u[b * m * uc + i * uc + j] = r.u[i * leftCols + j]!;
      for (let i = 0; i < vr; i++) for (let j = 0; j < n; j++) vh[b * vr * n + i * n + j] = r.vt[i * n + j]!;
    } else {
      // A = (A^T)^T = (U' S V'^T)^T = V' S U'^T: U = V' (columns = rows of r.vt), Vh = U'^T.
      for (let i = 0; i < m; i++) for (let j = 0; j < uc; j++) u[b * m * uc + i * uc + j] = r.vt[j * m + i]!;
      for (let i = 0; i < vr; i++) for (let j = 0; j < n; j++) vh[b * vr * n + i * n + j] = r.u[j * leftCols + i]!;
    }
  }
  return { u: rounded(u, a.dtype), s: rounded(s, a.dtype), vh: rounded(vh, a.dtype) };
}
