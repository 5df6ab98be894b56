/// <reference types="node" />
/**
 * `nabla style CONTENT STYLE --weights vgg19.safetensors|.pth --out out.png`: neural style transfer
 * through a VGG-19's features (torchvision's weights; the classifier's keys are ignored), with a
 * progress line. `--random-weights` runs without pretrained weights (torchvision's random
 * initialisation): texture-like results only, to try the pipeline.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { vision, type Tensor } from '../index.js';
import { load } from '../io/node.js';
import { readImage, writePng } from '../data/node.js';
import { adaptiveAvgPool2d } from '../nn/functional/pool.js';
import { checkKnownOptions, numberOption, stringOption, type ParsedArgs } from './args.js';
import type { Terminal } from './main.js';

const OPTIONS = ['weights', 'random-weights', 'out', 'steps', 'size', 'optimizer', 'lr', 'alpha', 'beta', 'tv', 'seed'];

/** A VGG-19's features with the weights of a torchvision vgg19 state dict (keys 'features.N.*', or 'N.*' for the features alone). */
export function vgg19FeaturesFrom(tensors: Record<string, Tensor>, source: string): ReturnType<typeof vision.models.vggFeatures> {
  const features = vision.models.vggFeatures('vgg19', false);
  const keys = Object.keys(tensors);
  const prefixed = keys.filter((k) => k.startsWith('features.'));
  const chosen = prefixed.length > 0 ? Object.fromEntries(prefixed.map((k) => [k.slice('features.'.length), tensors[k]!])) : tensors;
  try {
    features.loadStateDict(chosen);
  } catch (e) {
    throw new Error(`${source} does not hold VGG-19 weights (torchvision's vgg19 state dict): ${(e as Error).message}`);
  }
  return features;
}

/** Scales an image [1, C, H, W] to the given size by area averaging (nearest repetition when enlarging). */
function resize(image: Tensor, height: number, width: number): Tensor {
  return image.shape[2] === height && image.shape[3] === width ? image : adaptiveAvgPool2d(image, [height, width]);
}

export function runStyle(contentPath: string, stylePath: string, args: ParsedArgs, term: Terminal): { image: Tensor; losses: number[] } {
  checkKnownOptions(args, 'nabla style', OPTIONS);
  const weights = stringOption(args, 'weights');
  const random = args.options.get('random-weights') === true;
  if (args.options.has('random-weights') && !random) throw new Error('--random-weights is a flag and takes no value');
  if ((weights === undefined) === !random) {
    throw new Error(
      'nabla style: give --weights FILE (torchvision\'s vgg19 weights: vgg19-dcbb9e9d.pth, or a .safetensors made from it with nabla convert) ' +
        'or --random-weights (no pretrained features: texture-like results only)',
    );
  }
  const steps = numberOption(args, 'steps', 300, { integer: true, min: 1 });
  const size = numberOption(args, 'size', 256, { integer: true, min: 16, max: 4096 });
  const optimizer = stringOption(args, 'optimizer') ?? 'lbfgs';
  if (optimizer !== 'lbfgs' && optimizer !== 'adam') throw new Error(`--optimizer must be lbfgs or adam, got '${optimizer}'`);
  const out = stringOption(args, 'out') ?? 'nabla-out/style.png';

  const features = random ? vision.models.vggFeatures('vgg19', false) : vgg19FeaturesFrom(load(weights!), weights!);
  const content = readImage(contentPath, { channels: 3 });
  const [h, w] = [content.shape[2]!, content.shape[3]!];
  const scale = Math.min(1, size / Math.max(h, w));
  const height = Math.max(1, Math.round(h * scale));
  const width = Math.max(1, Math.round(w * scale));
  const style = resize(readImage(stylePath, { channels: 3 }), height, width);
  term.log(`Style transfer: ${width}x${height} pixels, ${steps} evaluations with ${optimizer}, VGG-19 ${random ? 'with RANDOM weights (texture-like results only)' : `weights from ${weights}`}.`);

  const started = Date.now();
  const result = vision.styleTransfer(resize(content, height, width), style, {
    model: features,
    steps,
    optimizer,
    ...(args.options.has('lr') ? { lr: numberOption(args, 'lr', 1, { min: 0 }) } : {}),
    alpha: numberOption(args, 'alpha', 10, { min: 0 }),
    beta: numberOption(args, 'beta', 40, { min: 0 }),
    tvWeight: numberOption(args, 'tv', 0, { min: 0 }),
    seed: numberOption(args, 'seed', 0, { integer: true, min: 0 }),
    onStep: (step, j) => {
      const line = `step ${step}/${steps}  J ${j.total.toExponential(3)}  content ${j.content.toExponential(3)}  style ${j.style.toExponential(3)}  ${((Date.now() - started) / 1000).toFixed(0)}s`;
      if (term.progress.isTTY) term.progress.write(`\r${line}${step === steps ? '\n' : ''}`);
      else if (step === 1 || step === steps || step % Math.max(1, Math.round(steps / 10)) === 0) term.log(line);
    },
  });
  mkdirSync(dirname(out) || '.', { recursive: true });
  writePng(out, result.image);
  term.log(`J went from ${result.losses[0]!.toExponential(3)} to ${result.losses[result.losses.length - 1]!.toExponential(3)}; wrote ${out}`);
  return result;
}
