/**
 * Region-of-interest pooling (torchvision.ops.roi_align / roi_pool, CPU kernel semantics). The
 * sampling positions and bilinear weights (or the max positions) are found in plain loops; the
 * output is then one gather from the flattened input times those weights, so gradients flow to
 * the input through autograd (scatter-add), as torchvision's backward kernels do.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { gt, mul, where } from '../../ops/elementwise.js';
import { gather } from '../../ops/indexing.js';
import { cat } from '../../ops/join.js';
import { bool, int, num, parseArgs, type Args } from '../../ops/args.js';

export interface RoiOptions {
  /** Scale from box coordinates to input-feature coordinates (1 / stride), default 1. */
  spatialScale?: number;
}

export interface RoiAlignOptions extends RoiOptions {
  /** Sampling points per bin side; <= 0 (default -1) uses ceil(roi size / output size). */
  samplingRatio?: number;
  /** Shift boxes by -0.5 pixel so pixel centres align (Detectron2's fix); default false as torchvision. */
  aligned?: boolean;
}

type Boxes = Tensor | readonly Tensor[];

function outputSizeOf(op: string, outputSize: unknown): [number, number] {
  const s = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${op}: outputSize must be a positive integer or [height, width], got ${JSON.stringify(outputSize)}`);
  }
  return s as [number, number];
}

/** Rois as rows (batch index, x1, y1, x2, y2): a [K, 5] tensor, or one [L, 4] tensor per image. */
function roisOf(op: string, boxes: Boxes, batch: number): Float64Array {
  let rois: Tensor;
  if (Array.isArray(boxes)) {
    const parts = (boxes as readonly Tensor[]).map((b, i) => {
      if (!(b instanceof Tensor) || b.ndim !== 2 || b.shape[1] !== 4) {
        throw new Error(`${op}: boxes[${i}] must be a Tensor [L, 4] (x1, y1, x2, y2 of image ${i}), got ${b instanceof Tensor ? shapeStr(b.shape) : typeof b}`);
      }
      const f = b.to('float64');
      const ids = Tensor.fromData(new Float64Array(b.shape[0]!).fill(i), [b.shape[0]!, 1], 'float64');
      return cat([ids, f], 1);
    });
    rois = parts.length === 0 ? Tensor.fromData(new Float64Array(0), [0, 5], 'float64') : cat(parts, 0);
  } else if (boxes instanceof Tensor) {
    if (boxes.ndim !== 2 || boxes.shape[1] !== 5) {
      throw new Error(`${op}: boxes must be a Tensor [K, 5] (batch index, x1, y1, x2, y2) or a list of [L, 4] tensors, got ${shapeStr(boxes.shape)}`);
    }
    rois = boxes;
  } else throw new Error(`${op}: boxes must be a Tensor [K, 5] or a list of [L, 4] tensors, got ${typeof boxes}`);
  const v = Float64Array.from(rois.toTypedArray());
  for (let k = 0; k < v.length / 5; k++) {
    const b = v[k * 5]!;
    if (!Number.isInteger(b) || b < 0 || b >= batch) throw new Error(`${op}: roi ${k} has batch index ${b}, but the input holds ${batch} images`);
    if (!(v[k * 5 + 3]! >= v[k * 5 + 1]! && v[k * 5 + 4]! >= v[k * 5 + 2]!)) {
      throw new Error(`${op}: roi ${k} = [${Array.from(v.subarray(k * 5 + 1, k * 5 + 5)).join(', ')}] is not (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1`);
    }
  }
  return v;
}

function checkInput(op: string, input: unknown): asserts input is Tensor {
  if (!(input instanceof Tensor) || input.ndim !== 4 || !isFloat(input.dtype)) {
    throw new Error(`${op}: input must be a floating-point Tensor [N, C, H, W], got ${input instanceof Tensor ? `${input.dtype} ${shapeStr(input.shape)}` : typeof input}`);
  }
}

function checkScale(op: string, spatialScale: unknown): asserts spatialScale is number {
  if (typeof spatialScale !== 'number' || !(spatialScale > 0) || !Number.isFinite(spatialScale)) {
    throw new Error(`${op}: spatialScale must be a positive number, got ${String(spatialScale)}`);
  }
}

/** out[k, c, p] = sum_s values(flatIndex[k, c, p, s]) * weight[k, p, s]: one gather, differentiable. */
function gatherWeighted(input: Tensor, rois: number, pooled: number, samples: number, spatial: Int32Array, weights: Float64Array, batchOf: Int32Array): Tensor {
  const [, c, h, w] = input.shape as [number, number, number, number];
  const plane = h * w;
  const flatIndex = new Int32Array(rois * c * pooled * samples);
  const per = pooled * samples;
  for (let k = 0; k < rois; k++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (batchOf[k]! * c + ch) * plane;
      const out = (k * c + ch) * per;
      for (let j = 0; j < per; j++) flatIndex[out + j] = base + spatial[k * per + j]!;
    }
  }
  const flat = input.reshape([-1]);
  const picked = gather(flat, 0, Tensor.fromData(flatIndex, [flatIndex.length], 'int32')).reshape([rois, c, pooled, samples]);
  const wt = Tensor.fromData(input.dtype === 'float64' ? weights : Float32Array.from(weights), [rois, 1, pooled, samples], input.dtype);
  return mul(picked, wt).sum(-1);
}

/**
 * RoIAlign (Mask R-CNN): average of bilinear samples over each of outputSize bins of every box,
 * [K, C, outH, outW] (torchvision.ops.roi_align). `boxes` is [K, 5] (batch index, x1, y1, x2, y2)
 * or a list with one [L, 4] tensor per image. Differentiable with respect to `input`.
 */
export function roiAlign(
  input: Tensor,
  boxes: Boxes,
  outputSize: number | readonly [number, number],
  ...args: Args<[spatialScale: number, samplingRatio: number, aligned: boolean], RoiAlignOptions>
): Tensor {
  const op = 'roiAlign';
  // torchvision's positional order (spatial_scale, sampling_ratio, aligned), or options after any of them.
  const options = parseArgs(op, args, { spatialScale: num, samplingRatio: int, aligned: bool });
  checkInput(op, input);
  const [ph, pw] = outputSizeOf(op, outputSize);
  const scale = options.spatialScale ?? 1;
  checkScale(op, scale);
  const samplingRatio = options.samplingRatio ?? -1;
  if (!Number.isInteger(samplingRatio)) throw new Error(`${op}: samplingRatio must be an integer, got ${String(samplingRatio)}`);
  const aligned = options.aligned ?? false;
  const [n, c, height, width] = input.shape as [number, number, number, number];
  const v = roisOf(op, boxes, n);
  const k = v.length / 5;
  const offset = aligned ? 0.5 : 0;
  // The per-roi grids differ in size; pad every bin to the largest grid with zero weights.
  const grids: [number, number][] = [];
  const geometry: number[][] = [];
  for (let r = 0; r < k; r++) {
    const x1 = v[r * 5 + 1]! * scale - offset;
    const y1 = v[r * 5 + 2]! * scale - offset;
    let rw = v[r * 5 + 3]! * scale - offset - x1;
    let rh = v[r * 5 + 4]! * scale - offset - y1;
    if (!aligned) {
      rw = Math.max(rw, 1);
      rh = Math.max(rh, 1);
    }
    const gh = samplingRatio > 0 ? samplingRatio : Math.ceil(rh / ph);
    const gw = samplingRatio > 0 ? samplingRatio : Math.ceil(rw / pw);
    grids.push([gh, gw]);
    geometry.push([x1, y1, rw / pw, rh / ph]);
  }
  const samples = 4 * Math.max(1, ...grids.map(([gh, gw]) => gh * gw));
  const pooled = ph * pw;
  const spatial = new Int32Array(k * pooled * samples);
  const weights = new Float64Array(k * pooled * samples);
  const batchOf = new Int32Array(k);
  for (let r = 0; r < k; r++) {
    batchOf[r] = v[r * 5]!;
    const [gh, gw] = grids[r]!;
    const [x1, y1, binW, binH] = geometry[r] as [number, number, number, number];
    const count = Math.max(gh * gw, 1);
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let s = ((r * ph + py) * pw + px) * samples;
        for (let iy = 0; iy < gh; iy++) {
          const y = y1 + py * binH + ((iy + 0.5) * binH) / gh;
          for (let ix = 0; ix < gw; ix++, s += 4) {
            let x = x1 + px * binW + ((ix + 0.5) * binW) / gw;
            if (y < -1 || y > height || x < -1 || x > width) continue;
            let yy = Math.max(y, 0);
            x = Math.max(x, 0);
            let yLow = Math.floor(yy);
            let xLow = Math.floor(x);
            let yHigh: number;
            let xHigh: number;
            if (yLow >= height - 1) {
              yHigh = yLow = height - 1;
              yy = yLow;
            } else yHigh = yLow + 1;
            if (xLow >= width - 1) {
              xHigh = xLow = width - 1;
              x = xLow;
            } else xHigh = xLow + 1;
            const ly = yy - yLow;
            const lx = x - xLow;
            const hy = 1 - ly;
            const hx = 1 - lx;
            spatial.set([yLow * width + xLow, yLow * width + xHigh, yHigh * width + xLow, yHigh * width + xHigh], s);
            weights.set([(hy * hx) / count, (hy * lx) / count, (ly * hx) / count, (ly * lx) / count], s);
          }
        }
      }
    }
  }
  return gatherWeighted(input, k, pooled, samples, spatial, weights, batchOf).reshape([k, c, ph, pw]);
}

/**
 * RoI max pooling (Fast R-CNN): the maximum over each of outputSize integer bins of every box,
 * [K, C, outH, outW] (torchvision.ops.roi_pool); empty bins give 0. The gradient goes to each
 * bin's maximum (the first one on ties), as torchvision's argmax.
 */
export function roiPool(input: Tensor, boxes: Boxes, outputSize: number | readonly [number, number], ...args: Args<[spatialScale: number], RoiOptions>): Tensor {
  const op = 'roiPool';
  const options = parseArgs(op, args, { spatialScale: num });
  checkInput(op, input);
  const [ph, pw] = outputSizeOf(op, outputSize);
  const scale = options.spatialScale ?? 1;
  checkScale(op, scale);
  const [n, c, height, width] = input.shape as [number, number, number, number];
  const v = roisOf(op, boxes, n);
  const k = v.length / 5;
  const x = input.contiguous().toTypedArray();
  const plane = height * width;
  const pooled = ph * pw;
  // Per (roi, channel, bin) the argmax differs by channel, so the spatial index is per channel here.
  const flatIndex = new Int32Array(k * c * pooled);
  const weights = new Float64Array(k * c * pooled);
  for (let r = 0; r < k; r++) {
    const b = v[r * 5]!;
    const round = (t: number) => Math.sign(t) * Math.round(Math.abs(t)); // std::round: half away from zero
    const sw = round(v[r * 5 + 1]! * scale);
    const sh = round(v[r * 5 + 2]! * scale);
    const rw = Math.max(round(v[r * 5 + 3]! * scale) - sw + 1, 1);
    const rh = Math.max(round(v[r * 5 + 4]! * scale) - sh + 1, 1);
    const binH = rh / ph;
    const binW = rw / pw;
    for (let py = 0; py < ph; py++) {
      const hs = Math.min(Math.max(Math.floor(py * binH) + sh, 0), height);
      const he = Math.min(Math.max(Math.ceil((py + 1) * binH) + sh, 0), height);
      for (let px = 0; px < pw; px++) {
        const ws = Math.min(Math.max(Math.floor(px * binW) + sw, 0), width);
        const we = Math.min(Math.max(Math.ceil((px + 1) * binW) + sw, 0), width);
        for (let ch = 0; ch < c; ch++) {
          const base = (b * c + ch) * plane;
          let best = -1;
          let bestValue = -Infinity;
          for (let yy = hs; yy < he; yy++) {
            for (let xx = ws; xx < we; xx++) {
              const val = x[base + yy * width + xx]!;
              if (val > bestValue || best < 0) {
                bestValue = val;
                best = base + yy * width + xx;
              }
            }
          }
          const o = ((r * c + ch) * ph + py) * pw + px;
          flatIndex[o] = best < 0 ? 0 : best;
          weights[o] = best < 0 ? 0 : 1;
        }
      }
    }
  }
  const picked = gather(input.reshape([-1]), 0, Tensor.fromData(flatIndex, [flatIndex.length], 'int32'));
  const nonEmpty = gt(Tensor.fromData(weights, [flatIndex.length], 'float64'), 0);
  return where(nonEmpty, picked, 0).reshape([k, c, ph, pw]);
}
