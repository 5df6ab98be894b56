/**
 * Course 4, week 4: neural style transfer. Generate an image G whose activations in a conv net
 * match the content image C's at a deep layer (J_content) and whose Gram matrices (the
 * correlations between channels) match the style image S's at several layers (J_style), by
 * gradient descent on G's pixels: J(G) = alpha J_content + beta J_style.
 *
 * The course uses VGG-19 with ImageNet weights. None can be downloaded where Nabla is developed, so
 * the features here come from a small conv net with RANDOM filters: random filters keep colours and
 * local textures, not objects, so the result is a texture transfer. With torchvision's weights, pass
 * `model: vision.models.vggFeatures('vgg19', false)` loaded with them (docs/vision.md) and drop the
 * layer options: the course's layers are the defaults.
 *
 * Images: ../shared/datasets/images/china.jpg (content) and flower.jpg (style) at 72x48 when present;
 * else (and always in short mode) a synthetic scene (vision.syntheticShapes) as content and diagonal
 * colour stripes as style, at 32x32. The result is written to nabla-out/style-transfer.png.
 *
 *   npx tsx examples/style-transfer.ts      (NABLA_EXAMPLE_SHORT=1: 32x32 synthetic images, 10 steps)
 *
 * Expected output (full run, about 5 seconds):
 *   content and style: 72x48 pixels (photos)
 *   the content image itself: J_content 0.00e+0, J_style 1.22e-4
 *   J(G): 1.16e-3 at the start, 1.01e-4 after 100 evaluations
 *   the generated image: J_content 7.35e-5, J_style 2.78e-6
 *   wrote nabla-out/style-transfer.png (content | style | generated)
 * Short mode (the test runs it): the content image itself: J_content 0.00e+0, J(G): 3.32e-4 at the start, 1.39e-4 after 10 evaluations, the generated image: J_content 1.27e-5
 */
import { existsSync, mkdirSync } from 'node:fs';
import * as nb from '../src/index.js';
import { data as nodeData } from '../src/node.js';
const { nn, vision } = nb;

const short = process.env.NABLA_EXAMPLE_SHORT === '1';
const photos = new URL('../../shared/datasets/images/', import.meta.url).pathname;
const usePhotos = !short && existsSync(`${photos}china.jpg`);
nb.manualSeed(0);

// Images [1, 3, H, W] in [0, 1].
let content: nb.Tensor;
let style: nb.Tensor;
if (usePhotos) {
  const load = (name: string) => nb.F.adaptiveAvgPool2d(nodeData.readImage(`${photos}${name}`, { channels: 3 }), [48, 72]);
  [content, style] = [load('china.jpg'), load('flower.jpg')];
} else {
  content = vision.syntheticShapes({ count: 1, imageSize: 32, seed: 3 }).images;
  const [rows, cols] = [nb.arange(32).float().reshape([32, 1]), nb.arange(32).float().reshape([1, 32])];
  const phase = rows.add(cols).mul(Math.PI / 4); // stripes along the diagonal, 8 pixels apart
  style = nb.stack([phase.sin(), phase.add(2).sin(), phase.add(4).sin()]).mul(0.5).add(0.5).unsqueeze(0);
}
console.log(`content and style: ${content.shape.slice(2).reverse().join('x')} pixels (${usePhotos ? 'photos' : 'synthetic'})`);

// The feature extractor: conv + ReLU blocks with average pooling between; layer names are the Sequential's indices.
const net = new nn.Sequential(
  new nn.Conv2d(3, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
  new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
  new nn.Conv2d(64, 64, 3, { padding: 1 }), new nn.ReLU(),
);

// The costs: J_content at layer 7, J_style over layers 1, 4 and 7 (a third each). First between C and S themselves.
const extractor = vision.featureExtractor(net, ['1', '4', '7']);
const features = (x: nb.Tensor) => nb.noGrad(() => extractor.forward(x));
const [fC, fS] = [features(content), features(style)];
const layers = { '1': 1 / 3, '4': 1 / 3, '7': 1 / 3 };
const costs = (f: Record<string, nb.Tensor>) => `J_content ${vision.contentCost(fC['7']!, f['7']!).item().toExponential(2)}, J_style ${vision.styleCost(fS, f, layers).item().toExponential(2)}`;
console.log(`the content image itself: ${costs(fC)}`);

// styleTransfer starts from C plus noise and runs LBFGS on the pixels (clipped to [0, 1]); the
// images go in as they are (normalize: null), as they did above.
const steps = short ? 10 : 100;
const { image, losses } = vision.styleTransfer(content, style, {
  model: net, contentLayer: '7', styleLayers: layers, alpha: 1, beta: 10, steps, seed: 0, normalize: null,
});
console.log(`J(G): ${losses[0]!.toExponential(2)} at the start, ${losses[losses.length - 1]!.toExponential(2)} after ${losses.length} evaluations`);
console.log(`the generated image: ${costs(features(image))}`);

if (!short) {
  mkdirSync('nabla-out', { recursive: true });
  const gap = nb.ones([1, 3, content.shape[2]!, 2]);
  nodeData.writePng('nabla-out/style-transfer.png', nb.cat([content, gap, style, gap, image], 3).squeeze(0));
  console.log('wrote nabla-out/style-transfer.png (content | style | generated)');
}
