/**
 * SVG plots of a search: the metric against each hyperparameter (on a log axis where the space is
 * searched on a log scale; categories side by side for choices), and the best-so-far curve.
 */
import { lineChart } from '../plot/charts.js';
import { PALETTE, element, niceTicks, svgDocument, text, tickLabel } from '../plot/svg.js';
import type { TuneResults } from './results.js';
import { isLogSpace, toUnit } from './space.js';
import type { Space } from './space.js';
import { checkOptionKeys } from '../ops/args.js';

/** Tick positions in the space's uniform coordinate, and their labels. */
function axisTicks(space: Space, lo: number, hi: number): [number, string][] {
  if (!isLogSpace(space)) return niceTicks(lo, hi, 5).filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9).map((v) => [v, tickLabel(v)]);
  const ticks: [number, string][] = [];
  for (let k = Math.ceil(lo - 1e-9); k <= Math.floor(hi + 1e-9); k++) {
    ticks.push([k, space.kind === 'oneMinusLogUniform' ? tickLabel(Number((1 - 10 ** k).toPrecision(10))) : `1e${k}`]);
  }
  // Less than a decade: label the ends instead.
  if (ticks.length < 2) {
    return [lo, hi].map((u) => [u, tickLabel(Number((space.kind === 'oneMinusLogUniform' ? 1 - 10 ** u : 10 ** u).toPrecision(3)))]);
  }
  return ticks;
}

/** One scatter panel per hyperparameter: each trial's metric against its value (failed trials left out). */
export function paramsChart(results: TuneResults, options: { title?: string; panelWidth?: number; height?: number } = {}): string {
  checkOptionKeys('tune.paramsChart', options, ['title', 'panelWidth', 'height']);
  const names = Object.keys(results.space);
  const panelWidth = options.panelWidth ?? 300;
  const height = options.height ?? 300;
  const shown = results.trials.filter((t) => (t.status === 'completed' || t.status === 'pruned') && t.value !== undefined && Number.isFinite(t.value));
  const ys = shown.map((t) => t.value!);
  const yTicks = niceTicks(ys.length > 0 ? Math.min(...ys) : 0, ys.length > 0 ? Math.max(...ys) : 1, 5);
  const [yMin, yMax] = [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const best = results.best();
  const top = options.title === undefined ? 14 : 40;
  const bottom = height - 46;
  const sy = (v: number): number => bottom - ((v - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const parts: string[] = [];
  if (options.title !== undefined) parts.push(text((panelWidth * names.length) / 2, 24, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  names.forEach((name, p) => {
    const space = results.space[name]!;
    const left = p * panelWidth + 58;
    const right = (p + 1) * panelWidth - 12;
    const categories = space.kind === 'choice' || space.kind === 'grid' ? space.values : undefined;
    const xOf = (v: unknown): number => (categories !== undefined ? categories.indexOf(v as never) : toUnit(space, v as number));
    const xs = shown.map((t) => xOf(t.params[name]));
    let lo: number;
    let hi: number;
    if (space.kind === 'choice' || space.kind === 'grid') [lo, hi] = [-0.5, space.values.length - 0.5];
    else {
      const bounds = [toUnit(space, space.low), toUnit(space, space.high)];
      [lo, hi] = [Math.min(...bounds), Math.max(...bounds)];
    }
    const sx = (u: number): number => left + ((u - lo) / (hi - lo || 1)) * (right - left);
    parts.push(element('rect', { x: left, y: top, width: right - left, height: bottom - top, fill: 'none', stroke: '#444' }));
    for (const v of yTicks) {
      parts.push(element('line', { x1: left, x2: right, y1: sy(v), y2: sy(v), stroke: '#e5e5e5' }));
      parts.push(text(left - 6, sy(v) + 4, tickLabel(v), { 'text-anchor': 'end', fill: '#444' }));
    }
    const ticks: [number, string][] = categories !== undefined ? categories.map((c, i) => [i, String(c)]) : axisTicks(space, lo, hi);
    for (const [u, label] of ticks) {
      parts.push(element('line', { x1: sx(u), x2: sx(u), y1: bottom, y2: bottom + 5, stroke: '#444' }));
      parts.push(text(sx(u), bottom + 18, label, { 'text-anchor': 'middle', fill: '#444' }));
    }
    const scale = isLogSpace(space) ? (space.kind === 'oneMinusLogUniform' ? ' (log 1 - x)' : ' (log)') : '';
    parts.push(text((left + right) / 2, bottom + 38, name + scale, { 'text-anchor': 'middle' }));
    shown.forEach((t, i) => {
      const isBest = t === best;
      parts.push(element('circle', { cx: sx(xs[i]!), cy: sy(t.value!), r: isBest ? 5 : 3.5, fill: isBest ? PALETTE[3]! : PALETTE[0]!, 'fill-opacity': t.status === 'pruned' ? 0.3 : 0.8 }));
    });
  });
  if (names.length > 0) {
    const cy = (top + bottom) / 2;
    parts.push(text(14, cy, results.metric, { 'text-anchor': 'middle', transform: `rotate(-90 14 ${cy})` }));
  }
  return svgDocument(panelWidth * names.length, height, parts.join(''), options.title);
}

/** The best value found after each trial. */
export function bestSoFarChart(results: TuneResults, options: { title?: string } = {}): string {
  checkOptionKeys('tune.bestSoFarChart', options, ['title']);
  const values = results.trials.filter((t) => t.value !== undefined && Number.isFinite(t.value)).length;
  if (values === 0) throw new Error('tune.bestSoFarChart: no trial has a finite value yet');
  return lineChart(
    [
      { label: 'trial', y: results.trials.map((t) => (t.status === 'completed' && t.value !== undefined ? t.value : NaN)), color: '#bbbbbb' },
      { label: `best ${results.metric}`, y: results.bestSoFar() },
    ],
    { title: options.title ?? `${results.strategy}: best so far`, xLabel: 'trial', yLabel: results.metric },
  );
}
