/**
 * PyTorch's printing (torch/_tensor_str.py): 4 decimals or scientific, columns as wide as the
 * widest nonzero finite value, rows wrapped at 80 characters, and more than 1000 elements
 * summarised with 3 edge items per dim. Only the spellings are Nabla's (true, requiresGrad).
 */
import type { Tensor } from './tensor.js';
import { isFloat } from './dtype.js';

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PRECISION = 4;

/**
 * x with `digits` decimals (fixed) or significant decimals (exponential), rounding exact ties to
 * even as Python's format does (JS rounds them up: (0.03125).toFixed(4) is '0.0313', not '0.0312').
 */
function pythonRound(x: number, digits: number, style: 'fixed' | 'exponential'): string {
  const render = (v: number, d: number): string => (style === 'fixed' ? v.toFixed(d) : v.toExponential(d));
  const s = render(x, digits);
  // An exact tie has a short exact expansion, so a few extra digits show it: ...5 then zeros.
  const longer = render(x, digits + 20);
  const mantissa = longer.split('e')[0]!;
  const extra = mantissa.slice(mantissa.length - 20);
  if (extra !== '5'.padEnd(20, '0')) return s;
  const kept = mantissa.slice(0, mantissa.length - 20);
  const lastDigit = Number(kept.replace(/\.$/, '').slice(-1));
  if (lastDigit % 2 === 1) return s; // JS rounded away to an even digit already
  const exponent = longer.includes('e') ? `e${longer.split('e')[1]}` : '';
  return `${kept.replace(/\.$/, '')}${exponent}`;
}

/** Python keeps the sign of -0.0; JS drops it. */
const signed = (v: number, s: string): string => (Object.is(v, -0) ? `-${s}` : s);

/** Python's '{:.4e}': at least two exponent digits. */
function scientific(v: number): string {
  return signed(v, pythonRound(v, PRECISION, 'exponential').replace(/e([+-])(\d)$/, 'e$10$2'));
}

function fixed(v: number, digits: number): string {
  return signed(v, pythonRound(v, digits, 'fixed'));
}

interface Formatter {
  width: number;
  format(v: number): string;
}

/** torch's _Formatter: chooses integer, fixed or scientific style from the values shown. */
function formatterFor(values: readonly number[], dtype: Tensor['dtype']): Formatter {
  if (!isFloat(dtype)) {
    const str = dtype === 'bool' ? (v: number) => (v !== 0 ? 'true' : 'false') : (v: number) => String(v);
    const width = Math.max(1, ...values.map((v) => str(v).length));
    return { width, format: (v) => str(v).padStart(width) };
  }
  const nonzero = values.filter((v) => Number.isFinite(v) && v !== 0);
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  let style: 'int' | 'fixed' | 'scientific' = 'int';
  let width = 1;
  if (nonzero.length > 0) {
    const abs = nonzero.map(Math.abs);
    const max = Math.max(...abs);
    const min = Math.min(...abs);
    const wide = max / min > 1000 || max > 1e8;
    if (nonzero.every(Number.isInteger)) style = wide ? 'scientific' : 'int';
    else style = wide || min < 1e-4 ? 'scientific' : 'fixed';
    const plain = (v: number): string =>
      style === 'scientific' ? scientific(v) : style === 'int' ? `${fixed(v, 0)}.` : fixed(v, PRECISION);
    width = Math.max(1, ...nonzero.map((v) => plain(v).length));
  }
  const format = (v: number): string => {
    const text =
      special(v) ?? (style === 'scientific' ? scientific(v) : style === 'int' ? `${fixed(v, 0)}.` : fixed(v, PRECISION));
    return text.padStart(width);
  };
  return { width, format };
}

/** Formats a tensor the way torch prints it, with Nabla's camelCase attribute names. */
export function formatTensor(t: Tensor): string {
  const prefix = 'tensor(';
  const flat = t.toTypedArray();
  const summarise = flat.length > SUMMARY_THRESHOLD;
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  /** The indices shown along a dim: all, or the edge items when summarising. */
  const shownIndices = (size: number): number[] =>
    summarise && size > 2 * EDGE_ITEMS
      ? [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), ...Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i)]
      : Array.from({ length: size }, (_, i) => i);
  const shown: number[] = [];
  const collect = (dim: number, start: number): void => {
    if (dim === t.ndim) shown.push(flat[start]!);
    else for (const i of shownIndices(t.shape[dim]!)) collect(dim + 1, start + i * strides[dim]!);
  };
  if (flat.length > 0) collect(0, 0);
  const fmt = formatterFor(shown, t.dtype);

  const render = (dim: number, start: number, indent: number): string => {
    const size = t.shape[dim]!;
    const elided = summarise && size > 2 * EDGE_ITEMS;
    const parts: string[] = [];
    for (const i of shownIndices(size)) {
      if (elided && i === size - EDGE_ITEMS) parts.push(dim === t.ndim - 1 ? ' ...' : '...');
      parts.push(dim === t.ndim - 1 ? fmt.format(flat[start + i * strides[dim]!]!) : render(dim + 1, start + i * strides[dim]!, indent + 1));
    }
    if (dim < t.ndim - 1) return `[${parts.join(',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + 1))}]`;
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (fmt.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
    return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
  };

  const suffixes: string[] = [];
  let body: string;
  if (flat.length === 0) {
    body = '[]';
    if (t.ndim !== 1) suffixes.push(`size=[${t.shape.join(', ')}]`);
    // Without elements nothing shows the dtype, so any but the default float is named.
    if (t.dtype !== 'float32') suffixes.push(`dtype=${t.dtype}`);
  } else {
    body = t.ndim === 0 ? fmt.format(flat[0]!) : render(0, 0, prefix.length);
    // float32, int32 and bool are what values infer, so only float64 is named.
    if (t.dtype === 'float64') suffixes.push('dtype=float64');
  }
  if (t.gradFn !== null) suffixes.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requiresGrad=true');

  // Suffixes go on a new line when they would pass the line width (torch's _add_suffixes).
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > LINE_WIDTH) {
      out += `,\n${' '.repeat(prefix.length)}${s}`;
      lastLine = prefix.length + s.length;
    } else {
      out += `, ${s}`;
      lastLine += s.length + 2;
    }
  }
  return `${out})`;
}
