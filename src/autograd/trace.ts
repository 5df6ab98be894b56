/**
 * Op tracing for graph export (ONNX). While a tracer is active, apply() reports every primitive
 * op it runs (name, inputs, attrs, output). A composite that the exporter maps as a whole (an
 * adaptive pooling, a layer) runs inside traceRegion: the tracer sees it as one op, and the ops
 * it is made of are not reported. Recording at the op level covers any forward code (residual
 * adds, cats, flattens written in a model's forward), not only known module trees.
 */
import type { Tensor } from '../tensor/tensor.js';

export interface OpTracer {
  record(op: string, inputs: readonly (Tensor | null)[], attrs: unknown, outputs: readonly Tensor[]): void;
}

let tracer: OpTracer | null = null;
/** > 0 inside a traceRegion: the composite's own ops stay unreported. */
let regionDepth = 0;

/** The tracer apply() reports to, or null when nothing traces (or inside a traced region). */
export function activeTracer(): OpTracer | null {
  return regionDepth === 0 ? tracer : null;
}

/** Runs fn with `t` receiving every op; tracing does not nest. */
export function withTracer<T>(t: OpTracer, fn: () => T): T {
  if (tracer !== null) throw new Error('trace: a trace is already running (tracing does not nest)');
  tracer = t;
  regionDepth = 0;
  try {
    return fn();
  } finally {
    tracer = null;
  }
}

/**
 * Runs a composite as one traced op: fn's inner ops are hidden from the tracer, which then
 * records `op` from `inputs` (null: an absent optional input) to `outputsOf(result)`. Without a
 * tracer this is just fn().
 */
export function traceRegion<A, R>(
  op: string,
  inputs: readonly (Tensor | null)[],
  attrs: A,
  fn: () => R,
  outputsOf: (result: R) => readonly Tensor[],
): R {
  const t = activeTracer();
  if (t === null) return fn();
  regionDepth++;
  let result: R;
  try {
    result = fn();
  } finally {
    regionDepth--;
  }
  t.record(op, inputs, attrs, outputsOf(result));
  return result;
}
