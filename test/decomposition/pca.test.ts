import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

interface Case {
  options: { nComponents?: number; whiten?: boolean };
  components: number[][]; mean: number[]; explainedVariance: number[]; explainedVarianceRatio: number[];
  singularValues: number[]; noiseVariance: number; scores: number[][]; inverse: number[][];
}
interface Fixture { pca: { iris: { X: number[][]; cases: Case[] }; digits: { rows: number; cases: Case[] } } }
const fix = readFixture<Fixture>('decomposition.json');

function close(got: nb.Tensor | number[], want: number[] | number[][], what: string, tol = 1e-9): void {
  const g = Array.from(got instanceof nb.Tensor ? (got.toTypedArray() as Float64Array) : got);
  const w = (want as unknown[]).flat() as number[];
  assert.equal(g.length, w.length, `${what}: length`);
  const scale = Math.max(1, ...w.map(Math.abs));
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]!) <= tol * scale, `${what}[${i}]: got ${v}, sklearn ${w[i]}`));
}

function check(X: nb.Tensor | number[][], c: Case, name: string): void {
  const m = new nb.decomposition.PCA(c.options);
  const scores = m.fitTransform(X);
  close(m.components, c.components, `${name} components`);
  close(m.mean, c.mean, `${name} mean`);
  close(m.explainedVariance, c.explainedVariance, `${name} explainedVariance`);
  close(m.explainedVarianceRatio, c.explainedVarianceRatio, `${name} explainedVarianceRatio`);
  close(m.singularValues, c.singularValues, `${name} singularValues`);
  close([m.noiseVariance], [c.noiseVariance], `${name} noiseVariance`);
  close(scores, c.scores, `${name} fitTransform`);
  close(m.transform(X), c.scores, `${name} transform`, 1e-8);
  close(m.inverseTransform(scores.slice(0, 0, 5)), c.inverse, `${name} inverseTransform`, 1e-8);
}

test('PCA matches scikit-learn 1.2 (svd_solver full, svd_flip signs) on iris: 2 components, whitened 3, all', () => {
  fix.pca.iris.cases.forEach((c, i) => check(fix.pca.iris.X, c, `iris case ${i}`));
});

test('PCA on digits: a variance fraction picks the component count as scikit-learn; float64 tensors in, float64 out', () => {
  const X = nb.data.loadDigits().features.slice(0, 0, fix.pca.digits.rows).double();
  fix.pca.digits.cases.forEach((c, i) => check(X, c, `digits case ${i}`));
  const m = new nb.decomposition.PCA({ nComponents: 0.8 }).fit(X);
  assert.equal(m.nComponentsFitted, fix.pca.digits.cases[0]!.components.length);
  assert.equal(m.components.dtype, 'float64');
  const { scores } = nb.decomposition.pca(nb.data.loadDigits().features.slice(0, 0, 40), { nComponents: 2 });
  assert.equal(scores.dtype, 'float32');
  assert.deepEqual(scores.shape, [40, 2]);
});

test('PCA rejects bad options and data with messages that say what was wrong', () => {
  const { PCA } = nb.decomposition;
  assert.throws(() => new PCA({ nComponents: 1.5 }), /nComponents must be a positive integer or a fraction/);
  assert.throws(() => new PCA({ nComponents: 0 }), /nComponents/);
  assert.throws(() => new PCA({ whitening: true } as never), /unknown option 'whitening'/);
  assert.throws(() => new PCA({ nComponents: 5 }).fit([[1, 2], [3, 4], [5, 7]]), /at most min\(samples, features\)/);
  assert.throws(() => new PCA().fit([[1, 2], [3]]), /row 1 has 1 values, expected 2/);
  assert.throws(() => new PCA().fit([[1, NaN], [3, 4]]), /non-finite value \(NaN\) at row 0, column 1/);
  assert.throws(() => new PCA().fit(nb.zeros([2, 2, 2])), /expected a 2-D/);
  assert.throws(() => new PCA().transform([[1, 2]]), /call fit\(X\) first/);
  const m = new PCA({ nComponents: 1 }).fit([[1, 2], [3, 4.5], [5, 7]]);
  assert.throws(() => m.transform([[1, 2, 3]]), /X has 3 features, but the PCA was fitted on 2/);
  assert.throws(() => m.inverseTransform([[1, 2]]), /got 2 columns, but the PCA keeps 1/);
});
