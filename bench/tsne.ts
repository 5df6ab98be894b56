/**
 * npm run bench:tsne: t-SNE of the 1,797 8x8 digits, Nabla against scikit-learn 1.2 (same
 * options: perplexity 30, init 'pca', learning rate 'auto', 1000 iterations, Barnes-Hut angle 0.5):
 * trustworthiness (5 neighbours), KL divergence and time of each. scikit-learn runs in
 * /usr/bin/python3 (Debian python3-sklearn); without it only Nabla's side runs.
 * `--exact` also runs both exact methods (O(N^2) per iteration: minutes).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as nb from '../src/index.js';

const methods = process.argv.includes('--exact') ? (['barnesHut', 'exact'] as const) : (['barnesHut'] as const);
const X = nb.data.loadDigits().features;
console.log(`t-SNE of the digits [${X.shape.join(', ')}], perplexity 30, init pca, learning rate auto; load average ${loadavg()[0]!.toFixed(1)}`);
console.log('| method | library | trustworthiness (k=5) | KL divergence | iterations | time |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const method of methods) {
  const start = performance.now();
  const r = nb.manifold.tsne(X, { method });
  const seconds = (performance.now() - start) / 1000;
  const tw = nb.metrics.trustworthiness(X, r.embedding);
  const row = (lib: string, t: number, kl: number, it: number, s: number): void =>
    console.log(`| ${method} | ${lib} | ${t.toFixed(4)} | ${kl.toFixed(4)} | ${it + 1} | ${s.toFixed(1)} s |`);
  row('Nabla', tw, r.klDivergence, r.nIter, seconds);
  const python = spawnSync('/usr/bin/python3', [fileURLToPath(new URL('./tsne_sklearn.py', import.meta.url)), method === 'exact' ? 'exact' : 'barnes_hut'], {
    encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (python.status === 0) {
    const s = JSON.parse(python.stdout.trim().split('\n').pop()!) as { seconds: number; kl: number; nIter: number; trustworthiness: number };
    row('scikit-learn 1.2', s.trustworthiness, s.kl, s.nIter, s.seconds);
    const gap = Math.abs(tw - s.trustworthiness);
    console.log(`trustworthiness gap ${gap.toFixed(4)} (target <= 0.01): ${gap <= 0.01 ? 'met' : 'MISSED'}`);
  } else {
    console.log(`SKIPPED scikit-learn: ${python.error?.message ?? python.stderr.trim().split('\n').pop()}`);
  }
}
