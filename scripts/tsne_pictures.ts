/**
 * Writes the t-SNE pictures in docs/: the 1,797 digits coloured by class (docs/digits-tsne.svg)
 * and word2vec vectors of KJV words in seven groups, labelled (docs/words-tsne.svg).
 * Usage: npx tsx scripts/tsne_pictures.ts [path/to/kjv.txt] (default ../shared/datasets/text/kjv.txt).
 */
import { writeFileSync } from 'node:fs';
import * as nb from '../src/index.js';
import { text as textNode } from '../src/node.js';

const docs = new URL('../docs/', import.meta.url);

const digits = nb.data.loadDigits();
const d = nb.manifold.tsne(digits.features, { seed: 0 });
const tw = nb.metrics.trustworthiness(digits.features, d.embedding);
writeFileSync(new URL('digits-tsne.svg', docs), nb.plot.scatterChart(d.embedding, {
  classes: digits.labels, classNames: digits.classNames, radius: 2.2, width: 720, height: 560,
  title: `t-SNE of the 8x8 digits (trustworthiness ${tw.toFixed(3)}, KL ${d.klDivergence.toFixed(3)})`,
}));
console.log(`digits: trustworthiness ${tw.toFixed(4)}, KL ${d.klDivergence.toFixed(4)}`);

const groups: Record<string, string[]> = {
  family: ['father', 'mother', 'son', 'daughter', 'brother', 'sister', 'wife', 'husband', 'children'],
  rulers: ['king', 'queen', 'prince', 'priest', 'prophet', 'servant', 'captain', 'governor'],
  places: ['jerusalem', 'egypt', 'babylon', 'israel', 'judah', 'samaria', 'galilee', 'damascus'],
  animals: ['sheep', 'goats', 'oxen', 'lamb', 'horses', 'camels', 'lion', 'dove', 'ass'],
  numbers: ['two', 'three', 'four', 'five', 'seven', 'ten', 'twelve', 'forty', 'hundred'],
  body: ['hand', 'eyes', 'head', 'heart', 'mouth', 'face', 'feet', 'ears'],
  nature: ['water', 'fire', 'earth', 'heaven', 'sea', 'river', 'mountain', 'wind'],
};
const path = process.argv[2] ?? new URL('../../shared/datasets/text/kjv.txt', new URL('../', import.meta.url)).pathname;
const verses = textNode.readKjv(path);
const model = new nb.text.Word2Vec(verses, { sg: 1, vectorSize: 100, window: 5, minCount: 5, epochs: 5, workers: 2, seed: 1 });
const words: string[] = [];
const classes: number[] = [];
Object.values(groups).forEach((list, g) => list.forEach((w) => { if (model.wv.has(w)) { words.push(w); classes.push(g); } }));
const vectors = words.map((w) => Array.from(model.wv.getVector(w, { norm: true })));
const e = nb.manifold.tsne(vectors, { method: 'exact', perplexity: 8, seed: 0 });
writeFileSync(new URL('words-tsne.svg', docs), nb.plot.scatterChart(e.embedding, {
  classes, classNames: Object.keys(groups), labels: words, width: 720, height: 560,
  title: `t-SNE of word2vec vectors (skip-gram on KJV), ${words.length} words`,
}));
console.log(`words: ${words.length}, KL ${e.klDivergence.toFixed(4)}, trustworthiness ${nb.metrics.trustworthiness(vectors, e.embedding).toFixed(4)}`);
