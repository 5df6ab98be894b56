/**
 * The op table's entry type: how tests call an op on sample inputs, and the PyTorch expression
 * the fixture generator (scripts/gen_fixtures.py) evaluates on the same inputs.
 */
import type { Tensor, Nested } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

export interface InputSpec {
  shape: number[];
  /** Float inputs default to the dtype the test runs in; set for int32 and bool inputs. */
  dtype?: DType;
  /** Uniform random values in [low, high) (default [-2, 2]); integers for int32 inputs. */
  range?: [number, number];
  /** Exact values instead of random ones. */
  values?: Nested<number>;
  /** Make the input a non-contiguous view with the same values: transposed storage, or every other element. */
  layout?: 'transposed' | 'strided';
}

export interface OpSample<A> {
  inputs: InputSpec[];
  attrs: A;
  /**
   * The inputs sit exactly on kinks, where PyTorch defines a one-sided gradient that central
   * differences cannot see: golden-tested against PyTorch, skipped by gradCheck.
   */
  atKinks?: boolean;
}

export interface OpEntry<A> {
  name: string;
  /** Calls the op; multi-output ops return every output. */
  run(inputs: Tensor[], attrs: A): Tensor | Tensor[];
  /** A Python expression over x0, x1, ... (torch tensors) and `a` (the attrs dict), giving a tensor or a tuple. */
  torch: string;
  samples: OpSample<NoInfer<A>>[];
  /** false for ops with no gradient (comparisons, argmax). */
  differentiable?: boolean;
  /** Looser tolerance multiplier for ops whose float32 result amplifies rounding (default 1). */
  tolerance?: number;
}

/** An entry with its attrs type checked against its run function. */
export function entry<A extends object>(e: OpEntry<A>): OpEntry<A> {
  return e;
}

export function sample<A extends object>(inputs: InputSpec[], attrs: A): OpSample<A>;
export function sample(inputs: InputSpec[]): OpSample<Record<string, never>>;
export function sample(inputs: InputSpec[], attrs: object = {}): OpSample<object> {
  return { inputs, attrs };
}

/** A sample whose inputs sit on kinks (see OpSample.atKinks). */
export function atKinks<A>(s: OpSample<A>): OpSample<A> {
  return { ...s, atKinks: true };
}

/** Shorthand for a 1-D float input with exact values. */
export function values(v: number[]): InputSpec {
  return { shape: [v.length], values: v };
}

/** Shorthand for a random float input of a shape. */
export function f(shape: number[], range?: [number, number], layout?: InputSpec['layout']): InputSpec {
  return { shape, ...(range ? { range } : {}), ...(layout ? { layout } : {}) };
}
