/**
 * Neural style transfer as the deeplearning.ai course teaches it (Gatys et al. 2015): the content
 * cost, Gram matrices, the weighted style cost, total variation, J(G) = alpha J_content +
 * beta J_style (+ tvWeight TV(G)), and styleTransfer, which optimizes the generated image with
 * LBFGS or Adam through any feature extractor (a VGG-19's features with torchvision's weights by
 * default).
 */
import { Generator, nn, noGrad, optim, rand, tensor, Tensor, zeros } from '../index.js';
import { featureExtractor, withFrozenParameters } from './features.js';
import { VGG } from './models/vgg.js';
import { checkOptionKeys } from '../ops/args.js';

/** Activations of one image: [1, C, H, W] (or [C, H, W]) -> [C, H, W] with its sizes. */
function activation(op: string, what: string, a: unknown): { a: Tensor; c: number; h: number; w: number } {
  if (!(a instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${a === null ? 'null' : typeof a}`);
  const shape = a.ndim === 4 ? a.shape : a.ndim === 3 ? [1, ...a.shape] : null;
  if (shape === null || shape[0] !== 1) {
    throw new Error(`${op}: ${what} must be the activations of one image, [1, C, H, W] or [C, H, W], got [${a.shape.join(', ')}]`);
  }
  const [, c, h, w] = shape as [number, number, number, number];
  return { a: a.reshape([c, h, w]), c, h, w };
}

function checkSameShape(op: string, first: Tensor, second: Tensor, names: [string, string]): void {
  if (first.shape.join() !== second.shape.join()) {
    throw new Error(
      `${op}: ${names[0]} has shape [${first.shape.join(', ')}] but ${names[1]} has shape [${second.shape.join(', ')}]; ` +
        'they must come from the same layer on images of the same size',
    );
  }
}

/** J_content = sum((a_C - a_G)^2) / (4 n_H n_W n_C): the content image's and the generated image's activations at one layer. */
export function contentCost(aC: Tensor, aG: Tensor): Tensor {
  const c = activation('contentCost', 'aC', aC);
  const g = activation('contentCost', 'aG', aG);
  checkSameShape('contentCost', c.a, g.a, ['aC', 'aG']);
  return c.a.sub(g.a).square().sum().div(4 * g.c * g.h * g.w);
}

/**
 * The Gram matrix G = A A^T of A [n_C, n_H n_W] (the course's unrolled activations): G[i][j] is the
 * correlation of channels i and j. Also takes activations [1, C, H, W] or [C, H, W] and unrolls them.
 */
export function gramMatrix(a: Tensor): Tensor {
  if (!(a instanceof Tensor)) throw new Error(`gramMatrix: expected a Tensor, got ${a === null ? 'null' : typeof a}`);
  const unrolled = a.ndim === 2 ? a : (() => {
    const { a: act, c, h, w } = activation('gramMatrix', 'the activations', a);
    return act.reshape([c, h * w]);
  })();
  return unrolled.matmul(unrolled.t());
}

/** One layer's style cost: sum((G_S - G_G)^2) / (2 n_H n_W n_C)^2, from the style image's and the generated image's activations. */
export function layerStyleCost(aS: Tensor, aG: Tensor): Tensor {
  const s = activation('layerStyleCost', 'aS', aS);
  const g = activation('layerStyleCost', 'aG', aG);
  checkSameShape('layerStyleCost', s.a, g.a, ['aS', 'aG']);
  return gramMatrix(s.a).sub(gramMatrix(g.a)).square().sum().div((2 * g.c * g.h * g.w) ** 2);
}

/** Layer names with their weights lambda_l (the course's STYLE_LAYERS). */
export type StyleLayers = Readonly<Record<string, number>>;

function checkStyleLayers(op: string, layers: unknown): [string, number][] {
  if (layers === null || typeof layers !== 'object' || Array.isArray(layers)) {
    throw new Error(`${op}: styleLayers must be an object { layerName: weight }, got ${Array.isArray(layers) ? 'an array' : String(layers)}`);
  }
  const entries = Object.entries(layers as Record<string, unknown>);
  if (entries.length === 0) throw new Error(`${op}: styleLayers is empty; give at least one { layerName: weight }`);
  for (const [name, weight] of entries) {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`${op}: the weight of style layer '${name}' must be a finite number >= 0, got ${String(weight)}`);
    }
  }
  return entries as [string, number][];
}

function feature(op: string, features: Readonly<Record<string, Tensor>>, name: string, what: string): Tensor {
  const t = features[name];
  if (!(t instanceof Tensor)) {
    throw new Error(`${op}: ${what} have no layer '${name}' (they have: ${Object.keys(features).join(', ') || 'none'})`);
  }
  return t;
}

/** J_style = sum over layers of lambda_l J_style^l, from the style and generated images' activations by layer name. */
export function styleCost(styleFeatures: Readonly<Record<string, Tensor>>, generatedFeatures: Readonly<Record<string, Tensor>>, styleLayers: StyleLayers): Tensor {
  const layers = checkStyleLayers('styleCost', styleLayers);
  let total: Tensor | null = null;
  for (const [name, weight] of layers) {
    const cost = layerStyleCost(feature('styleCost', styleFeatures, name, 'the style features'), feature('styleCost', generatedFeatures, name, 'the generated features')).mul(weight);
    total = total === null ? cost : total.add(cost);
  }
  return total!;
}

/**
 * Total variation, as tf.image.total_variation: the sum of the absolute differences of
 * neighbouring pixels, vertically and horizontally, over the whole batch [N, C, H, W] (or [C, H, W]).
 */
export function totalVariationLoss(image: Tensor): Tensor {
  if (!(image instanceof Tensor) || (image.ndim !== 3 && image.ndim !== 4)) {
    throw new Error(`totalVariationLoss: expected an image [N, C, H, W] or [C, H, W], got ${image instanceof Tensor ? `[${image.shape.join(', ')}]` : typeof image}`);
  }
  const h = image.shape[image.ndim - 2]!;
  const w = image.shape[image.ndim - 1]!;
  const vertical = image.narrow(-2, 1, h - 1).sub(image.narrow(-2, 0, h - 1)).abs().sum();
  return vertical.add(image.narrow(-1, 1, w - 1).sub(image.narrow(-1, 0, w - 1)).abs().sum());
}

/** J = alpha J_content + beta J_style (the course's total_cost, with its defaults alpha = 10, beta = 40). */
export function totalCost(jContent: Tensor, jStyle: Tensor, alpha = 10, beta = 40): Tensor {
  for (const [name, v] of [['alpha', alpha], ['beta', beta]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`totalCost: ${name} must be a finite number, got ${String(v)}`);
  }
  return jContent.mul(alpha).add(jStyle.mul(beta));
}

/** A function from an image batch to named activations (vision.featureExtractor's forward, or your own). */
export type Extractor = (image: Tensor) => Readonly<Record<string, Tensor>>;

/**
 * The course's layers, as indices into a VGG-19's `features` (torchvision's numbering): the ReLU
 * after conv1_1, conv2_1, conv3_1, conv4_1 and conv5_1 (Keras's block1_conv1 ... block5_conv1),
 * 0.2 each, and the ReLU after conv5_4 (block5_conv4) for content.
 */
export const VGG19_STYLE_LAYERS: StyleLayers = { '1': 0.2, '6': 0.2, '11': 0.2, '20': 0.2, '29': 0.2 };
export const VGG19_CONTENT_LAYER = '35';
/** ImageNet's channel means and standard deviations, which torchvision's pretrained VGGs expect. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface StyleObjectiveOptions {
  /** The model whose activations define the costs: a VGG (its `features` are used) or any module; give `model` or `extractor`. */
  model?: nn.Module;
  /** Or a function from an image to named activations (then the layer names are its keys). */
  extractor?: Extractor;
  /** The layer for the content cost (default VGG19_CONTENT_LAYER, '35'). */
  contentLayer?: string;
  /** The style layers and their weights (default VGG19_STYLE_LAYERS). */
  styleLayers?: StyleLayers;
  /** Weight of the content cost (default 10, as the course). */
  alpha?: number;
  /** Weight of the style cost (default 40). */
  beta?: number;
  /** Weight of the total-variation loss (default 0: off). */
  tvWeight?: number;
  /** Per-channel normalisation applied before the model ({ mean, std }; default ImageNet's; null: none). */
  normalize?: { mean: readonly number[]; std: readonly number[] } | null;
}

/** The costs at one image. */
export interface StyleLosses {
  total: Tensor;
  content: Tensor;
  style: Tensor;
  tv: Tensor;
}

const OBJECTIVE_KEYS = ['model', 'extractor', 'contentLayer', 'styleLayers', 'alpha', 'beta', 'tvWeight', 'normalize'];

function checkImage(op: string, what: string, image: unknown): Tensor {
  if (!(image instanceof Tensor) || image.ndim !== 4 || image.shape[0] !== 1) {
    throw new Error(`${op}: the ${what} image must be a [1, C, H, W] tensor, got ${image instanceof Tensor ? `[${image.shape.join(', ')}]` : typeof image}`);
  }
  return image;
}

/**
 * J(G) for a content and a style image: returns a function from a generated image to its costs
 * (total = alpha J_content + beta J_style + tvWeight TV(G)), differentiable with respect to the
 * image only. The content and style activations are computed once, here; a model is put in eval mode.
 */
export function styleObjective(content: Tensor, style: Tensor, options: StyleObjectiveOptions = {}, op = 'styleObjective'): (generated: Tensor) => StyleLosses {
  checkImage(op, 'content', content);
  checkImage(op, 'style', style);
  if (content.shape.join() !== style.shape.join()) {
    throw new Error(`${op}: the content image is [${content.shape.join(', ')}] but the style image is [${style.shape.join(', ')}]; resize them to the same size`);
  }
  const { alpha = 10, beta = 40, tvWeight = 0, contentLayer = VGG19_CONTENT_LAYER, styleLayers = VGG19_STYLE_LAYERS } = options;
  checkOptionKeys(op, options, [...OBJECTIVE_KEYS, ...STYLE_TRANSFER_KEYS]);
  for (const [name, v] of [['alpha', alpha], ['beta', beta], ['tvWeight', tvWeight]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
  }
  if (typeof contentLayer !== 'string') throw new Error(`${op}: contentLayer must be a layer name, got ${typeof contentLayer}`);
  const layers = checkStyleLayers(op, styleLayers);
  const extract = makeExtractor(op, options, contentLayer, layers.map(([name]) => name));
  const normalize = makeNormalize(op, options.normalize === undefined ? { mean: IMAGENET_MEAN, std: IMAGENET_STD } : options.normalize, content.shape[1]!);
  const [contentFeatures, styleFeatures] = noGrad(() => [extract(normalize(content)), extract(normalize(style))]);
  const aC = feature(op, contentFeatures!, contentLayer, 'the extractor\'s outputs');
  return (generated) => {
    checkImage(op, 'generated', generated);
    const g = extract(normalize(generated));
    const jContent = contentCost(aC, feature(op, g, contentLayer, "the extractor's outputs"));
    const jStyle = styleCost(styleFeatures!, g, styleLayers);
    const tv = tvWeight === 0 ? zeros([], { dtype: generated.dtype }) : totalVariationLoss(generated);
    const total = totalCost(jContent, jStyle, alpha, beta);
    return { total: tvWeight === 0 ? total : total.add(tv.mul(tvWeight)), content: jContent, style: jStyle, tv };
  };
}

function makeExtractor(op: string, options: StyleObjectiveOptions, contentLayer: string, styleNames: string[]): Extractor {
  const { model, extractor } = options;
  if ((model === undefined) === (extractor === undefined)) throw new Error(`${op}: give exactly one of model (an nn.Module) and extractor (a function)`);
  if (extractor !== undefined) {
    if (typeof extractor !== 'function') throw new Error(`${op}: extractor must be a function from an image to named activations`);
    return extractor;
  }
  if (!(model instanceof nn.Module)) throw new Error(`${op}: model must be an nn.Module, got ${model === null ? 'null' : typeof model}`);
  const body = model instanceof VGG ? model.features : model;
  body.eval();
  const fx = featureExtractor(body, [...new Set([contentLayer, ...styleNames])]);
  // The costs are functions of the image only: the model's parameters are left out of the graph.
  return (image) => withFrozenParameters(body, () => fx.forward(image));
}

function makeNormalize(op: string, normalize: StyleObjectiveOptions['normalize'], channels: number): (x: Tensor) => Tensor {
  if (normalize === null) return (x) => x;
  if (typeof normalize !== 'object' || !Array.isArray(normalize.mean) || !Array.isArray(normalize.std) || normalize.mean.length !== channels || normalize.std.length !== channels) {
    throw new Error(`${op}: normalize must be null or { mean, std } with ${channels} numbers each (one per channel)`);
  }
  return (x) => {
    const mean = tensor([...normalize.mean], { dtype: x.dtype }).reshape([1, channels, 1, 1]);
    const std = tensor([...normalize.std], { dtype: x.dtype }).reshape([1, channels, 1, 1]);
    return x.sub(mean).div(std);
  };
}

export interface StyleTransferOptions extends StyleObjectiveOptions {
  /** Loss evaluations (default 300); LBFGS's line search may finish its last iteration with up to 24 more. */
  steps?: number;
  /** 'lbfgs' (default, as PyTorch's tutorial) or 'adam' (as the course). */
  optimizer?: 'lbfgs' | 'adam';
  /** Learning rate (default 1 for LBFGS, 0.01 for Adam as the course). */
  lr?: number;
  /** The generated image starts as the content image plus uniform noise in [-noise, noise], clipped to [0, 1] (default 0.25, as the course). */
  noise?: number;
  /** Seed of the noise (default 0). */
  seed?: number;
  /** Called after each loss evaluation with its number (1-based) and the costs as numbers. */
  onStep?: (step: number, losses: { total: number; content: number; style: number; tv: number }) => void;
}

const STYLE_TRANSFER_KEYS = ['steps', 'optimizer', 'lr', 'noise', 'seed', 'onStep'];

export interface StyleTransferResult {
  /** The generated image, [1, C, H, W] in [0, 1]. */
  image: Tensor;
  /** J(G) at each evaluation (LBFGS's line-search trials included). */
  losses: number[];
}

/**
 * Neural style transfer: optimizes an image, initialised from the content image plus noise, to
 * minimise J(G) = alpha J_content + beta J_style (+ tvWeight TV(G)), keeping its pixels in [0, 1].
 * The model is put in eval mode; its parameters get no gradients.
 */
export function styleTransfer(content: Tensor, style: Tensor, options: StyleTransferOptions = {}): StyleTransferResult {
  const op = 'styleTransfer';
  const { steps = 300, optimizer = 'lbfgs', noise = 0.25, seed = 0, onStep } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${op}: steps must be an integer >= 1, got ${String(steps)}`);
  if (optimizer !== 'lbfgs' && optimizer !== 'adam') throw new Error(`${op}: optimizer must be 'lbfgs' or 'adam', got ${JSON.stringify(optimizer)}`);
  const lr = options.lr ?? (optimizer === 'lbfgs' ? 1 : 0.01);
  if (typeof lr !== 'number' || !(lr > 0)) throw new Error(`${op}: lr must be a number > 0, got ${String(lr)}`);
  if (typeof noise !== 'number' || !(noise >= 0)) throw new Error(`${op}: noise must be a number >= 0, got ${String(noise)}`);
  if (onStep !== undefined && typeof onStep !== 'function') throw new Error(`${op}: onStep must be a function`);
  const objective = styleObjective(content, style, options, op);
  const init = rand(content.shape, { dtype: content.dtype, generator: new Generator(seed) }).mul(2 * noise).sub(noise);
  const generated = content.add(init).clamp(0, 1).detach().requiresGrad_(true);
  const losses: number[] = [];
  const closure = (): Tensor => {
    generated.grad = null;
    const j = objective(generated);
    j.total.backward();
    losses.push(j.total.item());
    onStep?.(losses.length, { total: j.total.item(), content: j.content.item(), style: j.style.item(), tv: j.tv.item() });
    return j.total;
  };
  /** Clips the pixels to [0, 1]; true when some were outside. */
  const clip = (): boolean =>
    noGrad(() => {
      const outside = generated.lt(0).logicalOr(generated.gt(1)).any().item() === 1;
      if (outside) generated.clamp_(0, 1);
      return outside;
    });
  if (optimizer === 'adam') {
    const adam = new optim.Adam([generated], { lr });
    for (let i = 0; i < steps; i++) {
      adam.step(closure);
      clip();
    }
  } else {
    // The line search keeps every LBFGS step a descent; after clipping moved pixels the (s, y)
    // history no longer describes the path taken, so LBFGS starts afresh (with a stale history
    // and a fixed step, J can blow up).
    const newLbfgs = (): optim.LBFGS => new optim.LBFGS([generated], { lr, lineSearchFn: 'strong_wolfe' });
    let lbfgs = newLbfgs();
    while (losses.length < steps) {
      const left = steps - losses.length;
      Object.assign(lbfgs.paramGroups[0]!, { maxIter: Math.min(20, left), maxEval: Math.min(25, left) });
      lbfgs.step(closure);
      if (clip()) lbfgs = newLbfgs();
    }
  }
  return { image: generated.detach(), losses };
}
