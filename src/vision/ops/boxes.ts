/**
 * Box geometry with torchvision.ops semantics: format conversion, areas, the pairwise IoU family
 * (IoU, GIoU, DIoU, CIoU), clipping, small-box removal and boxes around masks. Everything is
 * composed of tensor ops, so the IoU family is differentiable as in torchvision.
 */
import { Tensor } from '../../tensor/tensor.js';
import { tensor as makeTensor } from '../../tensor/creation.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { apply, type OpDef } from '../../autograd/function.js';
import { add, clamp, div, maximum, minimum, mul, pow, square, sub } from '../../ops/elementwise.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { stack, unbind } from '../../ops/join.js';

/** Boxes as a Tensor, or as rows of four numbers (read as float32). */
export type BoxesLike = Tensor | readonly (readonly number[])[];

export type BoxFormat = 'xyxy' | 'xywh' | 'cxcywh';
const FORMATS: readonly string[] = ['xyxy', 'xywh', 'cxcywh'];

export interface BoxCheck {
  /** Required rank: 2 ([N, 4]), 'pair' ([N, 4] or [4]) or 'any' ([..., 4]). */
  rank?: 2 | 'pair' | 'any';
  /** How the four numbers are read, for the sanity check (x2 >= x1, or width >= 0). */
  format?: BoxFormat;
}

/**
 * `boxes` as a floating-point tensor after checking its shape and that every box is well formed
 * (corners ordered for 'xyxy', non-negative width and height otherwise; NaN is malformed).
 */
export function checkBoxes(op: string, boxes: unknown, what: string, check: BoxCheck = {}): Tensor {
  const rank = check.rank ?? 2;
  const format = check.format ?? 'xyxy';
  let t: Tensor;
  if (boxes instanceof Tensor) t = boxes;
  else if (Array.isArray(boxes)) {
    const rows = boxes as unknown[];
    if (!rows.every((r) => Array.isArray(r) && r.length === 4 && r.every((v) => typeof v === 'number'))) {
      throw new Error(`${op}: ${what} must have shape [N, 4] (${format}): rows of 4 numbers, got ${JSON.stringify(boxes).slice(0, 80)}`);
    }
    t = rows.length === 0 ? makeTensor([], { dtype: 'float32' }).reshape([0, 4]) : makeTensor(rows as number[][], { dtype: 'float32' });
  } else throw new Error(`${op}: ${what} must be a Tensor of boxes, got ${boxes === null ? 'null' : typeof boxes}`);
  const okRank = rank === 2 ? t.ndim === 2 : rank === 'pair' ? t.ndim === 2 || t.ndim === 1 : t.ndim >= 1;
  if (!okRank || t.shape[t.ndim - 1] !== 4) {
    const want = rank === 2 ? '[N, 4]' : rank === 'pair' ? '[N, 4] or [4]' : '[..., 4]';
    throw new Error(`${op}: ${what} must have shape ${want} (${format}), got ${shapeStr(t.shape)}`);
  }
  if (!isFloat(t.dtype)) t = t.float();
  const v = t.toTypedArray();
  for (let i = 0; i < v.length; i += 4) {
    const [a, b, c, d] = [v[i]!, v[i + 1]!, v[i + 2]!, v[i + 3]!];
    const ok = format === 'xyxy' ? c >= a && d >= b : c >= 0 && d >= 0 && Number.isFinite(a) && Number.isFinite(b);
    if (!ok) {
      const rule = format === 'xyxy' ? '(x1, y1, x2, y2) with x2 >= x1 and y2 >= y1' : `${format} with non-negative width and height`;
      throw new Error(`${op}: ${what}[${i / 4}] = [${a}, ${b}, ${c}, ${d}] is not ${rule}`);
    }
  }
  return t;
}

function checkFormat(op: string, name: string, fmt: unknown): asserts fmt is BoxFormat {
  if (typeof fmt !== 'string' || !FORMATS.includes(fmt)) {
    throw new Error(`${op}: ${name} must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got ${JSON.stringify(fmt)}`);
  }
}

function coords(t: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  return unbind(t, -1) as [Tensor, Tensor, Tensor, Tensor];
}

/** Boxes from one format to another ('xyxy' corners, 'xywh' corner + size, 'cxcywh' centre + size); any [..., 4]. */
export function boxConvert(boxes: BoxesLike, inFmt: BoxFormat, outFmt: BoxFormat): Tensor {
  const op = 'boxConvert';
  checkFormat(op, 'inFmt', inFmt);
  checkFormat(op, 'outFmt', outFmt);
  const t = checkBoxes(op, boxes, 'boxes', { rank: 'any', format: inFmt });
  if (inFmt === outFmt) return t.clone();
  const [a, b, c, d] = coords(t);
  let xyxy: [Tensor, Tensor, Tensor, Tensor];
  if (inFmt === 'xyxy') xyxy = [a, b, c, d];
  else if (inFmt === 'xywh') xyxy = [a, b, add(a, c), add(b, d)];
  else {
    const hw = mul(c, 0.5);
    const hh = mul(d, 0.5);
    xyxy = [sub(a, hw), sub(b, hh), add(a, hw), add(b, hh)];
  }
  const [x1, y1, x2, y2] = xyxy;
  if (outFmt === 'xyxy') return stack(xyxy, -1);
  const w = sub(x2, x1);
  const h = sub(y2, y1);
  if (outFmt === 'xywh') return stack([x1, y1, w, h], -1);
  return stack([div(add(x1, x2), 2), div(add(y1, y2), 2), w, h], -1);
}

function areaOf(t: Tensor): Tensor {
  const [x1, y1, x2, y2] = coords(t);
  return mul(sub(x2, x1), sub(y2, y1));
}

/** Areas of [N, 4] (x1, y1, x2, y2) boxes: [N]. */
export function boxArea(boxes: BoxesLike): Tensor {
  return areaOf(checkBoxes('boxArea', boxes, 'boxes'));
}

interface Pairwise {
  inter: Tensor;
  union: Tensor;
  /** Width and height of the smallest box enclosing each pair, [N, M] each. */
  encW: Tensor;
  encH: Tensor;
  a: Tensor;
  b: Tensor;
}

function pairwise(op: string, boxes1: BoxesLike, boxes2: BoxesLike): Pairwise {
  const a = checkBoxes(op, boxes1, 'boxes1');
  const b = checkBoxes(op, boxes2, 'boxes2');
  const [ax1, ay1, ax2, ay2] = coords(a).map((c) => c.unsqueeze(1)) as [Tensor, Tensor, Tensor, Tensor];
  const [bx1, by1, bx2, by2] = coords(b);
  const w = clamp(sub(minimum(ax2, bx2), maximum(ax1, bx1)), 0);
  const h = clamp(sub(minimum(ay2, by2), maximum(ay1, by1)), 0);
  const inter = mul(w, h);
  const union = sub(add(areaOf(a).unsqueeze(1), areaOf(b)), inter);
  const encW = clamp(sub(maximum(ax2, bx2), minimum(ax1, bx1)), 0);
  const encH = clamp(sub(maximum(ay2, by2), minimum(ay1, by1)), 0);
  return { inter, union, encW, encH, a, b };
}

/**
 * Intersection over union of every box in `boxes1` ([N, 4]) with every box in `boxes2` ([M, 4]),
 * (x1, y1, x2, y2) corners: [N, M] (torchvision.ops.box_iou; two empty boxes give NaN, 0 / 0, as there).
 */
export function boxIou(boxes1: BoxesLike, boxes2: BoxesLike): Tensor {
  const { inter, union } = pairwise('boxIou', boxes1, boxes2);
  return div(inter, union);
}

/** Generalized IoU, [N, M]: IoU - (enclosing area - union) / enclosing area (torchvision.ops.generalized_box_iou). */
export function generalizedBoxIou(boxes1: BoxesLike, boxes2: BoxesLike): Tensor {
  const { inter, union, encW, encH } = pairwise('generalizedBoxIou', boxes1, boxes2);
  const enclosing = mul(encW, encH);
  return sub(div(inter, union), div(sub(enclosing, union), enclosing));
}

function diouIou(op: string, boxes1: BoxesLike, boxes2: BoxesLike, eps: number): { diou: Tensor; iou: Tensor; a: Tensor; b: Tensor } {
  checkEps(op, eps);
  const { inter, union, encW, encH, a, b } = pairwise(op, boxes1, boxes2);
  const iou = div(inter, union);
  const diagonal = add(add(square(encW), square(encH)), eps);
  const [ax1, ay1, ax2, ay2] = coords(a);
  const [bx1, by1, bx2, by2] = coords(b);
  const dx = sub(div(add(ax1, ax2), 2).unsqueeze(1), div(add(bx1, bx2), 2));
  const dy = sub(div(add(ay1, ay2), 2).unsqueeze(1), div(add(by1, by2), 2));
  const centres = add(square(dx), square(dy));
  return { diou: sub(iou, div(centres, diagonal)), iou, a, b };
}

function checkEps(op: string, eps: unknown): void {
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${op}: eps must be a non-negative number, got ${String(eps)}`);
}

/** Distance IoU, [N, M]: IoU - squared centre distance / squared enclosing diagonal (+ eps) (torchvision.ops.distance_box_iou). */
export function distanceBoxIou(boxes1: BoxesLike, boxes2: BoxesLike, eps = 1e-7): Tensor {
  return diouIou('distanceBoxIou', boxes1, boxes2, eps).diou;
}

const atanOp: OpDef<null> = {
  name: 'atan',
  forward([x], _attrs, save) {
    save(x!);
    const v = x!.toTypedArray();
    const out = x!.dtype === 'float64' ? new Float64Array(v.length) : new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Math.atan(v[i]!);
    return Tensor.fromData(out, x!.shape, x!.dtype);
  },
  backward(g, ctx) {
    return [div(g, add(square(ctx.saved[0]!), 1))];
  },
};

/** Elementwise arctangent (floating point), differentiable: d/dx atan x = 1 / (1 + x^2). */
export function atan(x: Tensor): Tensor {
  if (!(x instanceof Tensor) || !isFloat(x.dtype)) throw new Error(`atan: expected a floating-point Tensor, got ${x instanceof Tensor ? x.dtype : typeof x}`);
  return apply(atanOp, [x.contiguous()], null);
}

/** The CIoU aspect-ratio term v = 4 / pi^2 (atan(w1 / h1) - atan(w2 / h2))^2 for broadcastable widths and heights. */
function aspectTerm(w1: Tensor, h1: Tensor, w2: Tensor, h2: Tensor): Tensor {
  return mul(pow(sub(atan(div(w1, h1)), atan(div(w2, h2))), 2), 4 / (Math.PI * Math.PI));
}

/**
 * Complete IoU, [N, M]: DIoU - alpha v with the aspect-ratio term v and alpha = v / (1 - IoU + v + eps)
 * held constant in the gradient (torchvision.ops.complete_box_iou).
 */
export function completeBoxIou(boxes1: BoxesLike, boxes2: BoxesLike, eps = 1e-7): Tensor {
  const { diou, iou, a, b } = diouIou('completeBoxIou', boxes1, boxes2, eps);
  const [ax1, ay1, ax2, ay2] = coords(a);
  const [bx1, by1, bx2, by2] = coords(b);
  const v = aspectTerm(sub(ax2, ax1).unsqueeze(1), sub(ay2, ay1).unsqueeze(1), sub(bx2, bx1), sub(by2, by1));
  const alpha = noGrad(() => div(v, add(add(sub(1, iou), v), eps)));
  return sub(diou, mul(alpha, v));
}

export { aspectTerm as ciouAspectTerm };

/** Boxes ([..., 4], x1 y1 x2 y2) clipped to an image of size [height, width] (torchvision.ops.clip_boxes_to_image). */
export function clipBoxesToImage(boxes: BoxesLike, size: readonly [number, number]): Tensor {
  const op = 'clipBoxesToImage';
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => typeof s === 'number' && s >= 0)) {
    throw new Error(`${op}: size must be [height, width] with non-negative numbers, got ${JSON.stringify(size)}`);
  }
  const t = checkBoxes(op, boxes, 'boxes', { rank: 'any' });
  const [height, width] = size;
  const [x1, y1, x2, y2] = coords(t);
  return stack([clamp(x1, 0, width), clamp(y1, 0, height), clamp(x2, 0, width), clamp(y2, 0, height)], -1);
}

/** Indices (int32) of the boxes whose width and height are both >= minSize (torchvision.ops.remove_small_boxes). */
export function removeSmallBoxes(boxes: BoxesLike, minSize: number): Tensor {
  const op = 'removeSmallBoxes';
  if (typeof minSize !== 'number' || Number.isNaN(minSize)) throw new Error(`${op}: minSize must be a number, got ${String(minSize)}`);
  const v = checkBoxes(op, boxes, 'boxes').toTypedArray();
  const keep: number[] = [];
  for (let i = 0; i < v.length / 4; i++) {
    if (v[i * 4 + 2]! - v[i * 4]! >= minSize && v[i * 4 + 3]! - v[i * 4 + 1]! >= minSize) keep.push(i);
  }
  return Tensor.fromData(Int32Array.from(keep), [keep.length], 'int32');
}

/**
 * The tightest (x1, y1, x2, y2) box around the non-zero pixels of each mask in [N, H, W]: [N, 4] float32,
 * with x2, y2 the last pixel's index (torchvision.ops.masks_to_boxes). An empty mask is an error.
 */
export function masksToBoxes(masks: Tensor): Tensor {
  const op = 'masksToBoxes';
  if (!(masks instanceof Tensor) || masks.ndim !== 3) {
    throw new Error(`${op}: masks must be a Tensor of shape [N, H, W], got ${masks instanceof Tensor ? shapeStr(masks.shape) : typeof masks}`);
  }
  const [n, h, w] = masks.shape as [number, number, number];
  const v = masks.toTypedArray();
  const out = new Float32Array(n * 4);
  for (let k = 0; k < n; k++) {
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (v[(k * h + y) * w + x] === 0) continue;
        if (x < x1) x1 = x;
        if (x > x2) x2 = x;
        if (y < y1) y1 = y;
        if (y > y2) y2 = y;
      }
    }
    if (x2 < 0) throw new Error(`${op}: mask ${k} has no non-zero pixel, so it has no box`);
    out.set([x1, y1, x2, y2], k * 4);
  }
  return Tensor.fromData(out, [n, 4], 'float32');
}
