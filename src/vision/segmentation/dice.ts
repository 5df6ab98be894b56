/** The Dice loss for segmentation (V-Net, Milletari et al. 2016), soft and differentiable. */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add, div, mul, sigmoid, sub } from '../../ops/elementwise.js';
import { softmax } from '../../ops/nn.js';
import { oneHot } from '../../ops/indexing.js';
import { bool, num, parseOptions } from '../../ops/args.js';

export interface DiceLossOptions {
  /** Added to numerator and denominator (default 1): empty classes score 1, gradients stay finite. */
  smooth?: number;
  /** Leave the background class (0) out of the mean (default false). */
  ignoreBackground?: boolean;
}

/**
 * 1 - mean over classes of (2 sum(p t) + smooth) / (sum p + sum t + smooth), sums over the batch
 * and pixels. Multi-class: `logits` [N, C, H, W] (softmax) and `target` class indices [N, H, W]
 * (int32). Binary: `logits` [N, 1, H, W] (sigmoid) and `target` 0/1 of shape [N, H, W] or [N, 1, H, W].
 */
export function diceLoss(logits: Tensor, target: Tensor, options: DiceLossOptions = {}, ...extra: []): Tensor {
  const op = 'diceLoss';
  parseOptions(op, options, { smooth: num, ignoreBackground: bool }, extra);
  const smooth = options.smooth ?? 1;
  if (typeof smooth !== 'number' || !(smooth >= 0)) throw new Error(`${op}: smooth must be a non-negative number, got ${String(smooth)}`);
  if (!(logits instanceof Tensor) || !isFloat(logits.dtype) || logits.ndim < 3) {
    throw new Error(`${op}: logits must be a float Tensor [N, C, ...], got ${logits instanceof Tensor ? `${logits.dtype} ${shapeStr(logits.shape)}` : typeof logits}`);
  }
  if (!(target instanceof Tensor)) throw new Error(`${op}: target must be a Tensor`);
  const [n, c] = logits.shape as [number, number];
  const spatial = logits.shape.slice(2);
  let probs: Tensor;
  let truth: Tensor;
  if (c === 1) {
    const t = target.ndim === logits.ndim ? target : target.unsqueeze(1);
    if (shapeStr(t.shape) !== shapeStr(logits.shape)) throw new Error(`${op}: binary target must be [N, ...] or [N, 1, ...] matching logits ${shapeStr(logits.shape)}, got ${shapeStr(target.shape)}`);
    probs = sigmoid(logits);
    truth = t.to(logits.dtype);
  } else {
    if (target.dtype !== 'int32' || shapeStr(target.shape) !== shapeStr([n, ...spatial])) {
      throw new Error(`${op}: target must hold class indices (int32) of shape ${shapeStr([n, ...spatial])}, got ${target.dtype} ${shapeStr(target.shape)}`);
    }
    const v = target.toTypedArray();
    for (let i = 0; i < v.length; i++) if (!(v[i]! >= 0 && v[i]! < c)) throw new Error(`${op}: target holds class ${v[i]}, outside [0, ${c})`);
    probs = softmax(logits, 1);
    truth = oneHot(target, c).to(logits.dtype).permute([0, target.ndim, ...spatial.map((_, i) => i + 1)]);
  }
  const dims = [0, ...spatial.map((_, i) => i + 2)];
  const inter = mul(probs, truth).sum(dims);
  const denom = add(probs.sum(dims), truth.sum(dims));
  let dice = div(add(mul(inter, 2), smooth), add(denom, smooth));
  if (options.ignoreBackground && c > 1) dice = dice.slice(0, 1);
  return sub(1, dice.mean());
}
