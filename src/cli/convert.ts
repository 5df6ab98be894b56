/// <reference types="node" />
/** `nabla convert IN OUT [--key K]`: a state dict between .pth/.pt and .safetensors (read by content, written by extension). */
import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { save } from '../io/node.js';
import { loadPth, looksLikePth, summarizePth } from '../io/pth.js';
import { deserializeSafetensors } from '../io/safetensors.js';

/** Converts and returns the lines to print. */
export function convertCheckpoint(input: string, output: string, key: string | undefined): string[] {
  const pthOut = /\.(pth|pt)$/i.test(output);
  if (!pthOut && !/\.safetensors$/i.test(output)) throw new Error(`convert: cannot tell the output format of '${output}': name it .safetensors, .pth or .pt`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(input));
  } catch (e) {
    throw new Error(`convert: cannot read ${input}: ${(e as Error).message}`);
  }
  const lines: string[] = [];
  let tensors: Record<string, Tensor>;
  let metadata: Record<string, string> = {};
  try {
    if (looksLikePth(bytes)) {
      tensors = loadPth(bytes, key === undefined ? {} : { key });
      const widened = new Set(summarizePth(bytes).tensors.map((t) => t.dtype).filter((d) => d === 'float16' || d === 'bfloat16' || d.startsWith('float8')));
      if (widened.size > 0) lines.push(`note: ${[...widened].join(', ')} tensors are written as float32`);
    } else {
      if (key !== undefined) throw new Error('--key picks an entry of a .pth checkpoint; this file is safetensors');
      ({ tensors, metadata } = deserializeSafetensors(bytes));
    }
  } catch (e) {
    throw new Error(`${input}: ${(e as Error).message}`);
  }
  if (Object.keys(tensors).length === 0) throw new Error(`convert: ${input} holds no tensors`);
  if (pthOut && Object.keys(metadata).length > 0) {
    lines.push(`note: the safetensors metadata (${Object.keys(metadata).join(', ')}) has no place in a .pth and is left out`);
    metadata = {};
  }
  save(tensors, output, metadata);
  const elements = Object.values(tensors).reduce((s, t) => s + t.numel(), 0);
  lines.push(`${input} -> ${output}: ${Object.keys(tensors).length} tensors, ${elements.toLocaleString('en-US')} elements`);
  return lines;
}
