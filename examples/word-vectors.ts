/**
 * Course 5, week 2: word vectors. Train word2vec (skip-gram with negative sampling) on the King
 * James Bible, then use the vectors as the course does: cosine similarity, nearest words,
 * analogies (a is to b as c is to ?: the word nearest to b - a + c) and debiasing (the gender
 * direction g from pairs like he/she; neutralize removes a word's component along g, equalize makes
 * a pair symmetric about the words without it). The course loads pretrained GloVe vectors; none are
 * bundled, so these are trained here.
 *
 * Data: the whole KJV (../shared/datasets/text/kjv.txt, 31,102 verses) when present, else
 * examples/data/genesis.txt (Genesis 1-27 from the same file, 19k words, carried in the repo; KJV
 * text is in the public domain). Short mode always uses genesis.txt, so it prints the same wherever it runs.
 *
 *   npx tsx examples/word-vectors.ts      (NABLA_EXAMPLE_SHORT=1: Genesis 1-27, 20 epochs)
 *
 * Expected output (full run, about 20 seconds):
 *   corpus: the KJV, 31102 verses, 789684 words
 *   vocabulary: 5323 words
 *   similarity: father~mother 0.73, son~daughter 0.56, father~water 0.09
 *   nearest to 'brother': friend wife sister mother uncle
 *   nearest to 'camels': asses mules ophir bows hooks
 *   son : daughter :: brother : mother; he : she :: his : her
 *   analogy questions: 686/1922 right (35.7%; 0 skipped: a word outside the vocabulary)
 *   cosine with g before: servant 0.18, maidservants -0.07, camels -0.18, land -0.02
 *   cosine with g after:  servant 0.00, maidservants 0.00, camels 0.00, land 0.00
 *   similarity to brother minus to sister, 'servant': 0.12 before, 0.00 after
 * Short mode (the test runs it): vocabulary: 701 words, son~daughter 0.91, he : she :: his : her, analogy questions: 32/626 right, servant 0.00
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nb from '../src/index.js';
import { text as nodeText } from '../src/node.js';
const { text } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const kjv = new URL('../../shared/datasets/text/kjv.txt', import.meta.url).pathname; // next to the repository
const path = !short && existsSync(kjv) ? kjv : new URL('data/genesis.txt', import.meta.url).pathname;

// Corpus: one verse per line, lower-cased words without punctuation (chapter headings skipped).
const verses = nodeText.readKjv(path);
console.log(`corpus: ${path.endsWith('kjv.txt') ? 'the KJV' : 'Genesis 1-27'}, ${verses.length} verses, ${verses.reduce((n, v) => n + v.length, 0)} words`);

// word2vec: 100 numbers per word (50 on the small corpus), a window of 5 words, 5 negative samples,
// words seen at least 5 times. One worker thread, so the vectors are the same every run.
const small = !path.endsWith('kjv.txt');
const model = new text.Word2Vec(verses, { sg: 1, vectorSize: small ? 50 : 100, window: 5, negative: 5, minCount: small ? 3 : 5, epochs: small ? 20 : 5, seed: 1, workers: 1 });
model.train(verses);
const wv = model.wv;
console.log(`vocabulary: ${wv.size} words`);

// Cosine similarity: u.v / (|u| |v|).
const cos = (a: string, b: string) => wv.similarity(a, b).toFixed(2);
console.log(`similarity: father~mother ${cos('father', 'mother')}, son~daughter ${cos('son', 'daughter')}, father~water ${cos('father', 'water')}`);
const near = (w: string) => wv.mostSimilar({ positive: [w], topn: 5 }).map(([n]) => n).join(' ');
console.log(`nearest to 'brother': ${near('brother')}`);
console.log(`nearest to 'camels': ${near('camels')}`);

// Analogies: son is to daughter as brother is to ?  (3CosAdd: nearest to daughter - son + brother).
const analogy = (a: string, b: string, c: string) => wv.mostSimilar({ positive: [b, c], negative: [a], topn: 1 })[0]![0];
console.log(`son : daughter :: brother : ${analogy('son', 'daughter', 'brother')}; he : she :: his : ${analogy('he', 'she', 'his')}`);
// The analogy questions of bench/data (family, plural, pronoun and verb-tense pairs in the KJV's words).
const questions = readFileSync(new URL('../bench/data/kjv-questions-words.txt', import.meta.url), 'utf8');
const result = wv.evaluateAnalogies(questions);
console.log(`analogy questions: ${result.correct}/${result.correct + result.incorrect} right (${(100 * result.accuracy).toFixed(1)}%; ${result.skipped} skipped: a word outside the vocabulary)`);

// Debiasing. g: the first principal component of the differences of gendered pairs.
const pairs: [string, string][] = [['he', 'she'], ['man', 'woman'], ['his', 'her'], ['father', 'mother'], ['son', 'daughter']];
const g = text.biasDirection(wv, pairs);
const unit = (v: ArrayLike<number>) => Array.from(v).map((x, _, all) => x / Math.hypot(...all));
const fixed2 = (x: number) => (Math.abs(x) < 0.005 ? 0 : x).toFixed(2); // no "-0.00"
const alongG = (kv: nb.text.KeyedVectors, w: string) => fixed2(unit(kv.getVector(w)).reduce((s, x, i) => s + x * g[i]!, 0));
const words = ['servant', 'maidservants', 'camels', 'land'];
console.log(`cosine with g before: ${words.map((w) => `${w} ${alongG(wv, w)}`).join(', ')}`);
// hardDebias neutralizes every word outside the pairs and equalizes the pairs.
const { vectors: fair } = text.hardDebias(wv, { definitionalPairs: pairs, equalizePairs: [...pairs, ['brother', 'sister'], ['husband', 'wife']] });
console.log(`cosine with g after:  ${words.map((w) => `${w} ${alongG(fair, w)}`).join(', ')}`);
const gap = (kv: nb.text.KeyedVectors, w: string) => fixed2(kv.similarity(w, 'brother') - kv.similarity(w, 'sister'));
console.log(`similarity to brother minus to sister, 'servant': ${gap(wv, 'servant')} before, ${gap(fair, 'servant')} after`);
