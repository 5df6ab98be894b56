/**
 * Non-maximum suppression as torchvision's CPU kernel does it, bit for bit: boxes are visited in
 * descending score order, ties broken by the lower index first (torch's stable descending sort,
 * which torchvision's CPU sort matches), and a box is suppressed when its IoU with a kept box is
 * strictly greater than the threshold (IoU exactly at the threshold survives). IoU is computed in
 * the boxes' precision (float32 boxes in float32 arithmetic), so threshold ties resolve as there.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { checkBoxes, type BoxesLike } from './boxes.js';

function checkScores(op: string, scores: unknown, n: number, what = 'scores'): Float64Array {
  if (!(scores instanceof Tensor) && !Array.isArray(scores)) throw new Error(`${op}: ${what} must be a Tensor [N] or a number array, got ${typeof scores}`);
  const shape = scores instanceof Tensor ? scores.shape : [scores.length];
  if (shape.length !== 1 || shape[0] !== n) throw new Error(`${op}: ${what} must have shape [${n}] (one per box), got ${shapeStr(shape)}`);
  const v = scores instanceof Tensor ? Float64Array.from(scores.toTypedArray()) : Float64Array.from(scores as number[]);
  if (what === 'scores' && v.some((s) => Number.isNaN(s))) throw new Error(`${op}: scores contain NaN`);
  if (what === 'idxs' && v.some((s) => !Number.isInteger(s))) throw new Error(`${op}: idxs must be integer class indices`);
  return v;
}

function checkThreshold(op: string, iouThreshold: unknown): asserts iouThreshold is number {
  if (typeof iouThreshold !== 'number' || Number.isNaN(iouThreshold)) throw new Error(`${op}: iouThreshold must be a number, got ${String(iouThreshold)}`);
}

/** Visit order: descending score, lower index first among equal scores. */
function order(scores: Float64Array, among?: readonly number[]): number[] {
  const idx = among ? [...among] : Array.from(scores, (_, i) => i);
  return idx.sort((i, j) => (scores[j]! > scores[i]! ? 1 : scores[j]! < scores[i]! ? -1 : i - j));
}

/** The greedy suppression over `visit` (already in score order); arithmetic rounded to float32 when `f32`. */
function suppress(b: ArrayLike<number>, visit: readonly number[], threshold: number, f32: boolean): number[] {
  const r = f32 ? Math.fround : (x: number) => x;
  const area = (i: number) => r(r(b[i * 4 + 2]! - b[i * 4]!) * r(b[i * 4 + 3]! - b[i * 4 + 1]!));
  const suppressed = new Uint8Array(visit.length);
  const keep: number[] = [];
  for (let p = 0; p < visit.length; p++) {
    if (suppressed[p]) continue;
    const i = visit[p]!;
    keep.push(i);
    const iArea = area(i);
    for (let q = p + 1; q < visit.length; q++) {
      if (suppressed[q]) continue;
      const j = visit[q]!;
      const w = Math.max(0, r(Math.min(b[i * 4 + 2]!, b[j * 4 + 2]!) - Math.max(b[i * 4]!, b[j * 4]!)));
      const h = Math.max(0, r(Math.min(b[i * 4 + 3]!, b[j * 4 + 3]!) - Math.max(b[i * 4 + 1]!, b[j * 4 + 1]!)));
      const inter = r(w * h);
      if (r(inter / r(r(iArea + area(j)) - inter)) > threshold) suppressed[q] = 1;
    }
  }
  return keep;
}

function boxValues(op: string, boxes: BoxesLike): { values: ArrayLike<number>; n: number; f32: boolean } {
  const t = checkBoxes(op, boxes, 'boxes');
  return { values: t.toTypedArray(), n: t.shape[0]!, f32: !(boxes instanceof Tensor && isFloat(boxes.dtype) && boxes.dtype === 'float64') };
}

const indices = (keep: readonly number[]) => Tensor.fromData(Int32Array.from(keep), [keep.length], 'int32');

/**
 * Indices (int32) of the boxes ([N, 4], x1 y1 x2 y2) kept by greedy non-maximum suppression,
 * in descending score order: a box is dropped when its IoU with a higher-scoring kept box is
 * greater than `iouThreshold` (torchvision.ops.nms; tie rule in this file's header).
 */
export function nms(boxes: BoxesLike, scores: Tensor | readonly number[], iouThreshold: number): Tensor {
  const op = 'nms';
  checkThreshold(op, iouThreshold);
  const { values, n, f32 } = boxValues(op, boxes);
  const s = checkScores(op, scores, n);
  return indices(suppress(values, order(s), iouThreshold, f32));
}

/**
 * NMS within each category (`idxs`, one integer per box): boxes of different categories never
 * suppress each other (torchvision.ops.batched_nms). Kept indices in descending score order.
 */
export function batchedNms(boxes: BoxesLike, scores: Tensor | readonly number[], idxs: Tensor | readonly number[], iouThreshold: number): Tensor {
  const op = 'batchedNms';
  checkThreshold(op, iouThreshold);
  const { values, n, f32 } = boxValues(op, boxes);
  const s = checkScores(op, scores, n);
  const cls = checkScores(op, idxs, n, 'idxs');
  const groups = new Map<number, number[]>();
  cls.forEach((c, i) => (groups.get(c) ?? groups.set(c, []).get(c)!).push(i));
  const kept: number[] = [];
  for (const members of groups.values()) kept.push(...suppress(values, order(s, members), iouThreshold, f32));
  return indices(order(s, kept));
}
