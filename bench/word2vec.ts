/**
 * word2vec on the KJV text, Nabla against gensim 4.2 (its compiled trainer) with the same
 * hyperparameters and the same tokens: words per second of training, and embedding quality on
 * bench/data/kjv-questions-words.txt (3CosAdd and 3CosMul) plus the neighbours of a few words.
 *
 *   npm run bench:word2vec [-- --epochs 5 --workers 2 --cbow]
 *
 * gensim runs in /usr/bin/python3 (Debian python3-gensim); without it only Nabla's side runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../src/index.js';
import { text as textNode } from '../src/node.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const KJV = fileURLToPath(new URL('../../shared/datasets/text/kjv.txt', import.meta.url));
const QUESTIONS = fileURLToPath(new URL('./data/kjv-questions-words.txt', import.meta.url));
const options = {
  sg: (args.includes('--cbow') ? 0 : 1) as 0 | 1,
  vectorSize: 100,
  window: 5,
  negative: 5,
  minCount: 5,
  epochs: option('epochs', 5),
  workers: option('workers', 2),
  seed: 1,
};
const NEIGHBOURS = ['god', 'king', 'son', 'jerusalem', 'water', 'sin'];

const sentences = textNode.readKjv(KJV);
const dir = mkdtempSync(join(tmpdir(), 'nabla-w2v-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const corpusFile = join(dir, 'kjv-tokens.txt');
writeFileSync(corpusFile, sentences.map((s) => s.join(' ')).join('\n') + '\n');
const questions = readFileSync(QUESTIONS, 'utf8');

interface Side {
  name: string;
  seconds: number;
  words: number;
  vectors: nb.text.KeyedVectors;
}

const model = new nb.text.Word2Vec(sentences, options);
const report = model.train(sentences);
const sides: Side[] = [{ name: 'Nabla (wasm kernel)', seconds: report.seconds, words: report.rawWords, vectors: model.wv }];

const gensimOut = join(dir, 'gensim.txt');
const python = spawnSync(
  '/usr/bin/python3',
  [
    fileURLToPath(new URL('./word2vec_gensim.py', import.meta.url)), corpusFile, gensimOut, QUESTIONS,
    ...[options.sg, options.vectorSize, options.window, options.negative, options.minCount, options.epochs, options.workers, options.seed].map(String),
  ],
  { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
);
let gensimScore: number | null = null;
if (python.status === 0) {
  const g = JSON.parse(python.stdout.trim().split('\n').pop()!) as { seconds: number; words: number; analogy: number };
  gensimScore = g.analogy;
  sides.push({ name: 'gensim 4.2', seconds: g.seconds, words: g.words, vectors: textNode.loadVectors(gensimOut) });
} else {
  console.log(`SKIPPED gensim: ${python.error?.message ?? python.stderr.trim().split('\n').pop()}`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(`word2vec on KJV (${sentences.length} verses), ${options.sg ? 'skip-gram' : 'CBOW'}, dim ${options.vectorSize}, window ${options.window}, ` +
  `negative ${options.negative}, minCount ${options.minCount}, ${options.epochs} epochs, ${options.workers} workers; load average ${loadavg()[0]!.toFixed(1)}`);
console.log('| library | train time | words/s | analogies 3CosAdd | analogies 3CosMul |');
console.log('| --- | --- | --- | --- | --- |');
for (const side of sides) {
  const add = side.vectors.evaluateAnalogies(questions);
  const mul = side.vectors.evaluateAnalogies(questions, { method: '3CosMul' });
  console.log(`| ${side.name} | ${side.seconds.toFixed(2)} s | ${Math.round(side.words / side.seconds).toLocaleString('en-US')} | ${pct(add.accuracy)} (${add.correct}/${add.correct + add.incorrect}) | ${pct(mul.accuracy)} |`);
}
if (gensimScore !== null) console.log(`(gensim's own evaluate_word_analogies on its vectors: ${pct(gensimScore)})`);
for (const side of sides) {
  console.log(`${side.name} neighbours:`);
  for (const w of NEIGHBOURS) console.log(`  ${w}: ${side.vectors.mostSimilar({ positive: [w], topn: 5 }).map(([x]) => x).join(', ')}`);
}
