/// <reference types="node" />
/** `nabla info FILE`: the tensors in a safetensors or .pth file, their dtypes and shapes, and the parameter count. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readSafetensorsFileHeader } from '../io/node.js';
import { looksLikePth, summarizePth } from '../io/pth.js';

/** How many of a checkpoint's non-tensor entries (epoch, hyperparameters, ...) are listed. */
const MAX_OTHERS = 50;

/** Describes a safetensors or .pth file (told apart by content). */
export function describeCheckpoint(path: string): string {
  const head = new Uint8Array(2);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`info: cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  if (!looksLikePth(head)) return describeSafetensors(path);
  let summary;
  try {
    summary = summarizePth(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  const rows = summary.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: `[${t.shape.join(', ')}]`, count: t.shape.reduce((a, b) => a * b, 1) }));
  const storages = new Set(summary.tensors.map((t) => t.storage)).size;
  const out = table(path, rows, `${rows.length} tensors in ${storages} storages`);
  const shown = summary.others.slice(0, MAX_OTHERS).map((o) => `  ${o.name}: ${o.value.length > 80 ? `${o.value.slice(0, 77)}...` : o.value}`);
  if (summary.others.length > MAX_OTHERS) shown.push(`  ... and ${summary.others.length - MAX_OTHERS} more`);
  if (shown.length > 0) out.push('', 'other entries:', ...shown);
  return out.join('\n');
}

export function describeSafetensors(path: string): string {
  const header = readSafetensorsFileHeader(path);
  const rows = [...header.entries].map(([name, e]) => ({
    name,
    dtype: e.dtype,
    shape: `[${e.shape.join(', ')}]`,
    count: e.shape.reduce((a, b) => a * b, 1),
  }));
  const out = table(path, rows, `${rows.length} tensors`);
  const meta = Object.entries(header.metadata);
  if (meta.length > 0) out.push('', 'metadata:', ...meta.map(([k, v]) => `  ${k}: ${v}`));
  return out.join('\n');
}

function table(path: string, rows: { name: string; dtype: string; shape: string; count: number }[], what: string): string[] {
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
    `${what}, ${total.toLocaleString('en-US')} parameters and buffer elements`,
  ];
  return out;
}
