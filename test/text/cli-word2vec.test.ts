import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import * as nb from '../../src/index.js';
import { text as textNode } from '../../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-w2v-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

test('nabla word2vec trains on a corpus file and writes loadable vectors in each format', async () => {
  const corpus = join(dir, 'corpus.txt');
  const lines = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 'The cat and the dog, the cow!' : 'A car and a bus; a train.'));
  writeFileSync(corpus, ['Genesis 1', ...lines].join('\n'));
  for (const format of ['word2vec', 'word2vec-binary', 'glove'] as const) {
    const out = join(dir, `vectors-${format}`);
    const { code, out: printed, err } = await run('word2vec', corpus, '--out', out, '--format', format, '--min-count', '2', '--vector-size', '8', '--epochs', '2', '--kjv');
    assert.equal(code, 0, err);
    assert.match(printed, /Wrote 9 vectors of 8 dimensions/);
    const kv = textNode.loadVectors(out, { format });
    assert.equal(kv.size, 9);
    assert.ok(!kv.has('genesis'), '--kjv leaves out chapter headings');
    assert.ok(kv.has('cat') && !kv.has(','));
  }
  const bad = await run('word2vec', corpus, '--out', join(dir, 'x'), '--sg', '2');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--sg must be an integer in \[0, 1\], got '2'/);
  assert.match((await run('word2vec', corpus)).err, /--out FILE is required/);
  assert.match((await run('word2vec', corpus, '--out', 'x', '--dims', '3')).err, /unknown option --dims/);
});

test('nabla demo lm trains a character LSTM, reports validation perplexity and prints samples', async () => {
  const words = join(dir, 'words.txt');
  const list = ['cat', 'cart', 'care', 'core', 'bore', 'bare', 'bat', 'bar', 'car', 'cot', 'Name', "cat's"];
  writeFileSync(words, Array.from({ length: 40 }, () => list).flat().join('\n'));
  const { code, out, err } = await run('demo', 'lm', '--data', words, '--steps', '30', '--hidden', '16');
  assert.equal(code, 0, err);
  assert.match(out, /Corpus: 400 words/, 'names and possessives are left out');
  const perplexity = Number(/validation perplexity ([\d.]+) per character/.exec(out)?.[1]);
  assert.ok(perplexity > 1 && perplexity < 6, `perplexity ${perplexity} (uniform over the 8 characters would be 8)`);
  assert.equal((out.match(/^temperature /gm) ?? []).length, 3);
  assert.match((await run('demo', 'lm', '--corpus', 'poems')).err, /--corpus must be words or kjv/);
});

test('loadVectors reads text files piece by piece: lines across 1 MiB chunks, multi-byte words, limit', () => {
  const n = 6000;
  const d = 20;
  const words = Array.from({ length: n }, (_, i) => `wörd${i}é`);
  const values = Float32Array.from({ length: n * d }, (_, i) => Math.fround(Math.sin(i) * 3));
  const kv = new nb.text.KeyedVectors(words, values, d);
  const w2v = join(dir, 'big.txt');
  const glove = join(dir, 'big.glove');
  writeFileSync(w2v, kv.toWord2VecText());
  writeFileSync(glove, kv.toGloveText());
  assert.ok(kv.toGloveText().length > 2 ** 20, 'the file spans several chunks');
  for (const [path, format] of [[w2v, 'word2vec'], [glove, 'glove']] as const) {
    const loaded = textNode.loadVectors(path, { format });
    assert.deepEqual(loaded.indexToKey, words);
    assert.deepEqual(loaded.vectors, values);
    assert.deepEqual(textNode.loadVectors(path, { format, limit: 3 }).indexToKey, words.slice(0, 3));
  }
  assert.throws(() => textNode.loadVectors(glove), /does not start with a "words dims" line \(give format: 'glove'/);
  assert.throws(() => textNode.loadVectors(w2v, { format: 'fasttext' as 'glove' }), /format must be 'word2vec', 'word2vec-binary' or 'glove'/);
});
