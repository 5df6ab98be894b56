/**
 * Sliding windows as convolution (OverFeat; the course's "convolutional implementation of sliding
 * windows"): a classifier's trailing Flatten + Linear layers become convolutions with the same
 * weights, so one forward pass over a larger image gives the classifier's output for every window.
 */
import { Module } from '../../nn/module.js';
import { Sequential, Identity } from '../../nn/containers.js';
import { Linear } from '../../nn/layers/linear.js';
import { Flatten } from '../../nn/layers/flatten.js';
import { Conv2d } from '../../nn/layers/conv.js';
import { Dropout } from '../../nn/layers/dropout.js';
import { ReLU, LeakyReLU, ELU, SELU, GELU, Sigmoid, Tanh } from '../../nn/layers/activation.js';
import { zeros } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { checkOptionKeys, requireOptions } from '../../ops/args.js';

const ELEMENTWISE = [ReLU, LeakyReLU, ELU, SELU, GELU, Sigmoid, Tanh, Dropout, Identity];

export interface FullyConvolutionalOptions {
  /** The classifier's input as [channels, height, width]: the window size. */
  inputShape: readonly [number, number, number];
}

/**
 * A copy of `model` (a Sequential: convolutional part, Flatten, then Linear layers with elementwise
 * activations/dropout between them) whose first Linear becomes a Conv2d with the feature map's
 * kernel size and whose later Linears become 1 x 1 convolutions (new layers holding copies of the
 * Linear weights; the layers before the head are the model's own, shared). On an input of the window size it gives [N, classes, 1, 1]; on a larger image
 * [N, classes, gh, gw], one output per window position, windows stepping by the
 * convolutional part's total stride.
 */
export function toFullyConvolutional(model: Sequential, options: FullyConvolutionalOptions): Sequential {
  const op = 'toFullyConvolutional';
  if (!(model instanceof Sequential)) throw new Error(`${op}: model must be an nn.Sequential (convolutional layers, Flatten, Linear layers)`);
  requireOptions(op, options, ['inputShape']);
  checkOptionKeys(op, options, ['inputShape']);
  const shape = options.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${op}: options.inputShape must be [channels, height, width] of the classifier's input, got ${JSON.stringify(shape)}`);
  }
  const layers = [...model];
  const flat = layers.findIndex((m) => m instanceof Flatten || m instanceof Linear);
  if (flat < 0 || !layers.slice(flat).some((m) => m instanceof Linear)) throw new Error(`${op}: model has no Flatten/Linear head to convert`);
  const head = new Sequential(...layers.slice(0, flat));
  const features = noGrad(() => head.forward(zeros([1, ...shape], { dtype: firstDtype(model) })));
  if (features.ndim !== 4) throw new Error(`${op}: the layers before the head must give [N, C, H, W] feature maps, got ${features.ndim}-D`);
  let [c, h, w] = features.shape.slice(1) as [number, number, number];
  const out = new Sequential(...layers.slice(0, flat));
  layers.slice(flat).forEach((m, i) => {
    if (m instanceof Flatten) {
      if (i !== 0) throw new Error(`${op}: a Flatten after the first Linear (layer ${flat + i}) cannot be converted`);
      return;
    }
    if (m instanceof Linear) {
      if (m.inFeatures !== c * h * w) throw new Error(`${op}: layer ${flat + i} is Linear(${m.inFeatures} -> ${m.outFeatures}) but receives ${c} x ${h} x ${w} = ${c * h * w} features`);
      const conv = new Conv2d(c, m.outFeatures, [h, w], { bias: m.bias !== null, dtype: m.weight.dtype === 'float64' ? 'float64' : 'float32' });
      noGrad(() => {
        conv.weight.copy_(m.weight.reshape([m.outFeatures, c, h, w]));
        if (m.bias !== null) conv.bias!.copy_(m.bias);
      });
      out.append(conv);
      [c, h, w] = [m.outFeatures, 1, 1];
      return;
    }
    if (ELEMENTWISE.some((cls) => m instanceof cls)) return void out.append(m);
    throw new Error(`${op}: layer ${flat + i} (${m.constructor.name}) after the Flatten is not a Linear or an elementwise layer, so it cannot become a convolution`);
  });
  return out;
}

function firstDtype(model: Module): 'float32' | 'float64' {
  const p = model.parameters().next().value;
  return p !== undefined && p.dtype === 'float64' ? 'float64' : 'float32';
}
