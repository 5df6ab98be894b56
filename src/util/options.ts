/** The toolkits' options-object check, through ops/args.ts: unknown keys are errors with a did-you-mean. */
import { checkOptions, keysSpec } from '../ops/args.js';

/** Checks that `options` is an options object (or undefined) whose keys are all in `known`; values are the caller's to check. */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  checkOptions(op, options, keysSpec(known));
}
