/**
 * Mean average precision for object detection, by the published definitions: PASCAL VOC (the
 * devkit's matching; all-point interpolation from VOC2010 on, or the 11-point one of VOC2007) and
 * COCO (pycocotools' matching, 101-point interpolation, averaged over IoU 0.50:0.05:0.95).
 */
import { Tensor } from '../tensor/tensor.js';
import { boxIou, checkBoxes, type BoxesLike } from '../vision/ops/boxes.js';
import { int, oneOf, parseOptions, unchecked } from '../ops/args.js';

export interface DetectionPrediction {
  /** [n, 4] (x1, y1, x2, y2). */
  boxes: BoxesLike;
  scores: Tensor | readonly number[];
  labels: Tensor | readonly number[];
}

export interface DetectionGroundTruth {
  boxes: BoxesLike;
  labels: Tensor | readonly number[];
  /** VOC's "difficult" flags: such boxes neither count as positives nor make a match a false positive. */
  difficult?: readonly boolean[];
}

export interface MeanAveragePrecisionOptions {
  /**
   * 'voc' (default): VOC devkit matching (a detection is a true positive when its highest IoU with
   * a same-class box exceeds the threshold and that box is not yet taken), all-point AP.
   * 'voc11': the same matching, VOC2007's 11-point AP. 'coco': pycocotools' matching (the best
   * still-unmatched box with IoU >= threshold), 101-point AP, averaged over the IoU thresholds.
   */
  method?: 'voc' | 'voc11' | 'coco';
  /** IoU thresholds (default [0.5] for VOC, 0.50:0.05:0.95 for COCO). */
  iouThresholds?: readonly number[];
  /** COCO's per-image, per-class limit on detections, best first (default 100); VOC has none. */
  maxDetections?: number;
}

export interface MeanAveragePrecision {
  /** Mean over the classes that have ground truth of their AP (itself averaged over the thresholds). */
  map: number;
  /** AP of each class with ground truth. */
  perClass: Map<number, number>;
  /** mAP at each IoU threshold, in the order given. */
  perThreshold: number[];
}

interface Image {
  boxes: Tensor;
  labels: number[];
  scores: number[];
  difficult: boolean[];
}

function numbers(op: string, v: unknown, n: number, what: string): number[] {
  const a = v instanceof Tensor ? Array.from(v.toTypedArray() as ArrayLike<number>) : Array.isArray(v) ? (v as number[]) : null;
  if (a === null || a.length !== n) throw new Error(`${op}: ${what} must hold ${n} numbers (one per box), got ${a === null ? typeof v : a.length}`);
  return a;
}

function readImages(op: string, list: unknown, what: string, withScores: boolean): Image[] {
  if (!Array.isArray(list)) throw new Error(`${op}: ${what} must be an array with one entry per image`);
  return list.map((x: DetectionPrediction & DetectionGroundTruth, i) => {
    const boxes = checkBoxes(op, x?.boxes, `${what}[${i}].boxes`);
    const n = boxes.shape[0]!;
    const labels = numbers(op, x.labels, n, `${what}[${i}].labels`);
    if (!labels.every((c) => Number.isInteger(c))) throw new Error(`${op}: ${what}[${i}].labels must be integer classes`);
    const scores = withScores ? numbers(op, x.scores, n, `${what}[${i}].scores`) : [];
    const difficult = x.difficult === undefined ? new Array<boolean>(n).fill(false) : [...x.difficult];
    if (difficult.length !== n) throw new Error(`${op}: ${what}[${i}].difficult must have one flag per box (${n})`);
    return { boxes, labels, scores, difficult };
  });
}

/** Precision envelope areas. `recall`, `precision` per ranked detection. */
function allPointAp(recall: number[], precision: number[]): number {
  const mrec = [0, ...recall, 1];
  const mpre = [0, ...precision, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 0; i + 1 < mrec.length; i++) if (mrec[i + 1] !== mrec[i]) ap += (mrec[i + 1]! - mrec[i]!) * mpre[i + 1]!;
  return ap;
}

function elevenPointAp(recall: number[], precision: number[]): number {
  let ap = 0;
  for (let t = 0; t <= 10; t++) {
    let p = 0;
    recall.forEach((r, i) => {
      if (r >= t / 10) p = Math.max(p, precision[i]!);
    });
    ap += p / 11;
  }
  return ap;
}

function cocoAp(recall: number[], precision: number[]): number {
  const pr = [...precision];
  for (let i = pr.length - 1; i > 0; i--) pr[i - 1] = Math.max(pr[i - 1]!, pr[i]!);
  let sum = 0;
  let j = 0;
  for (let r = 0; r <= 100; r++) {
    const threshold = r * 0.01; // numpy.linspace(0, 1, 101)
    while (j < recall.length && recall[j]! < threshold) j++;
    if (j < recall.length) sum += pr[j]!;
  }
  return sum / 101;
}

/** Ranked true/false positives of one class at one threshold; null entries are ignored detections. */
function matchClass(images: Image[], preds: Image[], ious: (number[] | null)[][], cls: number, threshold: number, coco: boolean, maxDet: number): { hits: boolean[]; positives: number } {
  const ranked: { score: number; img: number; det: number }[] = [];
  let positives = 0;
  images.forEach((gt, img) => {
    gt.labels.forEach((c, g) => {
      if (c === cls && !gt.difficult[g]) positives++;
    });
    const dets = preds[img]!.labels.map((c, d) => [c, d] as const).filter(([c]) => c === cls).map(([, d]) => d);
    const ordered = dets.sort((a, b) => preds[img]!.scores[b]! - preds[img]!.scores[a]! || a - b);
    for (const d of coco ? ordered.slice(0, maxDet) : ordered) ranked.push({ score: preds[img]!.scores[d]!, img, det: d });
  });
  ranked.sort((a, b) => b.score - a.score || a.img - b.img);
  const taken = images.map((gt) => new Array<boolean>(gt.labels.length).fill(false));
  const hits: boolean[] = [];
  for (const { img, det } of ranked) {
    const gt = images[img]!;
    const row = ious[img]![det]!;
    let best = -1;
    if (coco) {
      let bestIou = Math.min(threshold, 1 - 1e-10);
      gt.labels.forEach((c, g) => {
        if (c !== cls || taken[img]![g] || row[g]! < bestIou) return;
        [bestIou, best] = [row[g]!, g];
      });
      if (best >= 0) taken[img]![best] = true;
      hits.push(best >= 0);
    } else {
      let bestIou = -Infinity;
      gt.labels.forEach((c, g) => {
        if (c === cls && row[g]! > bestIou) [bestIou, best] = [row[g]!, g];
      });
      if (best >= 0 && bestIou > threshold) {
        if (gt.difficult[best]) continue;
        hits.push(!taken[img]![best]);
        taken[img]![best] = true;
      } else hits.push(false);
    }
  }
  return { hits, positives };
}

/**
 * Detection mAP over images: `predictions[i]` and `targets[i]` describe image i. AP is computed per
 * class with ground truth (classes without any are left out of the mean) and averaged.
 */
export function meanAveragePrecision(
  predictions: readonly DetectionPrediction[],
  targets: readonly DetectionGroundTruth[],
  options: MeanAveragePrecisionOptions = {},
  ...extra: []
): MeanAveragePrecision {
  const op = 'meanAveragePrecision';
  parseOptions(`metrics.${op}`, options, { method: oneOf('voc', 'voc11', 'coco'), iouThresholds: unchecked, maxDetections: int }, extra);
  const method = options.method ?? 'voc';
  if (method !== 'voc' && method !== 'voc11' && method !== 'coco') throw new Error(`${op}: method must be 'voc', 'voc11' or 'coco', got ${JSON.stringify(method)}`);
  const coco = method === 'coco';
  const thresholds = options.iouThresholds ?? (coco ? Array.from({ length: 10 }, (_, i) => 0.5 + i * 0.05) : [0.5]);
  if (!Array.isArray(thresholds) || thresholds.length === 0 || !thresholds.every((t) => typeof t === 'number' && t >= 0 && t <= 1)) {
    throw new Error(`${op}: iouThresholds must be a non-empty list of numbers in [0, 1], got ${JSON.stringify(thresholds)}`);
  }
  const maxDet = options.maxDetections ?? 100;
  const preds = readImages(op, predictions, 'predictions', true);
  const gts = readImages(op, targets, 'targets', false);
  if (preds.length !== gts.length) throw new Error(`${op}: ${preds.length} predictions but ${gts.length} targets (one of each per image)`);
  const ious = preds.map((p, i) => {
    const m = p.boxes.shape[0]!;
    const n = gts[i]!.boxes.shape[0]!;
    if (m === 0 || n === 0) return new Array<number[]>(m).fill([]);
    const v = boxIou(p.boxes, gts[i]!.boxes).toTypedArray();
    return Array.from({ length: m }, (_, d) => Array.from(v.subarray(d * n, d * n + n)));
  });
  const classes = [...new Set(gts.flatMap((g) => g.labels.filter((_, j) => !g.difficult[j])))].sort((a, b) => a - b);
  const ap = method === 'voc' ? allPointAp : method === 'voc11' ? elevenPointAp : cocoAp;
  const table = thresholds.map((t) =>
    classes.map((cls) => {
      const { hits, positives } = matchClass(gts, preds, ious, cls, t, coco, maxDet);
      let tp = 0;
      const recall: number[] = [];
      const precision: number[] = [];
      hits.forEach((hit, i) => {
        if (hit) tp++;
        recall.push(tp / positives);
        precision.push(tp / (i + 1));
      });
      return ap(recall, precision);
    }),
  );
  const mean = (a: number[]) => (a.length === 0 ? NaN : a.reduce((s, x) => s + x, 0) / a.length);
  const perClass = new Map(classes.map((c, j) => [c, mean(table.map((row) => row[j]!))]));
  return { map: mean([...perClass.values()]), perClass, perThreshold: table.map(mean) };
}
