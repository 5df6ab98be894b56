/** Bounding-box metrics. */
import { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';

function boxes(op: string, x: Tensor | readonly (readonly number[])[], what: string): Float64Array {
  const rows = x instanceof Tensor ? null : x;
  const shape = rows === null ? (x as Tensor).shape : [rows.length, rows.every((r) => r.length === 4) ? 4 : -1];
  if (shape.length !== 2 || shape[1] !== 4) throw new Error(`${op}: ${what} must have shape [N, 4] (x1, y1, x2, y2), got ${shapeStr(shape)}`);
  const values = rows === null ? Float64Array.from((x as Tensor).toTypedArray()) : Float64Array.from(rows.flat());
  for (let i = 0; i < shape[0]!; i++) {
    const [x1, y1, x2, y2] = values.subarray(i * 4, i * 4 + 4);
    if (!(x2! >= x1! && y2! >= y1!)) throw new Error(`${op}: ${what}[${i}] = [${x1}, ${y1}, ${x2}, ${y2}] is not (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1`);
  }
  return values;
}

/**
 * Intersection over union of every box in `a` ([N, 4]) with every box in `b` ([M, 4]), boxes as
 * (x1, y1, x2, y2) corners: an [N, M] tensor (torchvision.ops.box_iou). Empty pairs give 0.
 */
export function boxIou(a: Tensor | readonly (readonly number[])[], b: Tensor | readonly (readonly number[])[]): Tensor {
  const op = 'boxIou';
  const p = boxes(op, a, 'first boxes');
  const q = boxes(op, b, 'second boxes');
  const n = p.length / 4;
  const m = q.length / 4;
  const dtype = a instanceof Tensor && isFloat(a.dtype) ? a.dtype : 'float32';
  const out = dtype === 'float64' ? new Float64Array(n * m) : new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const areaA = (p[i * 4 + 2]! - p[i * 4]!) * (p[i * 4 + 3]! - p[i * 4 + 1]!);
    for (let j = 0; j < m; j++) {
      const areaB = (q[j * 4 + 2]! - q[j * 4]!) * (q[j * 4 + 3]! - q[j * 4 + 1]!);
      const w = Math.max(0, Math.min(p[i * 4 + 2]!, q[j * 4 + 2]!) - Math.max(p[i * 4]!, q[j * 4]!));
      const h = Math.max(0, Math.min(p[i * 4 + 3]!, q[j * 4 + 3]!) - Math.max(p[i * 4 + 1]!, q[j * 4 + 1]!));
      const inter = w * h;
      const union = areaA + areaB - inter;
      out[i * m + j] = union > 0 ? inter / union : 0;
    }
  }
  return Tensor.fromData(out, [n, m], dtype);
}
