/**
 * Charts as standalone SVG strings, with no browser or canvas: line charts (training curves,
 * train vs validation), a confusion-matrix heatmap and ROC curves. Write them to .svg files and
 * open them in any browser or image viewer.
 */
import { PALETTE, axes, blues, coord, element, niceTicks, svgDocument, text } from './svg.js';
import { arrayOf, bool, check, int, num, parseOptions, str } from '../ops/args.js';
import { ewmaSeries } from '../util/ewma.js';

export interface Series {
  label: string;
  y: readonly number[];
  /** x positions (default 1, 2, ..., n: epochs). */
  x?: readonly number[];
  color?: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Fix the y axis instead of fitting the data. */
  yRange?: readonly [number, number];
  /** Fix the x axis instead of fitting the data. */
  xRange?: readonly [number, number];
}

const range = arrayOf(num, 'a range [low, high]');
const FRAME_SPEC = { title: str, xLabel: str, yLabel: str, width: num, height: num };
const CHART_SPEC = { ...FRAME_SPEC, yRange: range, xRange: range };

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function checkSize(op: string, width: number, height: number): void {
  if (!(width >= 100 && height >= 100 && Number.isFinite(width) && Number.isFinite(height))) {
    throw new Error(`${op}: width and height must be at least 100, got ${width} x ${height}`);
  }
}

function xsOf(s: Series): readonly number[] {
  return s.x ?? s.y.map((_, i) => i + 1);
}

/** One plot area with axes, grid, lines and legend inside `box`. */
function panel(op: string, box: Box, series: readonly Series[], options: ChartOptions, legend?: 'upper-right' | 'lower-right'): string {
  if (series.length === 0) throw new Error(`${op}: no series to draw`);
  series.forEach((s) => {
    if (s.x !== undefined && s.x.length !== s.y.length) throw new Error(`${op}: series "${s.label}" has ${s.x.length} x values for ${s.y.length} y values`);
  });
  const finite = (v: number): boolean => Number.isFinite(v);
  const allX = series.flatMap((s) => xsOf(s).filter(finite));
  const allY = series.flatMap((s) => s.y.filter(finite));
  const [xLo, xFitted] = options.xRange ?? (allX.length > 0 ? [Math.min(...allX), Math.max(...allX)] : [0, 1]);
  // A single x value (one epoch) still needs a width to draw on.
  const xMax = xFitted === xLo ? xLo + 1 : xFitted;
  const yTicks = options.yRange !== undefined ? niceTicks(options.yRange[0], options.yRange[1]) : niceTicks(allY.length > 0 ? Math.min(...allY) : 0, allY.length > 0 ? Math.max(...allY) : 1);
  const xTicks = niceTicks(xLo, xMax, 6).filter((v) => v >= xLo - 1e-9 && v <= xMax + 1e-9);
  const [yMin, yMax] = options.yRange ?? [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const left = box.x + 62;
  const right = box.x + box.width - 14;
  const top = box.y + (options.title === undefined ? 14 : 34);
  const bottom = box.y + box.height - 46;
  const sx = (v: number): number => left + ((v - xLo) / (xMax - xLo)) * (right - left);
  const sy = (v: number): number => bottom - ((v - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const parts: string[] = [];
  if (options.title !== undefined) {
    parts.push(text((left + right) / 2, box.y + 20, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  }
  parts.push(axes({ left, right, top, bottom, sx, sy }, xTicks, yTicks, [yMin, yMax], { xLabel: options.xLabel, yLabel: options.yLabel, yLabelX: box.x + 14 }));
  series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const xs = xsOf(s);
    let d = '';
    let pen = false;
    s.y.forEach((v, i) => {
      const x = xs[i]!;
      if (!finite(v) || !finite(x)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${coord(sx(x))} ${coord(sy(Math.min(yMax, Math.max(yMin, v))))}`;
      pen = true;
    });
    if (d !== '') {
      parts.push(element('path', { d, fill: 'none', stroke: color, 'stroke-width': 2, ...(s.dashed === true ? { 'stroke-dasharray': '6 4' } : {}) }));
    }
    if (s.y.length <= 40) {
      s.y.forEach((v, i) => {
        if (finite(v) && finite(xs[i]!)) parts.push(element('circle', { cx: sx(xs[i]!), cy: sy(Math.min(yMax, Math.max(yMin, v))), r: 2.5, fill: color }));
      });
    }
  });
  const legendWidth = Math.max(...series.map((s) => s.label.length)) * 7 + 34;
  const legendX = right - legendWidth - 6;
  const legendHeight = series.length * 18 + 6;
  // Put the legend in the right-hand corner that covers fewer data points.
  const covered = (y0: number): number =>
    series.reduce((n, s) => n + s.y.filter((v, i) => {
      const x = xsOf(s)[i]!;
      return finite(v) && finite(x) && sx(x) >= legendX && sy(v) >= y0 && sy(v) <= y0 + legendHeight;
    }).length, 0);
  const upper = top + 6;
  const lower = bottom - 6 - legendHeight;
  const legendY = legend === 'upper-right' ? upper : legend === 'lower-right' ? lower : covered(lower) < covered(upper) ? lower : upper;
  parts.push(element('rect', { x: legendX, y: legendY, width: legendWidth, height: legendHeight, fill: 'white', 'fill-opacity': 0.85, stroke: '#ccc' }));
  series.forEach((s, k) => {
    const y = legendY + 14 + k * 18;
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    parts.push(element('line', { x1: legendX + 6, x2: legendX + 26, y1: y - 4, y2: y - 4, stroke: color, 'stroke-width': 2, ...(s.dashed === true ? { 'stroke-dasharray': '6 4' } : {}) }));
    parts.push(text(legendX + 30, y, s.label));
  });
  return parts.join('');
}

/** A line chart of one or more series, e.g. a loss curve per epoch. */
export function lineChart(series: readonly Series[], options: ChartOptions = {}, ...extra: []): string {
  parseOptions('lineChart', options, CHART_SPEC, extra);
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  checkSize('lineChart', width, height);
  return svgDocument(width, height, panel('lineChart', { x: 0, y: 0, width, height }, series, options), options.title);
}

/** Per-epoch values by name ("loss", "val_loss", "accuracy", ...), or an object holding them (fit's History). */
export type HistoryLike = Record<string, readonly number[]> | { metrics: Record<string, readonly number[]> };

export interface HistoryChartOptions {
  /** Quantities to plot, by their training name (default: every one with numbers, loss first, learning rate last). */
  keys?: readonly string[];
  /** Size of each panel (default 440 x 320). */
  panelWidth?: number;
  panelHeight?: number;
  /** Panels per row (default 2). */
  columns?: number;
  title?: string;
  /**
   * Draw each curve as its bias-corrected exponentially weighted average with this beta in [0, 1)
   * (default 0: the values as recorded), for noisy per-batch series; the legend names the beta.
   */
  smoothing?: number;
}

/**
 * Training curves from a History: one panel per quantity, the training value as a solid line
 * and its validation counterpart ("val_" prefix) dashed in the same colour.
 */
export function historyChart(history: HistoryLike, options: HistoryChartOptions = {}, ...extra: []): string {
  parseOptions('historyChart', options, {
    keys: arrayOf(str, 'an array of strings'), panelWidth: num, panelHeight: num, columns: int, title: str,
    smoothing: check<number>('a number in [0, 1)', (v) => typeof v === 'number' && v >= 0 && v < 1),
  }, extra);
  const beta = options.smoothing ?? 0;
  const smooth = (y: readonly number[]): readonly number[] => (beta > 0 ? ewmaSeries(y, beta, true) : y);
  const suffix = beta > 0 ? ` (EWMA ${beta})` : '';
  const op = 'historyChart';
  const metrics = (typeof (history as { metrics?: unknown }).metrics === 'object' && !Array.isArray((history as { metrics?: unknown }).metrics)
    ? (history as { metrics: Record<string, readonly number[]> }).metrics
    : history) as Record<string, readonly number[]>;
  for (const [k, v] of Object.entries(metrics)) {
    if (!Array.isArray(v)) throw new Error(`${op}: "${k}" should be an array of numbers per epoch`);
  }
  const bases = [...new Set(Object.keys(metrics).map((k) => k.replace(/^val_/, '')))];
  const rank = (k: string): number => (k === 'loss' ? 0 : k === 'lr' ? 2 : 1);
  const keys = options.keys ?? bases.sort((a, b) => rank(a) - rank(b));
  if (keys.length === 0) throw new Error(`${op}: the history has no recorded quantities`);
  const panels = keys.map((key) => {
    const series: Series[] = [];
    const train = metrics[key];
    const val = metrics[`val_${key}`];
    if (train === undefined && val === undefined) {
      throw new Error(`${op}: no quantity "${key}" in the history (recorded: ${Object.keys(metrics).join(', ') || 'none'})`);
    }
    if (train !== undefined) series.push({ label: `train${suffix}`, y: smooth(train), color: PALETTE[0] });
    if (val !== undefined) series.push({ label: `validation${suffix}`, y: smooth(val), color: PALETTE[1], dashed: true });
    return { key, series };
  });
  const w = options.panelWidth ?? 440;
  const h = options.panelHeight ?? 320;
  checkSize(op, w, h);
  const columns = Math.max(1, Math.min(options.columns ?? 2, panels.length));
  const rows = Math.ceil(panels.length / columns);
  const offset = options.title === undefined ? 0 : 30;
  let body = options.title === undefined ? '' : text((columns * w) / 2, 22, options.title, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' });
  panels.forEach(({ key, series }, i) => {
    const box = { x: (i % columns) * w, y: offset + Math.floor(i / columns) * h, width: w, height: h };
    body += panel(op, box, series, { title: key === 'lr' ? 'learning rate' : key, xLabel: 'epoch', yLabel: key });
  });
  return svgDocument(columns * w, offset + rows * h, body, options.title ?? 'training history');
}

export interface ConfusionMatrixChartOptions {
  classNames?: readonly string[];
  /** Colour and label each row by its fraction of the true class (default false: counts). */
  normalize?: boolean;
  title?: string;
}

/** A heatmap of a confusion matrix (rows: true class, columns: predicted class), counts in the cells. */
export function confusionMatrixChart(matrix: readonly (readonly number[])[], options: ConfusionMatrixChartOptions = {}, ...extra: []): string {
  parseOptions('confusionMatrixChart', options, { classNames: arrayOf(str, 'an array of strings'), normalize: bool, title: str }, extra);
  const op = 'confusionMatrixChart';
  const k = matrix.length;
  if (k === 0 || matrix.some((row) => !Array.isArray(row) || row.length !== k || row.some((v) => !Number.isFinite(v)))) {
    throw new Error(`${op}: expected a square matrix of finite numbers (as metrics.confusionMatrix returns)`);
  }
  const names = options.classNames ?? matrix.map((_, i) => String(i));
  if (names.length !== k) throw new Error(`${op}: ${names.length} classNames for a ${k}x${k} matrix`);
  const shown = options.normalize === true
    ? matrix.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (total === 0 ? 0 : v / total));
      })
    : matrix.map((row) => [...row]);
  const max = Math.max(...shown.flat(), 1e-12);
  const cell = Math.max(22, Math.min(64, Math.floor(480 / k)));
  const longest = Math.max(...names.map((n) => n.length));
  const rotate = longest * 7 > cell;
  const left = 40 + Math.min(160, longest * 7 + 10);
  const top = options.title === undefined ? 20 : 48;
  const bottomSpace = 50 + (rotate ? Math.min(120, longest * 5) : 0);
  const width = left + k * cell + 30;
  const height = top + k * cell + bottomSpace;
  const parts: string[] = [];
  if (options.title !== undefined) parts.push(text(width / 2, 28, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  const fontSize = Math.max(8, Math.min(13, cell / 3.2));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = shown[i]![j]!;
      const t = v / max;
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(element('rect', { x, y, width: cell, height: cell, fill: blues(t), stroke: 'white' }));
      const label = options.normalize === true ? v.toFixed(2) : String(matrix[i]![j]);
      parts.push(text(x + cell / 2, y + cell / 2 + fontSize / 3, label, { 'text-anchor': 'middle', 'font-size': fontSize, fill: t > 0.55 ? 'white' : '#222' }));
    }
    parts.push(text(left - 6, top + i * cell + cell / 2 + 4, names[i]!, { 'text-anchor': 'end' }));
  }
  names.forEach((name, j) => {
    const x = left + j * cell + cell / 2;
    const y = top + k * cell + 16;
    parts.push(rotate ? text(x, y, name, { 'text-anchor': 'end', transform: `rotate(-45 ${coord(x)} ${coord(y)})` }) : text(x, y, name, { 'text-anchor': 'middle' }));
  });
  parts.push(text(left + (k * cell) / 2, height - 12, 'predicted class', { 'text-anchor': 'middle', 'font-weight': 'bold' }));
  const cy = top + (k * cell) / 2;
  parts.push(text(14, cy, 'true class', { 'text-anchor': 'middle', 'font-weight': 'bold', transform: `rotate(-90 14 ${coord(cy)})` }));
  return svgDocument(width, height, parts.join(''), options.title ?? 'confusion matrix');
}

export interface RocChartCurve {
  fpr: readonly number[];
  tpr: readonly number[];
  label?: string;
  /** Shown in the legend when given. */
  auc?: number;
}

/** ROC curves (true vs false positive rate) with the chance diagonal. */
export function rocChart(curves: RocChartCurve | readonly RocChartCurve[], options: Omit<ChartOptions, 'xRange' | 'yRange'> = {}, ...extra: []): string {
  parseOptions('rocChart', options, FRAME_SPEC, extra);
  const list = Array.isArray(curves) ? (curves as readonly RocChartCurve[]) : [curves as RocChartCurve];
  const series: Series[] = list.map((c, i) => {
    if (c.fpr.length !== c.tpr.length) throw new Error(`rocChart: curve ${i} has ${c.fpr.length} fpr and ${c.tpr.length} tpr values`);
    const name = c.label ?? (list.length === 1 ? 'ROC' : `curve ${i + 1}`);
    return { label: c.auc === undefined ? name : `${name} (AUC = ${c.auc.toFixed(3)})`, x: c.fpr, y: c.tpr };
  });
  series.push({ label: 'chance', x: [0, 1], y: [0, 1], color: '#999', dashed: true });
  const width = options.width ?? 480;
  const height = options.height ?? 440;
  checkSize('rocChart', width, height);
  const body = panel('rocChart', { x: 0, y: 0, width, height }, series, {
    title: options.title ?? 'ROC curve',
    xLabel: options.xLabel ?? 'false positive rate',
    yLabel: options.yLabel ?? 'true positive rate',
    xRange: [0, 1],
    yRange: [0, 1],
  }, 'lower-right');
  return svgDocument(width, height, body, options.title ?? 'ROC curve');
}

