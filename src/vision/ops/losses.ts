/**
 * Box-regression losses (GIoU, DIoU, CIoU) between matched boxes and the RetinaNet focal loss, with
 * torchvision.ops' formulas, eps placement and reductions (default 'none', as there).
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { sameShape, shapeStr } from '../../tensor/shape.js';
import { add, div, gt, logicalAnd, maximum, minimum, mul, pow, sigmoid, square, sub, where } from '../../ops/elementwise.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { unbind } from '../../ops/join.js';
import { binaryCrossEntropyWithLogits } from '../../nn/functional/loss.js';
import { checkBoxes, ciouAspectTerm, type BoxesLike } from './boxes.js';
import { num, oneOf, parseArgs, type Args } from '../../ops/args.js';

export type Reduction = 'none' | 'mean' | 'sum';

export interface BoxLossOptions {
  /** 'none' (default, as torchvision), 'mean' or 'sum'. */
  reduction?: Reduction;
  /** Added to denominators against division by zero (default 1e-7). */
  eps?: number;
}

function reduce(op: string, loss: Tensor, reduction: unknown): Tensor {
  if (reduction === undefined || reduction === 'none') return loss;
  if (reduction === 'sum') return loss.sum();
  if (reduction === 'mean') return loss.numel() === 0 ? mul(loss.sum(), 0) : loss.mean();
  throw new Error(`${op}: reduction must be 'none', 'mean' or 'sum', got ${JSON.stringify(reduction)}`);
}

function matched(op: string, boxes1: BoxesLike, boxes2: BoxesLike, options: BoxLossOptions): { a: Tensor; b: Tensor; eps: number } {
  const eps = options.eps ?? 1e-7;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${op}: eps must be a non-negative number, got ${String(eps)}`);
  const a = checkBoxes(op, boxes1, 'boxes1', { rank: 'pair' });
  const b = checkBoxes(op, boxes2, 'boxes2', { rank: 'pair' });
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`${op}: boxes1 ${shapeStr(a.shape)} and boxes2 ${shapeStr(b.shape)} must have the same shape (matched pairs; use the pairwise IoU functions for all pairs)`);
  }
  return { a, b, eps };
}

interface Terms {
  iou: Tensor;
  union: Tensor;
  encW: Tensor;
  encH: Tensor;
  parts: [Tensor[], Tensor[]];
}

function lossTerms(a: Tensor, b: Tensor, eps: number): Terms {
  const [x1, y1, x2, y2] = unbind(a, -1) as [Tensor, Tensor, Tensor, Tensor];
  const [x1g, y1g, x2g, y2g] = unbind(b, -1) as [Tensor, Tensor, Tensor, Tensor];
  const w = sub(minimum(x2, x2g), maximum(x1, x1g));
  const h = sub(minimum(y2, y2g), maximum(y1, y1g));
  const inter = where(logicalAnd(gt(w, 0), gt(h, 0)), mul(w, h), 0);
  const union = sub(add(mul(sub(x2, x1), sub(y2, y1)), mul(sub(x2g, x1g), sub(y2g, y1g))), inter);
  const iou = div(inter, add(union, eps));
  const encW = sub(maximum(x2, x2g), minimum(x1, x1g));
  const encH = sub(maximum(y2, y2g), minimum(y1, y1g));
  return { iou, union, encW, encH, parts: [[x1, y1, x2, y2], [x1g, y1g, x2g, y2g]] };
}

const REDUCTION = oneOf('none', 'mean', 'sum');
/** torchvision's positional order (reduction, eps), or options after any of them. */
const BOX_LOSS_SPEC = { reduction: REDUCTION, eps: num };
type BoxLossArgs = Args<[reduction: Reduction, eps: number], BoxLossOptions>;

/** 1 - GIoU of matched boxes ([N, 4] or [4] each, x1 y1 x2 y2) (torchvision.ops.generalized_box_iou_loss). */
export function generalizedBoxIouLoss(boxes1: BoxesLike, boxes2: BoxesLike, ...args: BoxLossArgs): Tensor {
  const op = 'generalizedBoxIouLoss';
  const options = parseArgs(op, args, BOX_LOSS_SPEC);
  const { a, b, eps } = matched(op, boxes1, boxes2, options);
  const { iou, union, encW, encH } = lossTerms(a, b, eps);
  const enclosing = mul(encW, encH);
  const giou = sub(iou, div(sub(enclosing, union), add(enclosing, eps)));
  return reduce(op, sub(1, giou), options.reduction);
}

function diouLoss(t: Terms, eps: number): Tensor {
  const [[x1, y1, x2, y2], [x1g, y1g, x2g, y2g]] = t.parts;
  const diagonal = add(add(square(t.encW), square(t.encH)), eps);
  const dx = sub(div(add(x1!, x2!), 2), div(add(x1g!, x2g!), 2));
  const dy = sub(div(add(y1!, y2!), 2), div(add(y1g!, y2g!), 2));
  return add(sub(1, t.iou), div(add(pow(dx, 2), pow(dy, 2)), diagonal));
}

/** 1 - DIoU of matched boxes (torchvision.ops.distance_box_iou_loss). */
export function distanceBoxIouLoss(boxes1: BoxesLike, boxes2: BoxesLike, ...args: BoxLossArgs): Tensor {
  const op = 'distanceBoxIouLoss';
  const options = parseArgs(op, args, BOX_LOSS_SPEC);
  const { a, b, eps } = matched(op, boxes1, boxes2, options);
  return reduce(op, diouLoss(lossTerms(a, b, eps), eps), options.reduction);
}

/**
 * 1 - CIoU of matched boxes (torchvision.ops.complete_box_iou_loss). As in torchvision, the DIoU
 * part always uses eps = 1e-7 and `eps` enters only alpha = v / (1 - IoU + v + eps), which is
 * held constant in the gradient.
 */
export function completeBoxIouLoss(boxes1: BoxesLike, boxes2: BoxesLike, ...args: BoxLossArgs): Tensor {
  const op = 'completeBoxIouLoss';
  const options = parseArgs(op, args, BOX_LOSS_SPEC);
  const { a, b, eps } = matched(op, boxes1, boxes2, options);
  const terms = lossTerms(a, b, 1e-7);
  const [[x1, y1, x2, y2], [x1g, y1g, x2g, y2g]] = terms.parts;
  const v = ciouAspectTerm(sub(x2g!, x1g!), sub(y2g!, y1g!), sub(x2!, x1!), sub(y2!, y1!));
  const alpha = noGrad(() => div(v, add(add(sub(1, terms.iou), v), eps)));
  return reduce(op, add(diouLoss(terms, 1e-7), mul(alpha, v)), options.reduction);
}

export interface FocalLossOptions {
  /** Weight of the positive class in (0, 1), or -1 for none (default 0.25). */
  alpha?: number;
  /** Focusing exponent on (1 - p_t) (default 2). */
  gamma?: number;
  reduction?: Reduction;
}

/**
 * RetinaNet's focal loss on logits: alpha_t (1 - p_t)^gamma BCE(inputs, targets), elementwise
 * (torchvision.ops.sigmoid_focal_loss; reduction 'none' by default).
 */
export function sigmoidFocalLoss(
  inputs: Tensor,
  targets: Tensor,
  ...args: Args<[alpha: number, gamma: number, reduction: Reduction], FocalLossOptions>
): Tensor {
  const op = 'sigmoidFocalLoss';
  // torchvision's positional order (alpha, gamma, reduction), or options after any of them.
  const options = parseArgs(op, args, { alpha: num, gamma: num, reduction: REDUCTION });
  const alpha = options.alpha ?? 0.25;
  const gamma = options.gamma ?? 2;
  if (!(inputs instanceof Tensor) || !isFloat(inputs.dtype)) throw new Error(`${op}: inputs must be a floating-point Tensor of logits`);
  if (!(targets instanceof Tensor) || !sameShape(inputs.shape, targets.shape)) {
    throw new Error(`${op}: targets must be a Tensor of the inputs' shape ${shapeStr(inputs.shape)}, got ${targets instanceof Tensor ? shapeStr(targets.shape) : typeof targets}`);
  }
  if (typeof alpha !== 'number' || !(alpha === -1 || (alpha >= 0 && alpha <= 1))) throw new Error(`${op}: alpha must be in [0, 1] or -1 (no weighting), got ${String(alpha)}`);
  if (typeof gamma !== 'number' || !(gamma >= 0)) throw new Error(`${op}: gamma must be a non-negative number, got ${String(gamma)}`);
  const t = isFloat(targets.dtype) ? targets : targets.to(inputs.dtype);
  const p = sigmoid(inputs);
  const ce = binaryCrossEntropyWithLogits(inputs, t, { reduction: 'none' });
  const pT = add(mul(p, t), mul(sub(1, p), sub(1, t)));
  let loss = mul(ce, pow(sub(1, pT), gamma));
  if (alpha >= 0) loss = mul(add(mul(t, alpha), mul(sub(1, t), 1 - alpha)), loss);
  return reduce(op, loss, options.reduction);
}
