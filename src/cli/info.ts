/// <reference types="node" />
/** `nabla info FILE.safetensors`: the tensors in a file, their dtypes and shapes, and the parameter count. */
import { statSync } from 'node:fs';
import { readSafetensorsFileHeader } from '../io/node.js';

export function describeSafetensors(path: string): string {
  const header = readSafetensorsFileHeader(path);
  const rows = [...header.entries].map(([name, e]) => ({
    name,
    dtype: e.dtype,
    shape: `[${e.shape.join(', ')}]`,
    count: e.shape.reduce((a, b) => a * b, 1),
  }));
  const total = rows.reduce((s, r) => s + r.count, 0);
  const width = {
    name: Math.max(6, ...rows.map((r) => r.name.length)),
    dtype: Math.max(5, ...rows.map((r) => r.dtype.length)),
    shape: Math.max(5, ...rows.map((r) => r.shape.length)),
  };
  const line = (a: string, b: string, c: string, d: string): string =>
    `${a.padEnd(width.name)}  ${b.padEnd(width.dtype)}  ${c.padEnd(width.shape)}  ${d.padStart(12)}`;
  const out = [
    `${path} (${statSync(path).size.toLocaleString('en-US')} bytes)`,
    '',
    line('tensor', 'dtype', 'shape', 'elements'),
    '-'.repeat(width.name + width.dtype + width.shape + 18),
    ...rows.map((r) => line(r.name, r.dtype, r.shape, r.count.toLocaleString('en-US'))),
    '',
    `${rows.length} tensors, ${total.toLocaleString('en-US')} parameters and buffer elements`,
  ];
  const meta = Object.entries(header.metadata);
  if (meta.length > 0) out.push('', 'metadata:', ...meta.map(([k, v]) => `  ${k}: ${v}`));
  return out.join('\n');
}
