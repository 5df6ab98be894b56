/**
 * Siamese / triplet training pieces: an embedding network wrapper with L2-normalised output,
 * pairwise distances, FaceNet-style online triplet mining over a batch (batch-all, batch-hard,
 * semi-hard) and contrastive pairs. The miners pick indices without gradients; the losses are
 * then tensor ops on the distance matrix, so gradients flow to the embeddings.
 */
import { Tensor } from '../../tensor/tensor.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add, clamp, div, gt, mul, relu, sqrt, sub, where } from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { Module } from '../../nn/module.js';
import { num, parseOptions } from '../../ops/args.js';

/** x / max(||x||_2, eps) along dim 1 (torch.nn.functional.normalize). */
export function l2Normalize(x: Tensor, eps = 1e-12): Tensor {
  if (!(x instanceof Tensor) || !isFloat(x.dtype) || x.ndim < 2) throw new Error(`l2Normalize: expected a float Tensor [N, D, ...], got ${x instanceof Tensor ? shapeStr(x.shape) : typeof x}`);
  return div(x, clamp(x.square().sum(1, true).sqrt(), eps));
}

/** Wraps any module mapping inputs to [N, D] features as an embedding f(x), L2-normalised unless told otherwise. */
export class EmbeddingNet extends Module {
  constructor(readonly backbone: Module, readonly normalize = true) {
    super();
    if (!(backbone instanceof Module)) throw new Error('EmbeddingNet: backbone must be an nn.Module');
  }

  forward(x: Tensor): Tensor {
    const y = (this.backbone.forward as (t: Tensor) => Tensor).call(this.backbone, x);
    if (!(y instanceof Tensor) || y.ndim !== 2) throw new Error(`EmbeddingNet: the backbone must return [N, D] embeddings, got ${y instanceof Tensor ? shapeStr(y.shape) : typeof y}`);
    return this.normalize ? l2Normalize(y) : y;
  }
}

/** Euclidean distances between all rows, [N, N]; the diagonal is exactly 0 and its gradient finite. */
export function pairwiseDistances(embeddings: Tensor): Tensor {
  if (!(embeddings instanceof Tensor) || !isFloat(embeddings.dtype) || embeddings.ndim !== 2) {
    throw new Error(`pairwiseDistances: embeddings must be a float Tensor [N, D], got ${embeddings instanceof Tensor ? shapeStr(embeddings.shape) : typeof embeddings}`);
  }
  const sq = embeddings.square().sum(1, true);
  const d2 = clamp(sub(add(sq, sq.t()), mul(matmul(embeddings, embeddings.t()), 2)), 0);
  const positive = gt(d2, 1e-16);
  // sqrt has an infinite slope at 0: take it only where the distance is positive.
  return where(positive, sqrt(where(positive, d2, 1)), 0);
}

function labelsOf(op: string, labels: Tensor | readonly number[], n: number): number[] {
  const v = labels instanceof Tensor ? Array.from(labels.toTypedArray() as ArrayLike<number>) : Array.isArray(labels) ? [...labels] : null;
  if (v === null || v.length !== n) throw new Error(`${op}: labels must hold one identity per embedding (${n}), got ${v === null ? typeof labels : v.length}`);
  return v;
}

function checkMargin(op: string, margin: unknown): asserts margin is number {
  if (typeof margin !== 'number' || !(margin >= 0)) throw new Error(`${op}: margin must be a non-negative number, got ${String(margin)}`);
}

export interface TripletMiningOptions {
  /** alpha in max(0, d(a, p) - d(a, n) + alpha); default 0.2 (FaceNet). */
  margin?: number;
}

/** Loss, number of triplets used and the fraction of them with a positive loss. */
export interface TripletLossResult {
  loss: Tensor;
  triplets: number;
  activeFraction: number;
}

function gatherTriplets(d: Tensor, n: number, anchors: number[], positives: number[], negatives: number[], margin: number): Tensor {
  const flat = d.reshape([-1]);
  const idx = (a: number[], b: number[]) => Tensor.fromData(Int32Array.from(a.map((x, i) => x * n + b[i]!)), [a.length], 'int32');
  const dap = flat.gather(0, idx(anchors, positives));
  const dan = flat.gather(0, idx(anchors, negatives));
  return relu(add(sub(dap, dan), margin));
}

function result(losses: Tensor, averageOverActive: boolean): TripletLossResult {
  const n = losses.numel();
  if (n === 0) return { loss: losses.sum(), triplets: 0, activeFraction: 0 };
  const active = Array.from(losses.toTypedArray()).filter((x) => x > 1e-16).length;
  const loss = averageOverActive ? losses.sum().div(Math.max(active, 1)) : losses.mean();
  return { loss, triplets: n, activeFraction: active / n };
}

/** Picks triplets from the labels and the (detached) distance matrix, calling add(anchor, positive, negative). */
type Miner = (n: number, y: readonly number[], dist: ArrayLike<number>, add: (a: number, p: number, q: number) => void) => void;

function mined(op: string, embeddings: Tensor, labels: Tensor | readonly number[], options: TripletMiningOptions, miner: Miner, averageOverActive: boolean): TripletLossResult {
  parseOptions(op, options, { margin: num });
  const margin = options.margin ?? 0.2;
  checkMargin(op, margin);
  const d = pairwiseDistances(embeddings);
  const n = embeddings.shape[0]!;
  const y = labelsOf(op, labels, n);
  const [as, ps, ns] = [[], [], []] as [number[], number[], number[]];
  miner(n, y, d.toTypedArray(), (a, p, q) => {
    as.push(a);
    ps.push(p);
    ns.push(q);
  });
  return result(gatherTriplets(d, n, as, ps, ns, margin), averageOverActive);
}

/**
 * Batch-all: every valid triplet (a, p, n) in the batch (a != p same identity, n another), the
 * loss averaged over the triplets whose loss is positive (Hermans et al. 2017).
 */
export function batchAllTripletLoss(embeddings: Tensor, labels: Tensor | readonly number[], options: TripletMiningOptions = {}): TripletLossResult {
  return mined('batchAllTripletLoss', embeddings, labels, options, (n, y, _v, add) => {
    for (let a = 0; a < n; a++) {
      for (let p = 0; p < n; p++) {
        if (p === a || y[p] !== y[a]) continue;
        for (let q = 0; q < n; q++) if (y[q] !== y[a]) add(a, p, q);
      }
    }
  }, true);
}

/** Batch-hard: for each anchor its farthest positive and nearest negative, loss averaged over anchors. */
export function batchHardTripletLoss(embeddings: Tensor, labels: Tensor | readonly number[], options: TripletMiningOptions = {}): TripletLossResult {
  return mined('batchHardTripletLoss', embeddings, labels, options, (n, y, v, add) => {
    for (let a = 0; a < n; a++) {
      let [p, q] = [-1, -1];
      for (let j = 0; j < n; j++) {
        if (j === a) continue;
        if (y[j] === y[a]) {
          if (p < 0 || v[a * n + j]! > v[a * n + p]!) p = j;
        } else if (q < 0 || v[a * n + j]! < v[a * n + q]!) q = j;
      }
      if (p >= 0 && q >= 0) add(a, p, q);
    }
  }, false);
}

/**
 * Semi-hard (FaceNet): for each positive pair (a, p), the nearest negative farther than the
 * positive, d(a, n) > d(a, p) (those inside the margin give a loss); when there is none, the
 * farthest negative (TensorFlow Addons' fallback). Loss averaged over positive pairs.
 */
export function semiHardTripletLoss(embeddings: Tensor, labels: Tensor | readonly number[], options: TripletMiningOptions = {}): TripletLossResult {
  return mined('semiHardTripletLoss', embeddings, labels, options, (n, y, v, add) => {
    for (let a = 0; a < n; a++) {
      for (let p = 0; p < n; p++) {
        if (p === a || y[p] !== y[a]) continue;
        const dap = v[a * n + p]!;
        let [semi, far] = [-1, -1];
        for (let q = 0; q < n; q++) {
          if (y[q] === y[a]) continue;
          const daq = v[a * n + q]!;
          if (daq > dap && (semi < 0 || daq < v[a * n + semi]!)) semi = q;
          if (far < 0 || daq > v[a * n + far]!) far = q;
        }
        if (far >= 0) add(a, p, semi >= 0 ? semi : far);
      }
    }
  }, false);
}

/** All pairs i < j of a batch with target 0 for the same identity and 1 for different ones (contrastiveLoss's convention). */
export function contrastivePairs(labels: Tensor | readonly number[]): { first: Tensor; second: Tensor; target: Tensor } {
  const y = labelsOf('contrastivePairs', labels, labels instanceof Tensor ? labels.numel() : (labels as number[]).length);
  const [a, b, t] = [[], [], []] as [number[], number[], number[]];
  for (let i = 0; i < y.length; i++) for (let j = i + 1; j < y.length; j++) { a.push(i); b.push(j); t.push(y[i] === y[j] ? 0 : 1); };
  return {
    first: Tensor.fromData(Int32Array.from(a), [a.length], 'int32'),
    second: Tensor.fromData(Int32Array.from(b), [b.length], 'int32'),
    target: Tensor.fromData(Float32Array.from(t), [t.length], 'float32'),
  };
}
