/** Small helpers for writing SVG as strings: escaping, number formatting, axis ticks, colours. */

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate with at most two decimals (keeps files small and diffs stable). */
export function coord(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** An element with attributes (values escaped) and optional raw inner SVG or text. */
export function element(name: string, attributes: Record<string, string | number>, inner?: string): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? coord(v) : v)}"`)
    .join('');
  return inner === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

export function text(x: number, y: number, content: string, attributes: Record<string, string | number> = {}): string {
  return element('text', { x, y, ...attributes }, escapeXml(content));
}

/** Wraps content in an <svg> root with a white background and a default font. */
export function svgDocument(width: number, height: number, content: string, title?: string): string {
  const heading = title === undefined ? '' : `<title>${escapeXml(title)}</title>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${coord(width)}" height="${coord(height)}" viewBox="0 0 ${coord(width)} ${coord(height)}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="12">${heading}` +
    `${element('rect', { x: 0, y: 0, width, height, fill: 'white' })}${content}</svg>\n`
  );
}

/** Round tick values covering [lo, hi] (Heckbert's nice numbers), about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const nice = (x: number, round: boolean): number => {
    const exponent = Math.floor(Math.log10(x));
    const fraction = x / 10 ** exponent;
    const f = round ? (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) : fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
    return f * 10 ** exponent;
  };
  const step = nice(nice(hi - lo, false) / Math.max(1, count - 1), true);
  // Ticks are whole multiples of the step, rounded to drop floating-point noise (0.6, not 0.6000000000000001).
  const first = Math.floor(lo / step);
  const ticks: number[] = [];
  for (let k = first; ; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
    if (k * step >= hi - step * 1e-9 && ticks.length >= 2) break;
  }
  return ticks;
}

/** A tick label: few digits, no floating-point noise. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const magnitude = Math.abs(v);
  if (magnitude >= 1e5 || magnitude < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Matplotlib's tab10 colours. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** A colour from white (t = 0) to dark blue (t = 1), as matplotlib's Blues. */
export function blues(t: number): string {
  const stops: [number, number, number][] = [
    [247, 251, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  const channel = (k: number): string => Math.round(a[k]! + (b[k]! - a[k]!) * f).toString(16).padStart(2, '0');
  return `#${channel(0)}${channel(1)}${channel(2)}`;
}

/** A plot frame in pixels with value-to-pixel maps (y grows upwards). */
export interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/**
 * Grid lines and labels of the y ticks inside [yMin, yMax], the x ticks, the frame and the axis
 * titles (the y title rotated at x = yLabelX) of a plot area.
 */
export function axes(f: Frame, xTicks: readonly number[], yTicks: readonly number[], yRange: readonly [number, number], labels: { xLabel?: string; yLabel?: string; yLabelX: number }): string {
  const parts: string[] = [];
  for (const v of yTicks) {
    if (v < yRange[0] - 1e-12 || v > yRange[1] + 1e-12) continue;
    parts.push(element('line', { x1: f.left, x2: f.right, y1: f.sy(v), y2: f.sy(v), stroke: '#e5e5e5' }));
    parts.push(text(f.left - 6, f.sy(v) + 4, tickLabel(v), { 'text-anchor': 'end', fill: '#444' }));
  }
  for (const v of xTicks) {
    parts.push(element('line', { x1: f.sx(v), x2: f.sx(v), y1: f.bottom, y2: f.bottom + 5, stroke: '#444' }));
    parts.push(text(f.sx(v), f.bottom + 18, tickLabel(v), { 'text-anchor': 'middle', fill: '#444' }));
  }
  parts.push(element('rect', { x: f.left, y: f.top, width: f.right - f.left, height: f.bottom - f.top, fill: 'none', stroke: '#444' }));
  if (labels.xLabel !== undefined) parts.push(text((f.left + f.right) / 2, f.bottom + 38, labels.xLabel, { 'text-anchor': 'middle' }));
  if (labels.yLabel !== undefined) {
    const cx = labels.yLabelX;
    const cy = (f.top + f.bottom) / 2;
    parts.push(text(cx, cy, labels.yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 ${coord(cx)} ${coord(cy)})` }));
  }
  return parts.join('');
}
