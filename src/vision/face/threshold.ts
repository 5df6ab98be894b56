/**
 * Choosing the verification threshold tau from distances of labelled pairs: the ROC over
 * distances (accept when distance <= tau), the equal error rate, and the tau of best accuracy.
 */
export interface DistanceRoc {
  /** Candidate taus, increasing: -Infinity, then each distinct distance. */
  thresholds: number[];
  /** Fraction of same-identity pairs accepted at each tau. */
  tpr: number[];
  /** Fraction of different-identity pairs accepted at each tau. */
  fpr: number[];
}

function pairs(op: string, distances: readonly number[], same: readonly boolean[]): void {
  if (!Array.isArray(distances) || !Array.isArray(same) || distances.length !== same.length || distances.length === 0) {
    throw new Error(`${op}: distances and same must be non-empty arrays of one length`);
  }
  if (!distances.every((d) => typeof d === 'number' && !Number.isNaN(d))) throw new Error(`${op}: distances must be numbers`);
  if (!same.includes(true) || !same.includes(false)) throw new Error(`${op}: needs both same-identity and different-identity pairs`);
}

export function distanceRoc(distances: readonly number[], same: readonly boolean[]): DistanceRoc {
  pairs('distanceRoc', distances, same);
  const order = distances.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0]);
  const pos = same.filter(Boolean).length;
  const neg = same.length - pos;
  const roc: DistanceRoc = { thresholds: [-Infinity], tpr: [0], fpr: [0] };
  let [tp, fp] = [0, 0];
  order.forEach(([d, i], k) => {
    if (same[i]) tp++;
    else fp++;
    if (k + 1 < order.length && order[k + 1]![0] === d) return;
    roc.thresholds.push(d);
    roc.tpr.push(tp / pos);
    roc.fpr.push(fp / neg);
  });
  return roc;
}

/** Where the false accept rate meets the false reject rate (1 - tpr): the rate and its tau (the ROC point closest to equality). */
export function equalErrorRate(distances: readonly number[], same: readonly boolean[]): { eer: number; threshold: number } {
  const roc = distanceRoc(distances, same);
  let best = 0;
  const gap = (i: number) => Math.abs(roc.fpr[i]! - (1 - roc.tpr[i]!));
  for (let i = 1; i < roc.thresholds.length; i++) if (gap(i) < gap(best)) best = i;
  return { eer: (roc.fpr[best]! + 1 - roc.tpr[best]!) / 2, threshold: roc.thresholds[best]! };
}

/** The tau maximising pair accuracy (ties: the smallest tau), and that accuracy. */
export function bestAccuracyThreshold(distances: readonly number[], same: readonly boolean[]): { threshold: number; accuracy: number } {
  const roc = distanceRoc(distances, same);
  const pos = same.filter(Boolean).length;
  const neg = same.length - pos;
  let best = 0;
  const acc = (i: number) => (roc.tpr[i]! * pos + (1 - roc.fpr[i]!) * neg) / same.length;
  for (let i = 1; i < roc.thresholds.length; i++) if (acc(i) > acc(best)) best = i;
  return { threshold: roc.thresholds[best]!, accuracy: acc(best) };
}
