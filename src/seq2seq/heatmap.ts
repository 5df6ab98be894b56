/** The attention-weight picture of the course: output tokens down, source tokens across, weight as colour. */
import { Tensor } from '../tensor/tensor.js';
import { blues, coord, element, svgDocument, text } from '../plot/svg.js';
import { checkOptionKeys } from '../ops/args.js';

export interface AttentionHeatmapOptions {
  title?: string;
  /** Print each weight in its cell (default false). */
  showValues?: boolean;
}

/**
 * An SVG heatmap of attention weights [T_out, T_in] (a Tensor or nested numbers, each row the
 * weights one output token gave the source positions): outputTokens label the rows, sourceTokens
 * the columns. Colour runs from white (0) to dark blue (1); weights must lie in [0, 1].
 */
export function attentionHeatmap(
  weights: Tensor | readonly (readonly number[])[], sourceTokens: readonly string[], outputTokens: readonly string[], options: AttentionHeatmapOptions = {},
): string {
  const op = 'attentionHeatmap';
  checkOptionKeys(op, options, ['title', 'showValues']);
  let rows: number[][];
  if (weights instanceof Tensor) {
    if (weights.ndim !== 2) throw new Error(`${op}: weights must be [outputs, sources], got a tensor of ${weights.ndim} dims (select one example of a batch first)`);
    rows = weights.to('float64').toArray() as number[][];
  } else if (Array.isArray(weights)) {
    rows = weights.map((r, i) => {
      if (!Array.isArray(r)) throw new Error(`${op}: weights row ${i} is not an array`);
      return [...(r as readonly number[])];
    });
  } else {
    throw new Error(`${op}: weights must be a Tensor or an array of rows`);
  }
  if (!Array.isArray(sourceTokens) || !Array.isArray(outputTokens) || [...sourceTokens, ...outputTokens].some((t) => typeof t !== 'string')) {
    throw new Error(`${op}: sourceTokens and outputTokens must be arrays of strings`);
  }
  if (rows.length !== outputTokens.length) throw new Error(`${op}: ${rows.length} weight rows but ${outputTokens.length} output tokens`);
  rows.forEach((r, i) => {
    if (r.length !== sourceTokens.length) throw new Error(`${op}: weights row ${i} has ${r.length} values but there are ${sourceTokens.length} source tokens`);
    r.forEach((v, j) => {
      if (!(v >= 0 && v <= 1)) throw new Error(`${op}: weight [${i}, ${j}] = ${v} is not in [0, 1]`);
    });
  });
  const cell = 26;
  const longestOut = Math.max(1, ...outputTokens.map((t) => t.length));
  const longestIn = Math.max(1, ...sourceTokens.map((t) => t.length));
  const left = 20 + Math.min(200, longestOut * 7.5);
  const top = (options.title === undefined ? 16 : 44) + Math.min(200, longestIn * 6.5);
  const width = left + sourceTokens.length * cell + 20;
  const height = top + outputTokens.length * cell + 36;
  const parts: string[] = [];
  if (options.title !== undefined) parts.push(text(width / 2, 26, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }));
  rows.forEach((r, i) => {
    r.forEach((v, j) => {
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(element('rect', { x, y, width: cell, height: cell, fill: blues(v), stroke: 'white' }, `<title>${coord(v)}</title>`));
      if (options.showValues === true) {
        parts.push(text(x + cell / 2, y + cell / 2 + 3, v.toFixed(2).replace(/^0/, ''), { 'text-anchor': 'middle', 'font-size': 8, fill: v > 0.55 ? 'white' : '#222' }));
      }
    });
    parts.push(text(left - 6, top + i * cell + cell / 2 + 4, outputTokens[i]!, { 'text-anchor': 'end' }));
  });
  sourceTokens.forEach((token, j) => {
    const x = left + j * cell + cell / 2 + 4;
    const y = top - 6;
    parts.push(text(x, y, token, { 'text-anchor': 'start', transform: `rotate(-90 ${coord(x)} ${coord(y)})` }));
  });
  parts.push(text(left + (sourceTokens.length * cell) / 2, height - 12, 'input', { 'text-anchor': 'middle', 'font-weight': 'bold' }));
  return svgDocument(width, height, parts.join(''), options.title ?? 'attention weights');
}
