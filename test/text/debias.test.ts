import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const { text } = nb;
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

/** Words in 6 dims: a gender axis (dim 0) plus random content; 'doctor' and 'nurse' leak gender. */
function genderedVectors(): nb.text.KeyedVectors {
  const g = new nb.Generator(11);
  const r = (): number => g.nextDouble() - 0.5;
  const words: string[] = [];
  const rows: number[] = [];
  const add = (word: string, gender: number): void => {
    words.push(word);
    rows.push(gender + 0.05 * r(), r(), r(), r(), r(), r());
  };
  for (const [f, m] of [['she', 'he'], ['woman', 'man'], ['girl', 'boy'], ['mother', 'father'], ['queen', 'king']]) {
    add(f!, 1);
    add(m!, -1);
  }
  add('doctor', -0.4);
  add('nurse', 0.5);
  add('table', 0);
  return new text.KeyedVectors(words, Float32Array.from(rows), 6);
}

const pairs: [string, string][] = [['she', 'he'], ['woman', 'man'], ['girl', 'boy'], ['mother', 'father']];

test('biasDirection finds the gender axis by PCA (linalg.svd) and by the mean difference', () => {
  const kv = genderedVectors();
  for (const method of ['pca', 'mean'] as const) {
    const g = text.biasDirection(kv, pairs, { method });
    assert.ok(Math.abs(Math.hypot(...g) - 1) < 1e-6);
    assert.ok(g[0]! > 0.8, `${method}: direction ${Array.from(g).map((x) => x.toFixed(2))}`);
  }
  assert.throws(() => text.biasDirection(kv, []), /give at least one pair/);
  assert.throws(() => text.biasDirection(kv, [['she']] as never), /pair 0 must be two words/);
  assert.throws(() => text.biasDirection(kv, pairs, { method: 'svd' as 'pca' }), /method must be 'pca' or 'mean'/);
});

test('neutralize removes the projection; equalize makes the pair symmetric unit vectors', () => {
  const kv = genderedVectors();
  const g = text.biasDirection(kv, pairs);
  const doctor = kv.getVector('doctor');
  assert.ok(Math.abs(dot(doctor, g)) > 0.1);
  assert.ok(Math.abs(dot(text.neutralize(doctor, g), g)) < 1e-6);
  const [q, k] = text.equalize(kv.getVector('queen'), kv.getVector('king'), g);
  assert.ok(Math.abs(dot(q, g) + dot(k, g)) < 1e-6, 'opposite projections');
  assert.ok(dot(q, g) > 0, 'queen stays on her side');
  assert.ok(Math.abs(Math.hypot(...q) - 1) < 1e-6 && Math.abs(Math.hypot(...k) - 1) < 1e-6);
  const qOrth = text.neutralize(q, g);
  const kOrth = text.neutralize(k, g);
  qOrth.forEach((x, i) => assert.ok(Math.abs(x - kOrth[i]!) < 1e-6, 'same component orthogonal to the direction'));
  assert.throws(() => text.neutralize([1, 2], g), /must have the same length/);
});

test('hardDebias: neutral words lose their bias and are equidistant from equalized pairs', () => {
  const kv = genderedVectors();
  const { vectors, direction } = text.hardDebias(kv, { definitionalPairs: pairs, equalizePairs: [...pairs, ['queen', 'king']] });
  for (const w of ['doctor', 'nurse', 'table']) assert.ok(Math.abs(dot(vectors.getVector(w), direction)) < 1e-6, w);
  for (const w of ['doctor', 'nurse']) {
    assert.ok(Math.abs(vectors.similarity(w, 'she') - vectors.similarity(w, 'he')) < 1e-6, `${w} is as close to she as to he`);
    assert.ok(Math.abs(vectors.similarity(w, 'queen') - vectors.similarity(w, 'king')) < 1e-6);
  }
  assert.ok(kv.similarity('nurse', 'she') - kv.similarity('nurse', 'he') > 0.2, 'before: nurse leans to she');
});
