/** Helpers for anomaly mode: finding non-finite values and the user's line that called an op. */
import type { Tensor } from '../tensor/tensor.js';
import { isFloat } from '../tensor/dtype.js';
import { shapeStr } from '../tensor/shape.js';

/**
 * Where Nabla's own code lives, read off this module's own stack frame (import.meta.url is not
 * available in every bundle format): the source root above autograd/, or the bundle file itself.
 * Frames from there are skipped when naming the caller.
 */
function ownSourceRoot(): string {
  const frame = (new Error().stack ?? '').split('\n').find((l) => /anomaly\.[cm]?[jt]s|:\d+:\d+/.test(l) && !l.startsWith('Error')) ?? '';
  const match = /([^\s(@]+):\d+:\d+\)?\s*$/.exec(frame.trim());
  if (match === null) return '\u0000';
  const file = match[1]!.replace(/^file:\/\//, '');
  return file.replace(/autograd\/anomaly\.[cm]?[jt]s$/, '');
}

const ownRoot = ownSourceRoot();

/** The first stack frame outside Nabla's source, or the whole stack when none is found. */
export function userCallSite(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1).map((l) => l.trim());
  const user = frames.find((f) => !f.includes(ownRoot) && !f.includes('node:internal'));
  return user ?? frames[0] ?? '(unknown location)';
}

/** The current stack, deep enough to reach the user's code below Nabla's own frames. */
export function captureStack(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  try {
    return new Error().stack ?? null;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** 'NaN' or 'Inf' if the tensor holds one, else null. */
export function nonFinite(t: Tensor): 'NaN' | 'Inf' | null {
  if (!isFloat(t.dtype)) return null;
  const data = t.toTypedArray();
  let inf = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== v) return 'NaN';
    if (v === Infinity || v === -Infinity) inf = true;
  }
  return inf ? 'Inf' : null;
}

export function anomalyError(what: string, op: string, inputShapes: readonly (readonly number[])[], site: string): Error {
  return new Error(
    `detectAnomaly: ${what} of op '${op}' (inputs ${inputShapes.map(shapeStr).join(', ') || 'none'}), ` +
      `called ${site}`,
  );
}
