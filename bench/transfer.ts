/**
 * The transfer-learning recipe on Fashion-MNIST (issue 11): pretrain a small CNN on classes 0-4,
 * then learn classes 5-9 from only 100 labelled images per class, three ways:
 *   (a) from scratch: the same CNN, random weights, trained on the 500 images;
 *   (b) frozen backbone + new head: the pretrained backbone's features computed once
 *       (vision.precomputeFeatures), a new linear head trained on them;
 *   (c) fine-tuning the last block: the frozen first blocks' outputs precomputed, the last conv
 *       block (lr 3e-4) and a new head (lr 3e-3) trained as two parameter groups (vision.fineTuneGroups).
 * Test accuracy on all 5,000 test images of classes 5-9, over three seeds for the small-data runs.
 * Appends a row to bench/RESULTS.md. Run: nice npx tsx bench/transfer.ts [FASHION_MNIST_DIR]
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as nb from '../src/index.js';
import { fashionMnist } from '../src/data/node.js';

const { nn, optim, vision, F } = nb;
const dir = process.argv[2] ?? new URL('../../shared/datasets/fashion-mnist', import.meta.url).pathname;
const started = performance.now();
const data = fashionMnist(dir);

/** The images and labels (shifted by `offset`) of the given classes, at most `perClass` of each. */
function subset(split: { images: nb.Tensor; labels: nb.Tensor }, classes: number[], perClass: number, offset: number) {
  const labels = split.labels.toTypedArray();
  const counts = new Map<number, number>();
  const picked: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const c = Number(labels[i]);
    if (!classes.includes(c) || (counts.get(c) ?? 0) >= perClass) continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    picked.push(i);
  }
  const index = nb.tensor(Int32Array.from(picked));
  return { x: split.images.indexSelect(0, index), y: split.labels.indexSelect(0, index).sub(offset) };
}

const block = (i: number, o: number) => new nn.Sequential(new nn.Conv2d(i, o, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2));
/** 28x28 -> 8x14x14 -> 16x7x7 -> 32x3x3 -> 5 classes; block '0.2' is the last. */
const makeCnn = () => new nn.Sequential(new nn.Sequential(block(1, 8), block(8, 16), block(16, 32)), new nn.Flatten(), new nn.Linear(32 * 3 * 3, 5));

function fit(model: nb.nn.Module, params: ReturnType<typeof vision.fineTuneGroups> | nb.Tensor[], x: nb.Tensor, y: nb.Tensor, epochs: number, lr: number, seed: number): void {
  const optimizer = new optim.Adam(params, { lr });
  const gen = new nb.Generator(seed);
  const n = x.shape[0]!;
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = nb.randperm(n, { generator: gen });
    for (let start = 0; start < n; start += 50) {
      const index = order.narrow(0, start, Math.min(50, n - start));
      optimizer.zeroGrad();
      F.crossEntropy((model.forward as (input: nb.Tensor) => nb.Tensor)(x.indexSelect(0, index)), y.indexSelect(0, index)).backward();
      optimizer.step();
    }
  }
}

function accuracy(model: nb.nn.Module, x: nb.Tensor, y: nb.Tensor): number {
  model.eval();
  const predicted = vision.precomputeFeatures(model, x, { batchSize: 1000 }).argmax(1);
  return predicted.eq(y).float().mean().item();
}

// Pretraining: 2,400 images of each of classes 0-4, 3 epochs.
nb.manualSeed(0);
const source = subset(data.train, [0, 1, 2, 3, 4], 2400, 0);
const sourceTest = subset(data.test, [0, 1, 2, 3, 4], 1000, 0);
const pretrained = makeCnn();
fit(pretrained, [...pretrained.parameters()], source.x, source.y, 3, 2e-3, 0);
const pretrainSeconds = (performance.now() - started) / 1000;
const sourceAccuracy = accuracy(pretrained, sourceTest.x, sourceTest.y);
console.log(`pretrained on ${source.x.shape[0]} images of classes 0-4: test accuracy ${(100 * sourceAccuracy).toFixed(2)}% (${pretrainSeconds.toFixed(0)} s)`);

const target = subset(data.train, [5, 6, 7, 8, 9], 100, 5);
const targetTest = subset(data.test, [5, 6, 7, 8, 9], 1000, 5);
const seeds = [1, 2, 3];
const results: Record<string, number[]> = { scratch: [], frozen: [], finetune: [] };
const backbone = () => new nn.Sequential(pretrainedCopy().at(0), new nn.Flatten());
/** A fresh copy of the pretrained CNN (each run starts from the same weights). */
function pretrainedCopy(): nb.nn.Sequential {
  const copy = makeCnn();
  copy.loadStateDict(pretrained.stateDict());
  return copy;
}

for (const seed of seeds) {
  // (a) from scratch, 40 epochs on the 500 images.
  nb.manualSeed(seed);
  const scratch = makeCnn();
  fit(scratch, [...scratch.parameters()], target.x, target.y, 40, 2e-3, seed);
  results.scratch!.push(accuracy(scratch, targetTest.x, targetTest.y));

  // (b) frozen backbone: features computed once, a new head trained 100 epochs on them.
  const frozen = backbone();
  const trainFeatures = vision.precomputeFeatures(frozen, target.x);
  const testFeatures = vision.precomputeFeatures(frozen, targetTest.x);
  nb.manualSeed(seed);
  const head = new nn.Linear(32 * 3 * 3, 5);
  fit(head, [...head.parameters()], trainFeatures, target.y, 100, 3e-3, seed);
  results.frozen!.push(accuracy(head, testFeatures, targetTest.y));

  // (c) fine-tune the last block: the first two blocks' outputs precomputed; block 3 (lr 3e-4) and a new head (lr 3e-3).
  const copy = pretrainedCopy();
  const features = copy.at(0) as nb.nn.Sequential;
  const firstBlocks = new nn.Sequential(features.at(0), features.at(1));
  nb.manualSeed(seed);
  const tuned = new nn.Sequential(features.at(2), new nn.Flatten(), new nn.Linear(32 * 3 * 3, 5));
  const groups = vision.fineTuneGroups(tuned, { head: ['2'], lr: 3e-3, blocks: ['0'], blocksLr: 3e-4 });
  fit(tuned, groups, vision.precomputeFeatures(firstBlocks, target.x), target.y, 40, 3e-3, seed);
  results.finetune!.push(accuracy(tuned, vision.precomputeFeatures(firstBlocks, targetTest.x), targetTest.y));
  console.log(`seed ${seed}: scratch ${results.scratch!.at(-1)!.toFixed(4)}, frozen ${results.frozen!.at(-1)!.toFixed(4)}, fine-tuned ${results.finetune!.at(-1)!.toFixed(4)}`);
}

const seconds = (performance.now() - started) / 1000;
const cell = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return `${(100 * mean).toFixed(1)}% (${values.map((v) => (100 * v).toFixed(1)).join(', ')})`;
};
const row = `| ${new Date().toISOString().slice(0, 10)} | ${(100 * sourceAccuracy).toFixed(1)}% | ${cell(results.scratch!)} | ${cell(results.frozen!)} | ${cell(results.finetune!)} | ${seconds.toFixed(0)} s | ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, ${nb.getBackend().name} |`;
console.log(row);
const path = new URL('./RESULTS.md', import.meta.url);
const heading = '## Transfer learning on Fashion-MNIST (bench/transfer.ts)';
const text = readFileSync(path, 'utf8');
const at = text.indexOf(heading);
if (at < 0) {
  appendFileSync(path, `
${heading}

A CNN (three conv 3x3 + ReLU + max-pool blocks, 8/16/32 channels, then a linear head; 7,333 weights) pretrained on
Fashion-MNIST classes 0-4 (12,000 images, 3 epochs, Adam 2e-3), then classes 5-9 learned from only 100 labelled
images per class, tested on their 5,000 test images (chance: 20%). (a) from scratch: 40 epochs, Adam 2e-3;
(b) frozen backbone + new linear head on precomputed features (vision.precomputeFeatures): 100 epochs, Adam 3e-3;
(c) the first two blocks' outputs precomputed, the last block (lr 3e-4) and a new head (lr 3e-3) fine-tuned as two
parameter groups (vision.fineTuneGroups), 40 epochs. Mean over seeds 1-3 (each seed's value in brackets).

| date | source task (0-4) | (a) scratch | (b) frozen + head | (c) fine-tune last block | time | machine |
| --- | --- | --- | --- | --- | --- | --- |
${row}
`);
} else {
  // The new row goes at the end of this section's table.
  const lines = text.slice(at).split('\n');
  const firstRow = lines.findIndex((l) => l.startsWith('| ---'));
  let last = firstRow;
  while (lines[last + 1]?.startsWith('|')) last++;
  lines.splice(last + 1, 0, row);
  writeFileSync(path, text.slice(0, at) + lines.join('\n'));
}
