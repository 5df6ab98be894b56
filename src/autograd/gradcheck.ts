/**
 * gradCheck: compares autograd's gradients with central differences in float64, the way
 * torch.autograd.gradcheck does (eps 1e-6, atol 1e-5, rtol 1e-3). Outputs are projected onto a
 * fixed random direction v, so each input element costs two evaluations and the whole check
 * one backward pass: it compares v^T J numerically and analytically.
 */
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { noGrad } from './grad-mode.js';
import { autogradGrad } from './functional.js';
import { randn } from '../tensor/creation.js';
import { Generator } from '../tensor/random.js';
import { bool, num, parseOptions } from '../ops/args.js';

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw an error describing the worst component when the check fails. */
  raiseException?: boolean;
}

export interface GradCheckComponent {
  /** Which input (position in the inputs array). */
  input: number;
  /** Flat index of the element within that input. */
  index: number;
  numerical: number;
  analytical: number;
}

export interface GradCheckResult {
  passed: boolean;
  /** ||g_num - g_ana|| / (||g_num|| + ||g_ana||) over all checked elements (0 when both vanish). */
  relativeError: number;
  /** The element with the largest |numerical - analytical|, or null when nothing was checked. */
  worst: GradCheckComponent | null;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return (Array.isArray(out) ? [...(out as readonly Tensor[])] : [out as Tensor]).filter((t) => isFloat(t.dtype));
}

export function gradCheck(fn: Fn, inputs: readonly Tensor[], options: GradCheckOptions = {}, ...extra: []): GradCheckResult {
  parseOptions('gradCheck', options, { eps: num, atol: num, rtol: num, raiseException: bool }, extra);
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const checked = inputs.map((t) => isFloat(t.dtype));
  const leaves = inputs.map((t, i) => (checked[i] ? t.detach().to('float64').clone().detach().requiresGrad_(true) : t));

  const outputs = outputsOf(fn, leaves);
  const rng = new Generator(1234);
  const directions = outputs.map((o) => randn(o.shape, { dtype: 'float64', generator: rng }));
  const differentiable = outputs.map((o) => o.requiresGrad);
  const wrt = leaves.filter((_, i) => checked[i]);
  const analyticalGrads =
    differentiable.some(Boolean) && wrt.length > 0
      ? autogradGrad(
          outputs.filter((_, k) => differentiable[k]),
          wrt,
          { gradOutputs: directions.filter((_, k) => differentiable[k]), allowUnused: true },
        )
      : wrt.map(() => null);

  const project = (outs: Tensor[]): number =>
    outs.reduce((s, o, k) => s + o.to('float64').mul(directions[k]!).sum().item(), 0);

  let diffSq = 0;
  let numSq = 0;
  let anaSq = 0;
  let passed = true;
  let worst: GradCheckComponent | null = null;
  let worstDiff = -1;
  let w = 0;
  noGrad(() => {
    const probes = leaves.map((t, i) => (checked[i] ? t.detach().clone() : t));
    leaves.forEach((_, i) => {
      if (!checked[i]) return;
      const ana = analyticalGrads[w++];
      const anaValues = ana === null || ana === undefined ? null : ana.toTypedArray();
      const data = probes[i]!.data;
      for (let j = 0; j < data.length; j++) {
        const orig = data[j]!;
        data[j] = orig + eps;
        const plus = project(outputsOf(fn, probes));
        data[j] = orig - eps;
        const minus = project(outputsOf(fn, probes));
        data[j] = orig;
        const numerical = (plus - minus) / (2 * eps);
        const analytical = anaValues === null ? 0 : anaValues[j]!;
        const diff = Math.abs(numerical - analytical);
        diffSq += diff * diff;
        numSq += numerical * numerical;
        anaSq += analytical * analytical;
        if (!(diff <= atol + rtol * Math.abs(numerical))) passed = false;
        if (diff > worstDiff || Number.isNaN(diff)) {
          worstDiff = Number.isNaN(diff) ? Infinity : diff;
          worst = { input: i, index: j, numerical, analytical };
        }
      }
    });
  });
  const denom = Math.sqrt(numSq) + Math.sqrt(anaSq);
  const relativeError = denom === 0 ? 0 : Math.sqrt(diffSq) / denom;
  const result: GradCheckResult = { passed, relativeError, worst };
  if (!passed && options.raiseException === true) {
    const wc = result.worst!;
    throw new Error(
      `gradCheck: gradients differ (relative error ${relativeError.toExponential(3)}); worst at input ${wc.input}, ` +
        `flat index ${wc.index}: numerical ${wc.numerical}, analytical ${wc.analytical}`,
    );
  }
  return result;
}
