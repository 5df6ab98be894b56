/**
 * nb.linalg beyond the op table's goldens: error messages (torch's where it has them), the inputs
 * PCA and t-SNE will feed the decompositions (rank-deficient, repeated values, 1 x N, N x 1,
 * empty), torch's empty-matrix shapes, and gradients at the points where formulas divide by zero.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../src/index.js';
import { on } from './helpers/backends.js';

const { linalg } = nb;

function t64(values: nb.Nested<number>): nb.Tensor {
  return nb.tensor(values, { dtype: 'float64' });
}

function maxAbsDiff(a: nb.Tensor, b: nb.Tensor): number {
  return a.sub(b).abs().max().item();
}

function assertOrthonormalColumns(q: nb.Tensor, tol: number, what: string): void {
  const k = q.shape[q.ndim - 1]!;
  const gram = nb.matmul(q.transpose(-1, -2), q);
  assert.ok(maxAbsDiff(gram, nb.eye(k, k, { dtype: q.dtype })) < tol, `${what}: columns are not orthonormal`);
}

/** U diag(S) Vh from the leading k columns / rows. */
function reconstruct(r: nb.linalg.SvdResult): nb.Tensor {
  const k = r.S.shape[r.S.ndim - 1]!;
  return nb.matmul(r.U.narrow(-1, 0, k).mul(r.S.unsqueeze(-2)), r.Vh.narrow(-2, 0, k));
}

describe('linalg errors name the op', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['svd of a vector', () => linalg.svd(t64([1, 2])), /^Error: linalg\.svd: The input tensor A must have at least 2 dimensions\.$/],
    ['det of non-square', () => linalg.det(nb.zeros([2, 3])), /linalg\.det: A must be batches of square matrices, but they are 2 by 3 matrices/],
    ['inv of non-square', () => linalg.inv(nb.zeros([2, 3])), /linalg\.inv: A must be batches of square matrices/],
    ['eigh of non-square', () => linalg.eigh(nb.zeros([2, 3])), /linalg\.eigh: A must be batches of square matrices/],
    ['cholesky of a vector', () => linalg.cholesky(nb.zeros([3])), /linalg\.cholesky: The input tensor A must have at least 2 dimensions/],
    ['det of int32', () => linalg.det(nb.zeros([2, 2], { dtype: 'int32' })), /linalg\.det: Expected a floating point tensor as input\. Got int32/],
    ['svd of a number', () => linalg.svd(3 as unknown as nb.Tensor), /linalg\.svd: expected A to be a Tensor, got number/],
    [
      'solve with mismatched B',
      () => linalg.solve(nb.eye(2), nb.ones([3])),
      /linalg\.solve: Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)/,
    ],
    ['solve with mismatched dtypes', () => linalg.solve(nb.eye(2), t64([1, 2])), /linalg\.solve: A and B must have the same dtype/],
    ['solve, singular', () => linalg.solve(nb.zeros([2, 2]), nb.ones([2])), /^Error: torch\.linalg\.solve: The solver failed because the input matrix is singular\.$/],
    [
      'solve, singular batch element',
      () => linalg.solve(nb.stack([nb.eye(2), nb.zeros([2, 2])]), nb.ones([2, 2, 1])),
      /torch\.linalg\.solve: \(Batch element 1\): The solver failed because the input matrix is singular\./,
    ],
    [
      'inv, singular',
      () => linalg.inv(t64([[1, 2], [2, 4]])),
      /^Error: linalg\.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular\.$/,
    ],
    [
      'cholesky, not positive-definite',
      () => linalg.cholesky(t64([[1, 2], [2, 1]])),
      /^Error: linalg\.cholesky: The factorization could not be completed because the input is not positive-definite \(the leading minor of order 2 is not positive-definite\)\.$/,
    ],
    [
      'cholesky, batch element not positive-definite',
      () => linalg.cholesky(nb.stack([nb.eye(2), t64([[1, 2], [2, 1]]).float()])),
      /linalg\.cholesky: \(Batch element 1\): The factorization could not be completed because the input is not positive-definite \(the leading minor of order 2/,
    ],
    ['cholesky of NaN', () => linalg.cholesky(nb.tensor([[NaN, 0], [0, 1]], { allowNonFinite: true })), /leading minor of order 1 is not positive-definite/],
    ['qr, unknown mode', () => linalg.qr(nb.zeros([2, 3]), { mode: 'economic' as 'r' }), /linalg\.qr: qr received unrecognized mode 'economic'/],
    ['eigh, bad UPLO', () => linalg.eigh(nb.eye(2), { UPLO: 'X' as 'L' }), /linalg\.eigh: Expected UPLO argument to be 'L' or 'U', but got X/],
    ['svd, unknown option', () => linalg.svd(nb.eye(2), { fullMatrix: false } as nb.linalg.SvdOptions), /unknown option 'fullMatrix' for linalg\.svd; did you mean 'fullMatrices'\?/],
    ['svd, option of the wrong type', () => linalg.svd(nb.eye(2), { fullMatrices: 0 as unknown as boolean }), /linalg\.svd: option 'fullMatrices' must be a boolean, got number/],
    ['cholesky, options not an object', () => linalg.cholesky(nb.eye(2), true as unknown as nb.linalg.CholeskyOptions), /linalg\.cholesky: expected an options object, got boolean/],
    ['svd of NaN', () => linalg.svd(nb.tensor([[1, NaN], [2, 3]], { allowNonFinite: true })), /linalg\.svd: The algorithm failed to converge because the input matrix contained non-finite values\./],
    ['pinv, rcond with rtol', () => linalg.pinv(nb.eye(2), { rcond: 0.1, rtol: 0.1 }), /linalg\.pinv: rcond cannot be given together with atol or rtol/],
    ['pinv, negative atol', () => linalg.pinv(nb.eye(2), { atol: -1 }), /linalg\.pinv: option 'atol' must be a non-negative number/],
    ['matrixNorm, bad order', () => linalg.matrixNorm(nb.eye(2), 3), /linalg\.matrix_norm: Order 3 not supported\./],
    ['matrixNorm, equal dims', () => linalg.matrixNorm(nb.eye(2), 'fro', { dim: [0, 0] }), /linalg\.matrix_norm: dims must be different\. Got \(0, 0\)/],
    ['matrixNorm, dim out of range', () => linalg.matrixNorm(nb.eye(2), 'fro', { dim: [0, 2] }), /linalg\.matrix_norm/],
    ['matrixNorm, ord twice', () => linalg.matrixNorm(nb.eye(2), 'nuc', { ord: 2 }), /linalg\.matrix_norm: ord was given twice/],
    ['matrixNorm, unknown option', () => linalg.matrixNorm(nb.eye(2), { keepDim: true } as nb.linalg.MatrixNormOptions), /unknown option 'keepDim'.*did you mean 'keepdim'\?/],
    ['vectorNorm, string order', () => linalg.vectorNorm(nb.eye(2), 'fro' as unknown as number), /linalg\.vector_norm: ord must be a number, got fro/],
  ];
  for (const [name, fn, pattern] of cases) {
    test(name, () => assert.throws(fn, (e: unknown) => e instanceof Error && pattern.test(String(e))));
  }

  test('qr backward: mode r and complete tall matrices are not differentiable (torch)', () => {
    const a = nb.randn([4, 3], { dtype: 'float64', requiresGrad: true });
    assert.throws(() => linalg.qr(a, { mode: 'r' }).R.sum().backward(), /linalg\.qr: The derivative of linalg\.qr depends on Q/);
    assert.throws(() => linalg.qr(a, { mode: 'complete' }).Q.sum().backward(), /not differentiable when mode='complete' and nrows > ncols/);
  });
});

describe('svd on the inputs PCA and t-SNE produce', () => {
  test('rank-deficient: exact zeros where the rank ends, U and Vh still orthonormal (full)', () => {
    const a = nb.matmul(nb.randn([6, 2], { dtype: 'float64' }), nb.randn([2, 4], { dtype: 'float64' }));
    const r = linalg.svd(a);
    assert.deepEqual(r.U.shape, [6, 6]);
    assert.deepEqual(r.Vh.shape, [4, 4]);
    assertOrthonormalColumns(r.U, 1e-12, 'U');
    assertOrthonormalColumns(r.Vh.transpose(0, 1), 1e-12, 'V');
    assert.ok(maxAbsDiff(reconstruct(r), a) < 1e-12);
    const s = r.S.toArray() as number[];
    assert.ok(s[2]! < 1e-13 * s[0]! && s[3]! < 1e-13 * s[0]!, `trailing singular values ${s}`);
  });

  test('repeated singular values and the zero matrix', () => {
    for (const a of [nb.eye(4, 4, { dtype: 'float64' }).mul(3), nb.zeros([3, 5], { dtype: 'float64' }), t64([[1, 1], [1, 1], [1, 1]])]) {
      const r = linalg.svd(a, { fullMatrices: false });
      assertOrthonormalColumns(r.U, 1e-12, 'U');
      assertOrthonormalColumns(r.Vh.transpose(0, 1), 1e-12, 'V');
      assert.ok(maxAbsDiff(reconstruct(r), a) < 1e-12);
    }
    const s = linalg.svdvals(t64([[1, 1], [1, 1], [1, 1]]));
    assert.ok(maxAbsDiff(s, t64([Math.sqrt(6), 0])) < 1e-14);
  });

  test('1 x N, N x 1 and batched shapes', () => {
    const row = t64([[3, 4]]);
    const r = linalg.svd(row, { fullMatrices: false });
    assert.deepEqual([r.U.shape, r.S.shape, r.Vh.shape], [[1, 1], [1], [1, 2]]);
    assert.ok(Math.abs(r.S.item() - 5) < 1e-15);
    const col = linalg.svd(t64([[3], [4]]));
    assert.deepEqual([col.U.shape, col.S.shape, col.Vh.shape], [[2, 2], [1], [1, 1]]);
    const batch = nb.randn([2, 3, 5, 4]);
    const b = linalg.svd(batch, { fullMatrices: false });
    assert.deepEqual([b.U.shape, b.S.shape, b.Vh.shape], [[2, 3, 5, 4], [2, 3, 4], [2, 3, 4, 4]]);
    assert.equal(b.U.dtype, 'float32');
    assert.ok(maxAbsDiff(reconstruct(b), batch) < 1e-5);
  });

  test("empty matrices take torch's shapes", () => {
    const a = linalg.svd(nb.zeros([0, 3]), { fullMatrices: false });
    assert.deepEqual([a.U.shape, a.S.shape, a.Vh.shape], [[0, 0], [0], [3, 3]]);
    const b = linalg.svd(nb.zeros([3, 0]));
    assert.deepEqual([b.U.shape, b.S.shape, b.Vh.shape], [[3, 3], [0], [0, 0]]);
    assert.deepEqual(linalg.eigh(nb.zeros([0, 0])).eigenvectors.shape, [0, 0]);
    assert.equal(linalg.det(nb.zeros([0, 0])).item(), 1);
    assert.deepEqual(linalg.qr(nb.zeros([0, 3])).R.shape, [0, 3]);
    assert.deepEqual(linalg.pinv(nb.zeros([2, 0])).shape, [0, 2]);
  });

  test('a 120 x 40 data matrix: U S Vh within 1e-12 and the Gram matrix eigenvalues equal S^2', () => {
    const x = nb.randn([120, 40], { dtype: 'float64', generator: new nb.Generator(7) });
    const r = linalg.svd(x, { fullMatrices: false });
    assert.ok(maxAbsDiff(reconstruct(r), x) < 1e-12);
    const evals = linalg.eigvalsh(nb.matmul(x.transpose(0, 1), x)).flip(0);
    assert.ok(maxAbsDiff(evals, r.S.square()) < 1e-9);
  });

  test('matrices near the float64 limits: svd and eigh scale instead of overflowing or underflowing', () => {
    const a = nb.randn([6, 4], { dtype: 'float64', generator: new nb.Generator(5) });
    const s = linalg.svdvals(a);
    const g = nb.matmul(a, a.transpose(0, 1));
    const l = linalg.eigvalsh(g);
    for (const scale of [1e-160, 1e160]) {
      const r = linalg.svd(a.mul(scale), { fullMatrices: false });
      assert.ok(maxAbsDiff(r.S.div(scale), s) < 1e-13, `svd at scale ${scale}`);
      assertOrthonormalColumns(r.U, 1e-13, `U at scale ${scale}`);
      const e = linalg.eigh(g.mul(scale));
      assert.ok(maxAbsDiff(e.eigenvalues.div(scale), l) < 1e-12, `eigh at scale ${scale}`);
      assertOrthonormalColumns(e.eigenvectors, 1e-13, `V at scale ${scale}`);
    }
  });

  test('svdvals has a finite gradient at repeated singular values (U diag(g) Vh, as torch)', () => {
    const a = nb.eye(3, 3, { dtype: 'float64', requiresGrad: true });
    linalg.svdvals(a).sum().backward();
    assert.ok(maxAbsDiff(a.grad!, nb.eye(3, 3, { dtype: 'float64' })) < 1e-15);
    const b = nb.eye(3, 3, { dtype: 'float64', requiresGrad: true });
    linalg.svd(b).S.sum().backward();
    assert.ok(maxAbsDiff(b.grad!, nb.eye(3, 3, { dtype: 'float64' })) < 1e-15);
  });
});

describe('eigh, cholesky, qr and the LU family', () => {
  test('eigh: repeated eigenvalues give an orthonormal basis; only the UPLO triangle is read', () => {
    const a = t64([[2, 0, 0], [0, 2, 0], [0, 0, 5]]);
    const r = linalg.eigh(a);
    assert.deepEqual(r.eigenvalues.toArray(), [2, 2, 5]);
    assertOrthonormalColumns(r.eigenvectors, 1e-14, 'V');
    const lowerOnly = t64([[1, 99], [2, 3]]);
    const upperOnly = t64([[1, 2], [-99, 3]]);
    const sym = t64([[1, 2], [2, 3]]);
    assert.ok(maxAbsDiff(linalg.eigvalsh(lowerOnly), linalg.eigvalsh(sym)) < 1e-14);
    assert.ok(maxAbsDiff(linalg.eigvalsh(upperOnly, { UPLO: 'U' }), linalg.eigvalsh(sym)) < 1e-14);
  });

  test('eigh of a 60 x 60 covariance matrix: A V = V diag(L), ascending', () => {
    const x = nb.randn([80, 60], { dtype: 'float64', generator: new nb.Generator(3) });
    const cov = nb.matmul(x.transpose(0, 1), x).div(79);
    const { eigenvalues: l, eigenvectors: v } = linalg.eigh(cov);
    assert.ok(maxAbsDiff(nb.matmul(cov, v), v.mul(l.unsqueeze(0))) < 1e-12);
    const ls = l.toArray() as number[];
    assert.ok(ls.every((val, i) => i === 0 || val >= ls[i - 1]!));
  });

  test('cholesky upper reads the upper triangle; A = U^T U', () => {
    const a = t64([[4, 2, 0], [2, 5, 1], [0, 1, 3]]);
    const u = linalg.cholesky(a.triu(), { upper: true });
    assert.ok(maxAbsDiff(nb.matmul(u.transpose(0, 1), u), a) < 1e-14);
    assert.ok(maxAbsDiff(u, u.triu()) === 0);
  });

  test('qr: complete Q is orthogonal for tall input; R is upper triangular', () => {
    const a = nb.randn([5, 3], { dtype: 'float64' });
    const { Q, R } = linalg.qr(a, { mode: 'complete' });
    assert.deepEqual([Q.shape, R.shape], [[5, 5], [5, 3]]);
    assertOrthonormalColumns(Q, 1e-14, 'Q');
    assert.ok(maxAbsDiff(R, R.triu()) === 0);
    assert.ok(maxAbsDiff(nb.matmul(Q, R), a) < 1e-14);
    assert.deepEqual(linalg.qr(a, { mode: 'r' }).Q.shape, [0]);
  });

  test('slogdet and det of singular matrices; det overflow is avoided by slogdet', () => {
    const s = linalg.slogdet(t64([[1, 2], [2, 4]]));
    // -0 here, as torch: the row swap's sign times a zero pivot.
    assert.ok(Object.is(s.sign.item(), -0));
    assert.equal(s.logabsdet.item(), -Infinity);
    assert.ok(Object.is(linalg.det(t64([[1, 2], [2, 4]])).item(), -0));
    const big = nb.eye(200, 200, { dtype: 'float64' }).mul(100);
    assert.equal(linalg.det(big).item(), Infinity);
    assert.ok(Math.abs(linalg.slogdet(big).logabsdet.item() - 200 * Math.log(100)) < 1e-10);
    assert.equal(linalg.slogdet(t64([[0, 1], [1, 0]])).sign.item(), -1);
  });

  test('det gradient at a singular matrix is the adjugate (transposed), through the SVD', () => {
    const a = t64([[1, 2], [2, 4]]).requiresGrad_(true);
    linalg.det(a).backward();
    // adj([[a, b], [c, d]])^T = [[d, -c], [-b, a]]
    assert.ok(maxAbsDiff(a.grad!, t64([[4, -2], [-2, 1]])) < 1e-12);
    const z = nb.zeros([3, 3], { dtype: 'float64', requiresGrad: true });
    linalg.det(z).backward();
    assert.equal(z.grad!.abs().max().item(), 0);
  });

  test('solve: batches broadcast, vectors as torch reads them, left: false', () => {
    const a = nb.randn([3, 1, 4, 4], { dtype: 'float64' }).add(nb.eye(4, 4, { dtype: 'float64' }).mul(5));
    const b = nb.randn([2, 4, 2], { dtype: 'float64' });
    const x = linalg.solve(a, b);
    assert.deepEqual(x.shape, [3, 2, 4, 2]);
    assert.ok(maxAbsDiff(nb.matmul(a, x), b.expand([3, 2, 4, 2])) < 1e-12);
    const a2 = a.select(1, 0);
    assert.deepEqual(linalg.solve(a2, nb.ones([3, 4], { dtype: 'float64' })).shape, [3, 4]);
    const xr = linalg.solve(a2, nb.ones([3, 2, 4], { dtype: 'float64' }), { left: false });
    assert.ok(maxAbsDiff(nb.matmul(xr, a2), nb.ones([3, 2, 4], { dtype: 'float64' })) < 1e-12);
  });

  test('second derivatives: gradCheck of the gradient of inv and det', () => {
    const a = t64([[3, 1, 0], [1, 4, 1], [0.5, 1, 2]]);
    for (const fn of [(x: nb.Tensor) => linalg.inv(x).sum(), (x: nb.Tensor) => linalg.det(x)]) {
      const gradOf = (x: nb.Tensor): nb.Tensor =>
        nb.enableGrad(() => {
          const leaf = x.requiresGrad ? x : x.detach().requiresGrad_();
          return nb.autogradGrad(fn(leaf), leaf, { createGraph: true })[0]!;
        });
      assert.ok(nb.gradCheck(gradOf, [a]).passed);
    }
  });

  test('pinv: rank-deficient input gives the Moore-Penrose conditions; atol drops small singular values', () => {
    const a = nb.matmul(nb.randn([5, 2], { dtype: 'float64' }), nb.randn([2, 4], { dtype: 'float64' }));
    const p = linalg.pinv(a);
    assert.ok(maxAbsDiff(nb.matmul(nb.matmul(a, p), a), a) < 1e-10);
    assert.ok(maxAbsDiff(nb.matmul(nb.matmul(p, a), p), p) < 1e-10);
    const d = t64([[2, 0], [0, 1e-3]]);
    assert.deepEqual(linalg.pinv(d, { atol: 1e-2 }).toArray(), [[0.5, 0], [0, 0]]);
    assert.deepEqual(linalg.pinv(d, { hermitian: true, rtol: 1e-2 }).toArray(), [[0.5, 0], [0, 0]]);
  });

  test('norms take ord positionally or in the options object', () => {
    const a = nb.randn([2, 3, 4], { dtype: 'float64' });
    assert.equal(maxAbsDiff(linalg.matrixNorm(a, { ord: 'nuc', dim: [0, 2] }), linalg.matrixNorm(a, 'nuc', { dim: [0, 2] })), 0);
    assert.equal(maxAbsDiff(linalg.matrixNorm(a), linalg.matrixNorm(a, 'fro')), 0);
    assert.equal(maxAbsDiff(linalg.vectorNorm(a, { ord: 1, dim: 1 }), a.abs().sum(1)), 0);
    assert.ok(Math.abs(linalg.vectorNorm(a).item() - Math.sqrt(a.square().sum().item())) < 1e-12);
  });

  test('the same decompositions on the cpu and wasm backends (wasm falls back to the reference kernels)', () => {
    const a = nb.randn([2, 4, 3]);
    const gram = nb.matmul(a.transpose(-1, -2), a);
    const run = (): number[][] => {
      const r = linalg.svd(a, { fullMatrices: false });
      const e = linalg.eigh(gram);
      return [r.U, r.S, r.Vh, linalg.qr(a).R, e.eigenvalues, e.eigenvectors].map((t) => Array.from(t.toTypedArray()));
    };
    assert.deepEqual(on('cpu', run), on('wasm', run));
  });
});
