/** `nabla style`: a tiny run with random VGG-19 weights, weights that are not VGG-19's, and argument errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { vgg19FeaturesFrom } from '../../src/cli/style.js';
import { save } from '../../src/io/node.js';
import { readImage, writePng } from '../../src/data/node.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-style-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

const gen = new nb.Generator(2);
const contentPath = join(dir, 'content.png');
const stylePath = join(dir, 'style.png');
writePng(contentPath, nb.rand([1, 3, 20, 30], { generator: gen }));
writePng(stylePath, nb.rand([1, 3, 40, 40], { generator: gen }));

test('nabla style --random-weights writes the image (creating its folder), resized to --size, with progress lines', async () => {
  const out = join(dir, 'new-folder', 'out.png');
  const { code, out: printed, err } = await run('style', contentPath, stylePath, '--random-weights', '--size', '24', '--steps', '3', '--out', out);
  assert.equal(code, 0, err);
  assert.match(printed, /Style transfer: 24x16 pixels, 3 evaluations with lbfgs, VGG-19 with RANDOM weights/);
  assert.match(printed, /step 1\/3 {2}J [\d.e+-]+ {2}content [\d.e+-]+ {2}style [\d.e+-]+/);
  assert.match(printed, /step 3\/3/);
  assert.match(printed, /J went from .* to .*; wrote /);
  assert.ok(existsSync(out));
  assert.deepEqual(readImage(out).shape, [1, 3, 16, 24]);
});

test('nabla style refuses weights that are not VGG-19 and missing arguments', async () => {
  const wrong = join(dir, 'wrong.safetensors');
  save({ 'features.0.weight': nb.zeros([8, 3, 3, 3]) }, wrong);
  let r = await run('style', contentPath, stylePath, '--weights', wrong);
  assert.equal(r.code, 1);
  assert.match(r.err, /wrong.safetensors does not hold VGG-19 weights \(torchvision's vgg19 state dict\)/);
  r = await run('style', contentPath, stylePath);
  assert.match(r.err, /give --weights FILE \(torchvision's vgg19 weights/);
  r = await run('style', contentPath);
  assert.match(r.err, /nabla style needs a content and a style image/);
  r = await run('style', contentPath, stylePath, '--random-weights', '--optimizer', 'sgd');
  assert.match(r.err, /--optimizer must be lbfgs or adam, got 'sgd'/);
  r = await run('style', contentPath, stylePath, '--random-weights', '--stepz', '3');
  assert.match(r.err, /nabla style: unknown option --stepz/);
});

test("vgg19FeaturesFrom takes torchvision's full vgg19 state dict (features.* keys; the classifier's are ignored) or the features' own", () => {
  nb.manualSeed(5);
  const source = nb.vision.models.vggFeatures('vgg19', false);
  const own = source.stateDict();
  const prefixed = { ...Object.fromEntries(Object.entries(own).map(([k, v]) => [`features.${k}`, v])), 'classifier.0.weight': nb.zeros([2, 2]) };
  for (const dict of [prefixed, own]) {
    const features = vgg19FeaturesFrom(dict, 'weights');
    assert.deepEqual([...features.stateDict()['34.weight']!.narrow(0, 0, 1).toTypedArray()], [...own['34.weight']!.narrow(0, 0, 1).toTypedArray()]);
  }
});
