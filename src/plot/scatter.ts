/** A scatter plot of 2-D points (t-SNE or PCA pictures): colours by class with a legend, optional text labels. */
import { Tensor } from '../tensor/tensor.js';
import { PALETTE, axes, coord, element, niceTicks, svgDocument, text } from './svg.js';
import { checkOptionKeys } from '../ops/args.js';

export interface ScatterChartOptions {
  /** A class index (0, 1, ...) per point: points are coloured by class and a legend is drawn. */
  classes?: readonly number[] | Int32Array | Tensor;
  /** The legend's name for each class index (default the index). */
  classNames?: readonly string[];
  /** A text label drawn next to each point (e.g. the word of an embedding); '' skips one. */
  labels?: readonly string[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Point radius in pixels (default 3). */
  radius?: number;
}

const KNOWN = ['classes', 'classNames', 'labels', 'title', 'xLabel', 'yLabel', 'width', 'height', 'radius'];

function readPoints(points: Tensor | readonly (readonly number[])[]): Float64Array {
  if (points instanceof Tensor) {
    if (points.ndim !== 2 || points.shape[1] !== 2) throw new Error(`scatterChart: expected points of shape [N, 2], got [${points.shape.join(', ')}]`);
    return Float64Array.from(points.contiguous().toTypedArray() as ArrayLike<number>);
  }
  if (!Array.isArray(points)) throw new Error('scatterChart: expected points as an [N, 2] Tensor or an array of [x, y] pairs');
  const out = new Float64Array(points.length * 2);
  points.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') throw new Error(`scatterChart: point ${i} must be an [x, y] pair of numbers, got ${JSON.stringify(p)}`);
    out[2 * i] = p[0]; out[2 * i + 1] = p[1];
  });
  return out;
}

/**
 * An SVG scatter plot of [N, 2] points: y grows upwards, axes fitted to the data with round ticks,
 * one colour per class (matplotlib's tab10, then repeated) with a legend at the right.
 */
export function scatterChart(points: Tensor | readonly (readonly number[])[], options: ScatterChartOptions = {}): string {
  checkOptionKeys('scatterChart', options, KNOWN);
  const xy = readPoints(points);
  const n = xy.length / 2;
  if (n === 0) throw new Error('scatterChart: no points to draw');
  for (let i = 0; i < xy.length; i++) if (!Number.isFinite(xy[i]!)) throw new Error(`scatterChart: point ${Math.floor(i / 2)} is not finite (${xy[i]})`);
  const classes = options.classes === undefined ? null : Array.from(options.classes instanceof Tensor ? options.classes.toTypedArray() as ArrayLike<number> : options.classes);
  if (classes !== null) {
    if (classes.length !== n) throw new Error(`scatterChart: ${classes.length} classes for ${n} points`);
    classes.forEach((c, i) => { if (!Number.isInteger(c) || c < 0) throw new Error(`scatterChart: class of point ${i} must be an integer >= 0, got ${c}`); });
  }
  if (options.labels !== undefined && (!Array.isArray(options.labels) || options.labels.length !== n)) throw new Error(`scatterChart: labels must be ${n} strings, one per point`);
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  if (!(width >= 100 && height >= 100 && Number.isFinite(width) && Number.isFinite(height))) throw new Error(`scatterChart: width and height must be at least 100, got ${width} x ${height}`);
  const radius = options.radius ?? 3;
  if (!(radius > 0 && Number.isFinite(radius))) throw new Error(`scatterChart: radius must be a positive number, got ${radius}`);
  const classCount = classes === null ? 0 : Math.max(...classes) + 1;
  const names = Array.from({ length: classCount }, (_, c) => options.classNames?.[c] ?? String(c));
  const legendWidth = classCount === 0 ? 0 : Math.max(...names.map((s) => s.length)) * 7 + 34;
  let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, xy[2 * i]!); x1 = Math.max(x1, xy[2 * i]!);
    y0 = Math.min(y0, xy[2 * i + 1]!); y1 = Math.max(y1, xy[2 * i + 1]!);
  }
  const xTicks = niceTicks(x0, x1, 6);
  const yTicks = niceTicks(y0, y1, 6);
  const [xLo, xHi] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [yLo, yHi] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const left = 62;
  const right = width - 14 - (legendWidth > 0 ? legendWidth + 10 : 0);
  const top = options.title === undefined ? 14 : 34;
  const bottom = height - 46;
  const sx = (v: number): number => left + ((v - xLo) / (xHi - xLo)) * (right - left);
  const sy = (v: number): number => bottom - ((v - yLo) / (yHi - yLo)) * (bottom - top);
  const parts: string[] = [];
  if (options.title !== undefined) parts.push(text((left + right) / 2, 20, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  parts.push(axes({ left, right, top, bottom, sx, sy }, xTicks, yTicks, [yLo, yHi], { xLabel: options.xLabel, yLabel: options.yLabel, yLabelX: 14 }));
  const colour = (c: number): string => PALETTE[c % PALETTE.length]!;
  // One group per class keeps the file small (the fill is written once).
  for (let c = 0; c < Math.max(classCount, 1); c++) {
    let circles = '';
    for (let i = 0; i < n; i++) {
      if (classes !== null && classes[i] !== c) continue;
      circles += `<circle cx="${coord(sx(xy[2 * i]!))}" cy="${coord(sy(xy[2 * i + 1]!))}" r="${coord(radius)}"/>`;
    }
    parts.push(element('g', { fill: classes === null ? PALETTE[0]! : colour(c), 'fill-opacity': 0.8, class: `class-${c}` }, circles));
  }
  if (options.labels !== undefined) {
    let labels = '';
    options.labels.forEach((label, i) => { if (label !== '') labels += text(sx(xy[2 * i]!) + radius + 2, sy(xy[2 * i + 1]!) + 4, String(label)); });
    parts.push(element('g', { 'font-size': 11, fill: '#222' }, labels));
  }
  if (classCount > 0) {
    const lx = right + 10;
    parts.push(element('rect', { x: lx, y: top, width: legendWidth, height: classCount * 18 + 6, fill: 'white', stroke: '#ccc' }));
    names.forEach((name, c) => {
      const y = top + 14 + c * 18;
      parts.push(element('circle', { cx: lx + 14, cy: y - 4, r: 5, fill: colour(c) }));
      parts.push(text(lx + 26, y, name));
    });
  }
  return svgDocument(width, height, parts.join(''), options.title);
}
