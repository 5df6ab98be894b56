import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { readFixture } from '../helpers/fixtures.js';

interface Fixture {
  tsne: { rows: number; perplexity: number; Pexact: number[][]; Pnn: number[][]; Y: number[][]; kl: number; grad: number[][] };
  trustworthiness: { Y: number[][]; k5: number; k10: number; pcaK5: number };
}
const fix = readFixture<Fixture>('decomposition.json');
const digits = nb.data.loadDigits();
const X40 = digits.features.slice(0, 0, fix.tsne.rows);

function close(got: nb.Tensor, want: number[][], what: string, rtol: number, atol = 0): void {
  const g = got.toTypedArray();
  const w = want.flat();
  assert.equal(g.length, w.length);
  let worst = 0;
  w.forEach((v, i) => { worst = Math.max(worst, Math.abs(g[i]! - v) - atol - rtol * Math.abs(v)); });
  assert.ok(worst <= 0, `${what}: exceeds tolerance by ${worst}`);
}

test('t-SNE P (perplexity binary search, symmetrised) equals scikit-learn 1.2: exact and nearest-neighbour', () => {
  const { perplexity } = fix.tsne;
  close(nb.manifold.tsneJointProbabilities(X40, { perplexity, method: 'exact' }), fix.tsne.Pexact, 'exact P', 1e-6, 1e-15);
  close(nb.manifold.tsneJointProbabilities(X40, { perplexity }), fix.tsne.Pnn, 'neighbour P', 1e-6, 1e-15);
});

test('the exact KL gradient equals scikit-learn _kl_divergence; Barnes-Hut at angle 0 equals it, at 0.5 stays close', () => {
  const P = nb.manifold.tsneJointProbabilities(X40, { perplexity: fix.tsne.perplexity, method: 'exact' });
  const exact = nb.manifold.tsneGradient(P, fix.tsne.Y, { method: 'exact' });
  close(exact.grad, fix.tsne.grad, 'exact gradient', 1e-7, 1e-12);
  assert.ok(Math.abs(exact.klDivergence - fix.tsne.kl) < 1e-9 * fix.tsne.kl);
  const bh0 = nb.manifold.tsneGradient(P, fix.tsne.Y, { angle: 0 });
  close(bh0.grad, fix.tsne.grad, 'Barnes-Hut gradient at angle 0', 1e-6, 1e-10);
  assert.ok(Math.abs(bh0.klDivergence - fix.tsne.kl) < 1e-6 * fix.tsne.kl);
  const bh = nb.manifold.tsneGradient(P, fix.tsne.Y, { angle: 0.5 }).grad.toTypedArray();
  const want = fix.tsne.grad.flat();
  const err = Math.hypot(...want.map((v, i) => v - bh[i]!)) / Math.hypot(...want);
  assert.ok(err < 0.05, `Barnes-Hut at angle 0.5: relative error ${err}`);
});

test('trustworthiness equals sklearn.manifold.trustworthiness', () => {
  const t = fix.trustworthiness;
  assert.ok(Math.abs(nb.metrics.trustworthiness(X40, t.Y) - t.k5) < 1e-12);
  // Digits' integer pixels tie some distances; numpy's argsort breaks ties in its own order, so at
  // k = 10 one rank differs by one (1e-4 here); exact equality holds where no tie crosses k.
  const k10 = nb.metrics.trustworthiness(X40, t.Y, { nNeighbors: 10 });
  assert.ok(Math.abs(k10 - t.k10) < 2e-4, `k=10: ${k10} vs ${t.k10}`);
  const pca = nb.decomposition.pca(X40, { nComponents: 2 }).scores;
  assert.ok(Math.abs(nb.metrics.trustworthiness(X40, pca) - t.pcaK5) < 1e-12);
  assert.throws(() => nb.metrics.trustworthiness(X40, t.Y, { nNeighbors: 20 }), /must be less than n_samples \/ 2/);
  assert.throws(() => nb.metrics.trustworthiness(X40, t.Y.slice(1)), /X has 40 samples but the embedding has 39/);
});

test('t-SNE of 150 digits keeps neighbourhoods (trustworthiness > 0.9), exact and Barnes-Hut, seeded and repeatable', () => {
  const X = digits.features.slice(0, 0, 150);
  for (const method of ['barnesHut', 'exact'] as const) {
    const r = nb.manifold.tsne(X, { perplexity: 20, method, nIter: 500 });
    assert.deepEqual(r.embedding.shape, [150, 2]);
    const tw = nb.metrics.trustworthiness(X, r.embedding);
    assert.ok(tw > 0.9, `${method}: trustworthiness ${tw}`);
    assert.ok(r.klDivergence > 0 && r.klDivergence < 2, `${method}: KL ${r.klDivergence}`);
  }
  const a = nb.manifold.tsne(X, { init: 'random', seed: 3, nIter: 300 }).embedding.toTypedArray();
  const b = nb.manifold.tsne(X, { init: 'random', seed: 3, nIter: 300 }).embedding.toTypedArray();
  assert.deepEqual(a, b);
});

test('TSNE rejects bad options with messages', () => {
  const { TSNE } = nb.manifold;
  assert.throws(() => new TSNE({ perplexity: -1 }), /perplexity must be a positive number/);
  assert.throws(() => new TSNE({ nIter: 100 }), /nIter must be at least 250/);
  assert.throws(() => new TSNE({ method: 'bh' as 'exact' }), /method must be 'barnesHut' or 'exact'/);
  assert.throws(() => new TSNE({ nComponents: 3 }), /Barnes-Hut method embeds in 2-D/);
  assert.throws(() => new TSNE({ angle: 2 }), /angle must be a number in \[0, 1\]/);
  assert.throws(() => new TSNE({ learningrate: 10 } as never), /unknown option 'learningrate'/);
  assert.throws(() => new TSNE({ perplexity: 50 }).fitTransform(X40), /perplexity \(50\) must be less than the number of samples \(40\)/);
  assert.throws(() => new TSNE({ init: [[0, 0]] }).fitTransform(X40), /init must be \[40, 2\], got \[1, 2\]/);
});
