/**
 * Test-time tricks from the course: average the predictions of several models (an ensemble), and
 * multi-crop evaluation (torchvision's TenCrop: four corners and the centre, of the image and of its
 * mirror image, predictions averaged).
 */
import { F, flip, nn, noGrad, stack, Tensor } from '../index.js';
import { checkOptionKeys } from '../ops/args.js';

export interface AverageOptions {
  /** Average softmax probabilities over dim 1 (default, for classifiers) or the raw outputs ('none'). */
  transform?: 'softmax' | 'none';
}

function checkTransform(op: string, options: AverageOptions): 'softmax' | 'none' {
  checkOptionKeys(op, options, ['transform']);
  const t = options.transform ?? 'softmax';
  if (t !== 'softmax' && t !== 'none') throw new Error(`${op}: transform must be 'softmax' or 'none', got ${String(t)}`);
  return t;
}

/** Runs a model in eval mode without gradients (its mode restored after). */
function predictWith(op: string, model: nn.Module, input: Tensor, transform: 'softmax' | 'none'): Tensor {
  if (!(model instanceof nn.Module)) throw new Error(`${op}: models must be nn.Modules`);
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const out = (model as unknown as { forward(x: Tensor): unknown }).forward(input);
      if (!(out instanceof Tensor)) throw new Error(`${op}: a model returned ${typeof out}, not a tensor`);
      return transform === 'softmax' ? F.softmax(out, 1) : out;
    });
  } finally {
    model.train(wasTraining);
  }
}

/** The mean of several models' predictions for one input (softmax probabilities by default). */
export function ensemblePredict(models: readonly nn.Module[], input: Tensor, options: AverageOptions = {}): Tensor {
  const op = 'strategy.ensemblePredict';
  const transform = checkTransform(op, options);
  if (!Array.isArray(models) || models.length === 0) throw new Error(`${op}: models must be a non-empty array`);
  const outputs = models.map((m) => predictWith(op, m, input, transform));
  outputs.forEach((o, i) => {
    if (o.shape.join() !== outputs[0]!.shape.join()) throw new Error(`${op}: model ${i} gave shape [${o.shape.join(', ')}], model 0 [${outputs[0]!.shape.join(', ')}]`);
  });
  return stack(outputs).mean(0);
}

/** Python's round(): halves to even (torchvision's center_crop offsets use it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's TenCrop on [N, C, H, W]: [10, N, C, h, w] holding the top-left, top-right,
 * bottom-left, bottom-right and centre crops of the images, then the same of the horizontally
 * flipped images (vertically flipped with { verticalFlip: true }).
 */
export function tenCrop(images: Tensor, size: number | readonly [number, number], options: { verticalFlip?: boolean } = {}): Tensor {
  const op = 'strategy.tenCrop';
  checkOptionKeys(op, options, ['verticalFlip']);
  if (!(images instanceof Tensor) || images.ndim !== 4) throw new Error(`${op}: images must be a tensor [N, C, H, W]`);
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  const [H, W] = [images.shape[2]!, images.shape[3]!];
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1 || h > H || w > W) throw new Error(`${op}: crop size [${h}, ${w}] must be positive integers no larger than the images' [${H}, ${W}]`);
  const crop = (x: Tensor, top: number, left: number): Tensor => x.narrow(2, top, h).narrow(3, left, w);
  const five = (x: Tensor): Tensor[] => [crop(x, 0, 0), crop(x, 0, W - w), crop(x, H - h, 0), crop(x, H - h, W - w), crop(x, roundHalfEven((H - h) / 2), roundHalfEven((W - w) / 2))];
  const mirrored = flip(images, [options.verticalFlip === true ? 2 : 3]);
  return stack([...five(images), ...five(mirrored)]);
}

/** Multi-crop evaluation: the model's predictions on the ten crops of each image, averaged ([N, K]). */
export function multiCropPredict(model: nn.Module, images: Tensor, size: number | readonly [number, number], options: AverageOptions & { verticalFlip?: boolean } = {}): Tensor {
  const op = 'strategy.multiCropPredict';
  const { verticalFlip, ...rest } = options;
  const transform = checkTransform(op, rest);
  const crops = tenCrop(images, size, verticalFlip === undefined ? {} : { verticalFlip });
  return stack(Array.from({ length: 10 }, (_, k) => predictWith(op, model, crops.select(0, k), transform))).mean(0);
}
