/**
 * Turns an op-table sample into concrete inputs: deterministic values (the same ones the
 * fixture generator gave PyTorch) laid out as the sample asks (contiguous, transposed, strided).
 */
import * as nb from '../../src/index.js';
import type { InputSpec } from '../../src/ops/table.js';
import { decodeNumber } from './numbers.js';

export interface SerializedInput {
  shape: number[];
  dtype: 'float' | 'int32' | 'bool';
  layout: 'contiguous' | 'transposed' | 'strided';
  values: (number | string)[];
}

/** A stable 32-bit hash so each entry/sample gets its own seed. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function flatten(v: nb.Nested<number>): number[] {
  return Array.isArray(v) ? v.flatMap(flatten) : [v];
}

/** Values for one input spec, rounded to 6 significant digits so float32 and float64 runs see the same numbers. */
export function sampleValues(spec: InputSpec, seedKey: string): SerializedInput {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.dtype === 'int32' ? 'int32' : spec.dtype === 'bool' ? 'bool' : 'float';
  const layout = spec.layout ?? 'contiguous';
  if (spec.values !== undefined) return { shape: spec.shape, dtype, layout, values: flatten(spec.values) };
  const g = new nb.Generator(hash(seedKey));
  const [lo, hi] = spec.range ?? (dtype === 'int32' ? [0, 5] : [-2, 2]);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = g.nextDouble();
    if (dtype === 'bool') values.push(u < 0.5 ? 1 : 0);
    else if (dtype === 'int32') values.push(lo + Math.floor(u * (hi - lo)));
    else values.push(Number((lo + u * (hi - lo)).toPrecision(6)));
  }
  return { shape: spec.shape, dtype, layout, values };
}

/** Builds the input tensor in `floatDtype` with the requested memory layout (a leaf, requiring grad if asked). */
export function buildInput(input: SerializedInput, floatDtype: 'float32' | 'float64', requiresGrad: boolean): nb.Tensor {
  const dtype = input.dtype === 'float' ? floatDtype : input.dtype;
  const values = input.values.map(decodeNumber);
  const base = nb.tensor(values, { dtype, allowNonFinite: true }).reshape(input.shape);
  let t: nb.Tensor = base;
  if (input.layout === 'transposed' && input.shape.length >= 2) {
    t = base.transpose(-1, -2).contiguous().transpose(-1, -2).detach();
  } else if (input.layout === 'strided' && input.shape.length >= 1) {
    const last = input.shape[input.shape.length - 1]!;
    const wide = nb.stack([base, nb.zerosLike(base)], -1).reshape([...input.shape.slice(0, -1), 2 * last]);
    t = wide.slice(-1, 0, null, 2).detach();
  }
  return requiresGrad && input.dtype === 'float' ? t.requiresGrad_(true) : t;
}

/** The fixed cotangent used for gradients: w[i] = sin(i + 1) over the flattened output. */
export function cotangent(like: nb.Tensor): nb.Tensor {
  const n = like.numel();
  const w = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  return nb.tensor(w).to(like.dtype).reshape(like.shape);
}

export function asList(out: nb.Tensor | nb.Tensor[]): nb.Tensor[] {
  return Array.isArray(out) ? out : [out];
}
