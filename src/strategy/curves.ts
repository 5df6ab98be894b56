/** Exponentially weighted averages and learning curves (error against training-set size). */
import { lineChart } from '../plot/charts.js';
import { checkOptionKeys } from '../ops/args.js';
import { ewmaSeries } from '../util/ewma.js';

/**
 * The exponentially weighted average v_t = beta v_{t-1} + (1 - beta) x_t with v_0 = 0, as the
 * course defines it (about the last 1 / (1 - beta) values); with biasCorrection, v_t / (1 - beta^t),
 * which removes the start's pull towards 0. A non-finite value carries into every later average.
 */
export function ewma(values: readonly number[], beta: number, options: { biasCorrection?: boolean } = {}): number[] {
  checkOptionKeys('strategy.ewma', options, ['biasCorrection']);
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) throw new Error(`strategy.ewma: values must be an array of numbers, got ${String(values)}`);
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) throw new Error(`strategy.ewma: beta must be a number in [0, 1), got ${String(beta)}`);
  const correct = options.biasCorrection ?? false;
  if (typeof correct !== 'boolean') throw new Error(`strategy.ewma: biasCorrection must be a boolean, got ${String(correct)}`);
  return ewmaSeries(values, beta, correct);
}

export interface LearningCurvePoint {
  size: number;
  trainError: number;
  devError: number;
}

/**
 * Trains at each training-set size (the callback fits a fresh model on the first `size` examples
 * and returns its train and dev errors) and collects the points of a learning curve.
 */
export async function learningCurve(sizes: readonly number[], fitAndEvaluate: (size: number) => { trainError: number; devError: number } | Promise<{ trainError: number; devError: number }>): Promise<LearningCurvePoint[]> {
  if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`strategy.learningCurve: sizes must be a non-empty array of positive integers, got ${String(sizes)}`);
  if (typeof fitAndEvaluate !== 'function') throw new Error('strategy.learningCurve: fitAndEvaluate must be a function (size) => { trainError, devError }');
  const points: LearningCurvePoint[] = [];
  for (const size of sizes) {
    const r = await fitAndEvaluate(size);
    if (typeof r?.trainError !== 'number' || typeof r.devError !== 'number') throw new Error(`strategy.learningCurve: fitAndEvaluate(${size}) must return { trainError, devError } numbers, got ${JSON.stringify(r)}`);
    points.push({ size, trainError: r.trainError, devError: r.devError });
  }
  return points;
}

/** A learning curve as SVG: train and dev error against training-set size, with an optional human-level line. */
export function learningCurveChart(points: readonly LearningCurvePoint[], options: { humanError?: number; title?: string } = {}): string {
  checkOptionKeys('strategy.learningCurveChart', options, ['humanError', 'title']);
  if (!Array.isArray(points) || points.length === 0) throw new Error('strategy.learningCurveChart: no points to draw');
  const x = points.map((p) => p.size);
  const series = [
    { label: 'train error', x, y: points.map((p) => p.trainError) },
    { label: 'dev error', x, y: points.map((p) => p.devError) },
  ];
  if (options.humanError !== undefined) series.push({ label: 'human-level error', x: [x[0]!, x[x.length - 1]!], y: [options.humanError, options.humanError] });
  return lineChart(
    series.map((s, i) => (i === 2 ? { ...s, dashed: true, color: '#7f7f7f' } : s)),
    { title: options.title ?? 'Learning curve', xLabel: 'training-set size', yLabel: 'error' },
  );
}
