/** Feature visualisation on small models whose answers are known: saliency, top patches, filter grids, the SVG grid. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';
import * as nb from '../../src/index.js';

const { vision, nn } = nb;
const f64 = { dtype: 'float64' } as const;

describe('saliencyMap', () => {
  // A linear classifier: the gradient of class c's score with respect to the image is W[c].
  nb.manualSeed(1);
  const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(2 * 3 * 3, 4));
  const images = nb.rand([2, 2, 3, 3]);
  const weight = model.at(1).stateDict().weight!;

  test('the gradient of the chosen class score, and its largest absolute value over channels', () => {
    const { gradient, saliency, classes } = vision.saliencyMap(model, images, [3, 1]);
    assert.deepEqual(classes, [3, 1]);
    for (const [i, c] of [[0, 3], [1, 1]] as const) {
      const expected = weight.select(0, c).reshape([2, 3, 3]);
      assert.deepEqual([...gradient.select(0, i).toTypedArray()], [...expected.toTypedArray()]);
      assert.deepEqual([...saliency.select(0, i).toTypedArray()], [...expected.abs().amax(0).toTypedArray()]);
    }
    assert.deepEqual(saliency.shape, [2, 3, 3]);
    assert.ok([...model.parameters()].every((p) => p.grad === null && p.requiresGrad), 'the model gets no gradients and stays trainable');
  });

  test('by default the predicted class; one index for all images', () => {
    const predicted = [...model.forward(images).argmax(1).toTypedArray()].map(Number);
    assert.deepEqual(vision.saliencyMap(model, images).classes, predicted);
    assert.deepEqual(vision.saliencyMap(model, images, 2).classes, [2, 2]);
  });

  test('runs in eval mode (dropout off) and restores the training mode', () => {
    const withDropout = new nn.Sequential(new nn.Dropout(0.9), model);
    withDropout.train();
    const { gradient } = vision.saliencyMap(withDropout, images, [3, 1]);
    assert.deepEqual([...gradient.select(0, 0).toTypedArray()], [...weight.select(0, 3).toTypedArray()]);
    assert.ok(withDropout.training && withDropout.at(0).training);
  });

  test('errors', () => {
    assert.throws(() => vision.saliencyMap(model, images, 4), /saliencyMap: classes must be one class index or 2 of them, each in \[0, 4\), got 4/);
    assert.throws(() => vision.saliencyMap(model, images, [0]), /classes must be one class index or 2 of them/);
    assert.throws(() => vision.saliencyMap(model, images.select(0, 0)), /images must be a float tensor \[N, C, H, W\], got a Tensor of shape \[2, 3, 3\]/);
    assert.throws(() => vision.saliencyMap(new nn.Identity(), images), /the model must return class scores \[N, classes\] for N = 2 images/);
  });
});

describe('topActivatingPatches', () => {
  // A bright-spot detector: a 3x3 box filter; then max pooling and a second 3x3 layer (RF 8, jump 2).
  const conv1 = new nn.Conv2d(1, 1, 3, { bias: false });
  const conv2 = new nn.Conv2d(1, 1, 3, { bias: false });
  nb.noGrad(() => {
    conv1.weight.fill_(1);
    conv2.weight.fill_(1);
  });
  const model = new nn.Sequential(conv1, new nn.ReLU(), new nn.MaxPool2d(2), conv2);
  const images = nb.zeros([3, 1, 12, 12]);
  nb.noGrad(() => {
    images.select(0, 1).narrow(1, 4, 3).narrow(2, 6, 3).fill_(1); // image 1: a 3x3 square at rows 4-6, cols 6-8
    images.select(0, 2).narrow(1, 0, 2).narrow(2, 0, 2).fill_(0.5); // image 2: a dimmer corner
  });

  test('first layer: the unit whose 3x3 field is the square, cropped exactly', () => {
    const patches = vision.topActivatingPatches(model, '0', 0, images, { k: 2 });
    assert.equal(patches.length, 2);
    const best = patches[0]!;
    assert.deepEqual([best.image, best.row, best.col, best.activation], [1, 4, 6, 9]);
    assert.deepEqual(best.box, [4, 6, 7, 9]);
    assert.deepEqual([...best.pixels.toTypedArray()], new Array(9).fill(1));
    assert.ok(patches[1]!.activation <= 9 && patches[1]!.image === 1);
  });

  test('deeper layer: an 8x8 field with jump 2 that contains the square; outside the image is 0', () => {
    const patches = vision.topActivatingPatches(model, '3', 0, images, { k: 3, batchSize: 2 });
    const best = patches[0]!;
    assert.equal(best.image, 1);
    const [top, left, bottom, right] = best.box;
    assert.equal(bottom - top, 8);
    assert.equal(right - left, 8);
    assert.ok(top <= 4 && bottom >= 7 && left <= 6 && right >= 9, `box ${best.box.join(',')} holds the square`);
    assert.equal(best.pixels.sum().item(), 9);
    assert.deepEqual(best.pixels.shape, [1, 8, 8]);
    assert.ok(patches.every((p, i) => i === 0 || p.activation <= patches[i - 1]!.activation), 'sorted, largest first');
  });

  test('errors name the valid layers and the channel range', () => {
    assert.throws(() => vision.topActivatingPatches(model, 'conv9', 0, images), /no layer 'conv9' with a 2-D output map; layers: 0, 1, 2, 3/);
    assert.throws(() => vision.topActivatingPatches(model, '0', 1, images), /channel must be an integer in \[0, 1\) for layer '0', got 1/);
    assert.throws(() => vision.topActivatingPatches(model, '0', 0, images, { k: 0 }), /k must be an integer >= 1/);
    assert.throws(() => vision.topActivatingPatches(model, '0', 0, images, { top: 3 } as never), /unknown option 'top'/);
  });
});

describe('filterGrid, imageGrid and svgImageGrid', () => {
  test('each colour filter scaled to [0, 1] by its own range, tiled with padding', () => {
    const weight = nb.arange(4 * 3 * 2 * 2, f64).reshape([4, 3, 2, 2]).mul(nb.tensor([1, -2, 3, 0.5], f64).reshape([4, 1, 1, 1]));
    const grid = vision.filterGrid(weight, { scale: 1, columns: 2, padding: 1 });
    assert.deepEqual(grid.shape, [3, 5, 5]);
    const first = grid.narrow(1, 0, 2).narrow(2, 0, 2);
    assert.deepEqual([first.min().item(), first.max().item()], [0, 1]);
    assert.equal(first.select(0, 0).select(0, 0).select(0, 0).item(), 0); // the smallest weight of filter 0
    assert.equal(grid.select(1, 2).sum().item(), 3 * 5); // the padding row is white
    const second = grid.narrow(1, 0, 2).narrow(2, 3, 2);
    assert.equal(second.select(0, 0).select(0, 0).select(0, 0).item(), 1); // filter 1 is negated: its first weight is now the largest
  });

  test('gray filters show their input channels side by side; a Conv2d is accepted; scale enlarges', () => {
    const conv = new nn.Conv2d(2, 5, 3);
    const grid = vision.filterGrid(conv, { columns: 5, padding: 0 });
    assert.deepEqual(grid.shape, [1, 3 * 4, 5 * 2 * 3 * 4]);
    assert.throws(() => vision.filterGrid(nb.zeros([3, 3])), /filterGrid: expected a Conv2d or its weight \[out, in, kH, kW\]/);
    assert.throws(() => vision.imageGrid([nb.zeros([1, 2, 2]), nb.zeros([1, 3, 3])]), /every image must be \[C, H, W\] of the first one's shape \[1, 2, 2\]/);
    assert.throws(() => vision.imageGrid([nb.zeros([1, 2, 2])], { columns: 0 }), /columns must be an integer >= 1/);
  });

  test('an SVG grid embeds each image as a PNG that decodes back, with captions', () => {
    const a = nb.tensor([0, 0.5, 1, 0.25]).reshape([1, 2, 2]);
    const b = nb.rand([3, 4, 5]);
    const svg = vision.svgImageGrid([a, b], { labels: ['a <gray>', 'b'], title: 'Two', scale: 2 });
    assert.equal(XMLValidator.validate(svg), true);
    const uris = [...svg.matchAll(/href="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(uris.length, 2);
    const decoded = nb.data.decodePng(Uint8Array.from(Buffer.from(uris[0]!, 'base64')));
    assert.deepEqual([...decoded.toTypedArray()].map((v) => Math.round(v * 255)), [0, 128, 255, 64]);
    assert.match(svg, /a &#60;gray&#62;/);
    assert.match(svg, /width="10" height="8"/);
    assert.throws(() => vision.svgImageGrid([a], { labels: [] }), /0 labels for 1 images/);
  });
});
