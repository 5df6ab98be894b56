/**
 * What vision.styleTransfer does without pretrained weights (none can be downloaded here): style
 * transfer from ../shared/datasets/images/china.jpg (content) and flower.jpg (style) through a
 * random multi-scale conv stack (four 3x3 conv + ReLU layers with average pooling between, random
 * filters). Random filters capture colours and local textures, not objects, so the result is a
 * texture transfer; real results need torchvision's VGG-19 weights (docs/vision.md).
 * Writes docs/images/style-random.png (content | style | result side by side).
 *
 *   node --import tsx scripts/style_demo.ts [../shared/datasets/images]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as nb from '../src/index.js';
import { readImage, writePng } from '../src/data/node.js';

const dir = process.argv[2] ?? new URL('../../shared/datasets/images', import.meta.url).pathname;
const root = new URL('..', import.meta.url).pathname;
const [height, width] = [96, 144];
const load = (name: string) => nb.F.adaptiveAvgPool2d(readImage(join(dir, name), { channels: 3 }), [height, width]);
const content = load('china.jpg');
const style = load('flower.jpg');

nb.manualSeed(0);
const { nn } = nb;
const net = new nn.Sequential(
  new nn.Conv2d(3, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
  new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
  new nn.Conv2d(64, 128, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
  new nn.Conv2d(128, 128, 3, { padding: 1 }), new nn.ReLU(),
);
const started = Date.now();
const result = nb.vision.styleTransfer(content, style, {
  model: net,
  contentLayer: '4',
  styleLayers: { '1': 0.25, '4': 0.25, '7': 0.25, '10': 0.25 },
  alpha: 1,
  beta: 2e3,
  steps: 150,
  onStep: (step, j) => {
    if (step % 25 === 0 || step === 1) console.log(`step ${step}: J ${j.total.toExponential(3)} (content ${j.content.toExponential(3)}, style ${j.style.toExponential(3)})`);
  },
});
console.log(`${((Date.now() - started) / 1000).toFixed(0)} s; J ${result.losses[0]!.toExponential(3)} -> ${result.losses[result.losses.length - 1]!.toExponential(3)}`);
mkdirSync(join(root, 'docs', 'images'), { recursive: true });
const gap = nb.ones([1, 3, height, 4]);
writePng(join(root, 'docs', 'images', 'style-random.png'), nb.cat([content, gap, style, gap, result.image], 3));
