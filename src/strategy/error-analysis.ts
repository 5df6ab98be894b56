/**
 * Error analysis: the misclassified dev examples in a table the user tags by hand ("blurry",
 * "mislabelled", ...), the tally per tag with the ceiling each category offers (fixing every error
 * of a category lowers the error by at most its count / dev-set size), the fraction of
 * incorrectly labelled examples, and an SVG sheet of the misclassified images.
 */
import { Tensor } from '../index.js';
import { element, svgDocument, text } from '../plot/svg.js';
import { checkOptionKeys } from '../ops/args.js';

export interface Misclassified {
  /** Index of the example in the evaluated set. */
  index: number;
  label: number;
  predicted: number;
  tags: string[];
}

export interface TagTally {
  tag: string;
  count: number;
  /** count / number of misclassified examples. */
  shareOfErrors: number;
  /** The error if every example of this category were fixed: error - count / total (the ceiling on the gain). */
  errorIfFixed: number;
}

export interface ErrorAnalysis {
  total: number;
  error: number;
  misclassified: Misclassified[];
  tally: TagTally[];
  /** Share of misclassified examples tagged `mislabelledTag` (incorrectly labelled data). */
  mislabelledFraction: number;
  toString(): string;
}

export interface ErrorAnalysisOptions {
  /** Tags per example index, as the user assigned them while looking at the examples. */
  tags?: Readonly<Record<number, readonly string[]>>;
  classNames?: readonly string[];
  /** The tag that marks an incorrectly labelled example (default 'mislabelled'). */
  mislabelledTag?: string;
}

function labelsOf(op: string, name: string, x: Tensor | readonly number[]): number[] {
  if (x instanceof Tensor) {
    if (x.shape.length === 2) return Array.from(x.argmax(1).toTypedArray(), Number);
    if (x.shape.length !== 1) throw new Error(`${op}: ${name} must be class indices [N] or scores [N, C], got shape [${x.shape.join(', ')}]`);
    return Array.from(x.toTypedArray(), Number);
  }
  if (!Array.isArray(x)) throw new Error(`${op}: ${name} must be a tensor or an array of class indices`);
  return [...x];
}

/** Compares predictions (class indices or [N, C] scores) with labels and tallies the user's tags on the errors. */
export function errorAnalysis(predictions: Tensor | readonly number[], labels: Tensor | readonly number[], options: ErrorAnalysisOptions = {}): ErrorAnalysis {
  const op = 'strategy.errorAnalysis';
  checkOptionKeys(op, options, ['tags', 'classNames', 'mislabelledTag']);
  const predicted = labelsOf(op, 'predictions', predictions);
  const truth = labelsOf(op, 'labels', labels);
  if (predicted.length !== truth.length) throw new Error(`${op}: ${predicted.length} predictions for ${truth.length} labels`);
  const tags = options.tags ?? {};
  const mislabelledTag = options.mislabelledTag ?? 'mislabelled';
  const misclassified: Misclassified[] = [];
  truth.forEach((label, index) => {
    if (predicted[index] !== label) misclassified.push({ index, label, predicted: predicted[index]!, tags: [...(tags[index] ?? [])] });
  });
  for (const key of Object.keys(tags)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= truth.length) throw new Error(`${op}: tags name example ${key}, outside 0..${truth.length - 1}`);
    if (predicted[i] === truth[i]) throw new Error(`${op}: tags name example ${key}, which is classified correctly`);
  }
  const total = truth.length;
  const error = total === 0 ? 0 : misclassified.length / total;
  const counts = new Map<string, number>();
  for (const m of misclassified) for (const t of new Set(m.tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const tally = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([tag, count]) => ({ tag, count, shareOfErrors: count / misclassified.length, errorIfFixed: error - count / total }));
  const name = (k: number): string => options.classNames?.[k] ?? String(k);
  return {
    total,
    error,
    misclassified,
    tally,
    mislabelledFraction: misclassified.length === 0 ? 0 : (counts.get(mislabelledTag) ?? 0) / misclassified.length,
    toString() {
      const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
      const lines = [`${misclassified.length} of ${total} misclassified (error ${pct(error)})`, '', 'example  label  predicted  tags'];
      for (const m of misclassified) lines.push(`${String(m.index).padStart(7)}  ${name(m.label).padStart(5)}  ${name(m.predicted).padStart(9)}  ${m.tags.join(', ')}`);
      if (tally.length > 0) {
        const width = Math.max(3, ...tally.map((t) => t.tag.length));
        lines.push('', `${'tag'.padEnd(width)}  count  share of errors  error if all fixed`);
        for (const t of tally) lines.push(`${t.tag.padEnd(width)}  ${String(t.count).padStart(5)}  ${pct(t.shareOfErrors).padStart(15)}  ${pct(t.errorIfFixed).padStart(18)}`);
      }
      return lines.join('\n');
    },
  };
}

/**
 * An SVG contact sheet of misclassified images ([N, C, H, W] or [N, H, W], grey or RGB; each
 * image scaled to its own range), captioned "label -> predicted" with the tags.
 */
export function misclassifiedSheet(images: Tensor, analysis: ErrorAnalysis, options: { columns?: number; scale?: number; maxImages?: number; classNames?: readonly string[] } = {}): string {
  const op = 'strategy.misclassifiedSheet';
  checkOptionKeys(op, options, ['columns', 'scale', 'maxImages', 'classNames']);
  if (!(images instanceof Tensor) || (images.shape.length !== 3 && images.shape.length !== 4)) throw new Error(`${op}: images must be a tensor [N, C, H, W] or [N, H, W]`);
  const x = images.shape.length === 3 ? images.unsqueeze(1) : images;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (c !== 1 && c !== 3) throw new Error(`${op}: images must have 1 or 3 channels, got ${c}`);
  if (n !== analysis.total) throw new Error(`${op}: ${n} images for an analysis of ${analysis.total} examples`);
  const shown = analysis.misclassified.slice(0, options.maxImages ?? 100);
  const columns = options.columns ?? 10;
  const scale = options.scale ?? Math.max(1, Math.round(64 / Math.max(h, w)));
  const cellW = Math.max(w * scale, 90) + 10;
  const cellH = h * scale + 40;
  const pixels = x.to('float64').toTypedArray();
  const name = (k: number): string => options.classNames?.[k] ?? String(k);
  const parts: string[] = [];
  shown.forEach((m, k) => {
    const ox = (k % columns) * cellW + 5;
    const oy = Math.floor(k / columns) * cellH + 5;
    const base = m.index * c * h * w;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < c * h * w; i++) {
      const v = pixels[base + i]!;
      if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
    const level = (v: number): number => Math.round(255 * (hi > lo && Number.isFinite(v) ? (v - lo) / (hi - lo) : 0));
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const at = (ch: number): number => level(pixels[base + ch * h * w + y * w + xx]!);
        const rgb = c === 1 ? [at(0), at(0), at(0)] : [at(0), at(1), at(2)];
        parts.push(element('rect', { x: ox + xx * scale, y: oy + y * scale, width: scale, height: scale, fill: `rgb(${rgb.join(',')})` }));
      }
    }
    parts.push(text(ox, oy + h * scale + 14, `${name(m.label)} -> ${name(m.predicted)} (#${m.index})`, { 'font-size': 11 }));
    if (m.tags.length > 0) parts.push(text(ox, oy + h * scale + 28, m.tags.join(', '), { 'font-size': 10, fill: '#d62728' }));
  });
  const rows = Math.max(1, Math.ceil(shown.length / columns));
  return svgDocument(Math.min(columns, Math.max(1, shown.length)) * cellW + 10, rows * cellH + 10, parts.join(''), `${analysis.misclassified.length} misclassified of ${analysis.total}`);
}
