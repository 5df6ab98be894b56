/**
 * Penalties on weights to add to a loss: l1Penalty, l2Penalty, elasticNetPenalty. They take a
 * module, named parameters ([name, tensor] pairs, as namedParameters() gives) or plain tensors.
 * With `excludeBiases`, named parameters whose last name part starts with "bias" are skipped
 * (bias, bias_ih_l0); unnamed tensors are skipped when 1-D (biases and norm scales).
 */
import { Tensor } from '../../tensor/tensor.js';
import { abs, add, square } from '../../ops/elementwise.js';
import { Module } from '../module.js';
import { bool, num, parseArgs, parseOptions, type Args } from '../../ops/args.js';

export type PenaltyParams = Module | Iterable<Tensor> | Iterable<readonly [string, Tensor]>;

export interface PenaltyOptions {
  /** Leave biases out of the penalty (default false). */
  excludeBiases?: boolean;
}

const PENALTY_SPEC = { excludeBiases: bool };
/** l1Penalty's and l2Penalty's lambda, positionally (torch-style) or as an option. */
const LAMBDA_SPEC = { lambda: num, ...PENALTY_SPEC };
type LambdaArgs = Args<[lambda: number], PenaltyOptions & { lambda?: number }>;

function selectParams(op: string, params: PenaltyParams, options: PenaltyOptions): Tensor[] {
  const entries: [string | null, Tensor][] = [];
  const items: Iterable<unknown> = params instanceof Module ? params.namedParameters() : params;
  for (const item of items) {
    if (item instanceof Tensor) entries.push([null, item]);
    else if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string' && item[1] instanceof Tensor) {
      entries.push([item[0], item[1]]);
    } else {
      throw new Error(`${op}: expected tensors or [name, tensor] pairs (e.g. model.namedParameters()), got ${typeof item}`);
    }
  }
  const selected = entries.filter(([name, t]) => {
    if (options.excludeBiases !== true) return true;
    return name === null ? t.ndim !== 1 : !(name.split('.').pop() ?? '').startsWith('bias');
  });
  if (selected.length === 0) throw new Error(`${op}: no parameters to penalize`);
  return selected.map(([, t]) => t);
}

function total(terms: Tensor[]): Tensor {
  return terms.reduce((acc, t) => add(acc, t));
}

function checkLambda(op: string, lambda: number): void {
  if (!(lambda >= 0)) throw new Error(`${op}: lambda must be a non-negative number, got ${lambda}`);
}

/** lambda * sum |theta| over all selected parameters. */
export function l1Penalty(params: PenaltyParams, ...args: LambdaArgs): Tensor {
  const { lambda = 1, ...options } = parseArgs('F.l1Penalty', args, LAMBDA_SPEC, ['lambda']);
  checkLambda('l1Penalty', lambda);
  return total(selectParams('l1Penalty', params, options).map((p) => abs(p).sum())).mul(lambda);
}

/** lambda * sum theta^2 (the squared L2 norm, no 1/2) over all selected parameters. */
export function l2Penalty(params: PenaltyParams, ...args: LambdaArgs): Tensor {
  const { lambda = 1, ...options } = parseArgs('F.l2Penalty', args, LAMBDA_SPEC, ['lambda']);
  checkLambda('l2Penalty', lambda);
  return total(selectParams('l2Penalty', params, options).map((p) => square(p).sum())).mul(lambda);
}

/** lambda [(1 - alpha) ||theta||_1 + alpha ||theta||_2^2]: alpha = 0 is pure L1, alpha = 1 pure L2. */
export function elasticNetPenalty(params: PenaltyParams, lambda: number, alpha: number, options: PenaltyOptions = {}, ...extra: []): Tensor {
  const op = 'elasticNetPenalty';
  parseOptions(`F.${op}`, options, PENALTY_SPEC, extra);
  checkLambda(op, lambda);
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`${op}: alpha must be in [0, 1], got ${alpha}`);
  const selected = selectParams(op, params, options);
  const l1 = total(selected.map((p) => abs(p).sum()));
  const l2 = total(selected.map((p) => square(p).sum()));
  return l1.mul(1 - alpha).add(l2.mul(alpha)).mul(lambda);
}
