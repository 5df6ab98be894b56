/** PyTorch-style printing: aligned columns, 4 decimals or scientific, summarised when large. */
import type { Tensor } from './tensor.js';
import { isFloat } from './dtype.js';

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function formatterFor(values: ArrayLike<number>, dtype: Tensor['dtype']): (v: number) => string {
  if (dtype === 'bool') return (v) => (v !== 0 ? 'true' : 'false');
  if (!isFloat(dtype)) return (v) => String(v);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(Math.abs(values[i]!));
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  if (finite.every((v) => Number.isInteger(v))) {
    return (v) => special(v) ?? `${v.toFixed(0)}.`;
  }
  const nonzero = finite.filter((v) => v !== 0);
  const maxAbs = Math.max(0, ...nonzero);
  const minAbs = nonzero.length > 0 ? Math.min(...nonzero) : 0;
  const scientific = maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1000);
  if (scientific) return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  return (v) => special(v) ?? v.toFixed(4);
}

/** Formats a tensor the way torch prints it, with Nabla's camelCase attribute names. */
export function formatTensor(t: Tensor): string {
  const flat = t.toTypedArray();
  const summarise = flat.length > SUMMARY_THRESHOLD;
  const shown: number[] = [];
  // Collect the values that will be printed, so column width matches them only.
  const visit = (dim: number, start: number, collect: (i: number) => void): void => {
    if (dim === t.ndim) {
      collect(start);
      return;
    }
    const size = t.shape[dim]!;
    const step = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < size; i++) {
      if (summarise && size > 2 * EDGE_ITEMS && i === EDGE_ITEMS) i = size - EDGE_ITEMS;
      visit(dim + 1, start + i * step, collect);
    }
  };
  visit(0, 0, (i) => shown.push(flat[i]!));
  const fmt = formatterFor(shown, t.dtype);
  const width = Math.max(0, ...shown.map((v) => fmt(v).length));
  const pad = (v: number): string => fmt(v).padStart(width);
  const indent = 'tensor('.length;
  const render = (dim: number, start: number): string => {
    if (dim === t.ndim) return pad(flat[start]!);
    const size = t.shape[dim]!;
    const step = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const parts: string[] = [];
    for (let i = 0; i < size; i++) {
      if (summarise && size > 2 * EDGE_ITEMS && i === EDGE_ITEMS) {
        parts.push('...');
        i = size - EDGE_ITEMS;
      }
      parts.push(render(dim + 1, start + i * step));
    }
    const last = dim === t.ndim - 1;
    const sep = last ? ', ' : ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = t.ndim === 0 ? fmt(flat[0]!) : render(0, 0);
  const extras: string[] = [];
  if (t.numel() === 0 && t.ndim > 1) extras.push(`size=[${t.shape.join(', ')}]`);
  // float32 and int32 are the defaults a value infers, so only float64 is named (bool shows as true/false).
  if (t.dtype === 'float64') extras.push('dtype=float64');
  if (t.gradFn !== null) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.map((e) => `, ${e}`).join('')})`;
}
