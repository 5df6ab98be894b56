/**
 * The one run-time check of public arguments (docs/conventions.md). Arguments PyTorch requires are
 * positional; every optional one may be given positionally or in a final options object with
 * PyTorch's keyword name in camelCase. A value of the wrong type, an unknown option key, a key given
 * twice or an extra argument is an Error naming the function and the argument, with the closest
 * valid name for a misspelt key.
 */
import type { Tensor } from '../tensor/tensor.js';
import { DTYPES, type DType } from '../tensor/dtype.js';

/**
 * Marks Tensor's prototype, so this module recognises tensors without importing the Tensor class
 * (whose module imports every op, and the ops import this module).
 */
export const TENSOR_BRAND: unique symbol = Symbol.for('nabla.Tensor');

function isTensorValue(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { [TENSOR_BRAND]?: unknown })[TENSOR_BRAND] === true;
}

/** A type test with the words an error uses for what it expected ("an integer"). */
export interface Check<T> {
  (value: unknown): value is T;
  readonly expected: string;
}

export function check<T>(expected: string, test: (value: unknown) => boolean): Check<T> {
  return Object.assign((value: unknown): value is T => test(value), { expected });
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/** Any number except NaN (infinities are meaningful bounds, NaN is always a mistake here). */
export const num = check<number>('a number', (v) => typeof v === 'number' && !Number.isNaN(v));
/** Any number, NaN included (a fill value may be NaN on purpose). */
export const anyNum = check<number>('a number', (v) => typeof v === 'number');
export const finite = check<number>('a finite number', (v) => typeof v === 'number' && Number.isFinite(v));
export const int = check<number>('an integer', isInt);
export const bool = check<boolean>('true or false', (v) => typeof v === 'boolean');
export const str = check<string>('a string', (v) => typeof v === 'string');
export const tensor = check<Tensor>('a Tensor', isTensorValue);
/** An operand of elementwise arithmetic. */
export const scalarOrTensor = check<Tensor | number | boolean>(
  'a number, a boolean or a Tensor',
  (v) => typeof v === 'number' || typeof v === 'boolean' || isTensorValue(v),
);
/** One integer or several: reductions' `dim`, a kernel size per spatial dim or one for all. */
export const intOrInts = check<number | readonly number[]>(
  'an integer or an array of integers',
  (v) => isInt(v) || (Array.isArray(v) && v.every(isInt)),
);
export const intArray = check<readonly number[]>('an array of integers', (v) => Array.isArray(v) && v.every(isInt));
/** Any array, for callers that check its entries themselves with a more specific message (shapes). */
export const anyArray = check<readonly number[]>('an array of integers', (v) => Array.isArray(v));
export const floatDtype = check<'float32' | 'float64'>("'float32' or 'float64'", (v) => v === 'float32' || v === 'float64');
export const dtype = check<DType>(`one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`, (v) => (DTYPES as readonly unknown[]).includes(v));
export const func = check<(...args: never[]) => unknown>('a function', (v) => typeof v === 'function');

export function oneOf<const V extends readonly (string | number | boolean)[]>(...values: V): Check<V[number]> {
  const names = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  const expected = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
  return check(expected, (v) => values.includes(v as V[number]));
}

export function nullable<T>(c: Check<T>): Check<T | null> {
  return check(`${c.expected} or null`, (v) => v === null || c(v));
}

export function either<A, B>(a: Check<A>, b: Check<B>): Check<A | B> {
  return check(`${a.expected} or ${b.expected}`, (v) => a(v) || b(v));
}

export function arrayOf<T>(c: Check<T>, expected = `an array of ${c.expected.replace(/^an? /, '')}s`): Check<readonly T[]> {
  return check(expected, (v) => Array.isArray(v) && v.every((e) => c(e)));
}

/** A number in [lo, hi] (probabilities, momentum terms). */
export function inRange(lo: number, hi: number): Check<number> {
  return check(`a number in [${lo}, ${hi}]`, (v) => typeof v === 'number' && v >= lo && v <= hi);
}

/** An instance of a class, named in errors by the class's name. */
export function instanceOf<T>(cls: abstract new (...args: never[]) => T, name = cls.name): Check<T> {
  return check(`a ${name}`, (v) => v instanceof cls);
}

/** Which optional arguments a function takes, by name, in positional order. */
export type Spec = Readonly<Record<string, Check<unknown>>>;

export type Parsed<S extends Spec> = { -readonly [K in keyof S]?: S[K] extends Check<infer T> ? T : never };

/**
 * Optional arguments P given positionally, or a leading part of them (or all) followed by an options object O:
 * `Args<[dim: Dims, keepdim: boolean], SumOptions>` allows `(1)`, `(1, true)`, `({dim: 1})`, `(1, {keepdim: true})`.
 */
export type Args<P extends readonly unknown[], O> = Partial<P> | [...Prefix<P>, options: O];
type Prefix<P extends readonly unknown[]> = P extends readonly [...infer Init, unknown] ? Undefinable<P> | Prefix<Init> : [];
type Undefinable<T extends readonly unknown[]> = { [K in keyof T]: T[K] | undefined };

/** A plain `{...}` object (what an options object is), not a Tensor, array or other instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A value as an error message shows it: its kind, and enough of it to recognise. */
export function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (isTensorValue(v)) return `a Tensor of shape [${v.shape.join(', ')}] (${v.dtype})`;
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  if (Array.isArray(v)) return `array [${v.slice(0, 6).map((e) => (typeof e === 'object' && e !== null ? '...' : typeof e === 'string' ? `'${e}'` : String(e))).join(', ')}${v.length > 6 ? ', ...' : ''}]`;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    return `object {${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}}`;
  }
  const name = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name ? `a ${name}` : 'object';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The valid name closest to a misspelt one (snake_case and case slips count as exact), or null. */
export function closestName(name: string, valid: readonly string[]): string | null {
  const norm = (s: string): string => s.replace(/_/g, '').toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const d = editDistance(norm(name), norm(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/** Throws when `value` fails `c`: "fn: name must be <expected>, got <value>". */
export function checkArg<T>(fn: string, name: string, value: unknown, c: Check<T>): asserts value is T {
  if (!c(value)) throw new TypeError(`${fn}: ${name} must be ${c.expected}, got ${describe(value)}`);
}

/** Throws when a function that takes nothing more was given more. */
export function noExtraArgs(fn: string, extra: readonly unknown[], takes = 'no further arguments'): void {
  if (extra.length > 0) {
    throw new TypeError(`${fn}: too many arguments: it takes ${takes}, got ${extra.length} more (${extra.map(describe).join(', ')})`);
  }
}

/**
 * Splits optional arguments into the positional values (at most one per name in `positional`) and
 * a final options object (null when there is none); more values than names is an error.
 */
export function splitOptionalArgs(
  fn: string,
  args: readonly unknown[],
  positional: readonly string[],
  onlyOptions = 'only an options object here',
): { values: readonly unknown[]; options: Record<string, unknown> | null } {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  const options = isPlainObject(last) ? last : null;
  const values = options === null ? args : args.slice(0, -1);
  if (values.length > positional.length) {
    const takes = positional.length === 0
      ? onlyOptions
      : `at most ${positional.length} optional argument${positional.length > 1 ? 's' : ''} (${positional.join(', ')}) and an options object`;
    noExtraArgs(fn, values.slice(positional.length), takes);
  }
  return { values, options };
}

/**
 * Reads the optional arguments of a call: `args` (what follows the required ones) holds values in the
 * order of `spec`'s keys that are listed in `positional` (default: all), optionally followed by one
 * options object whose keys are any of `spec`'s. `undefined` means "not given" in both forms.
 */
export function parseArgs<S extends Spec>(
  fn: string,
  args: readonly unknown[],
  spec: S,
  positional: readonly (keyof S & string)[] = Object.keys(spec),
): Parsed<S> {
  const out: Record<string, unknown> = {};
  const { values, options } = splitOptionalArgs(fn, args, positional);
  values.forEach((value, i) => {
    const name = positional[i]!;
    if (value === undefined) return;
    checkArg(fn, name, value, spec[name]!);
    out[name] = value;
  });
  if (options !== null) {
    const valid = Object.keys(spec);
    for (const key of Object.keys(options)) {
      if (!Object.hasOwn(spec, key)) {
        const near = closestName(key, valid);
        const hint = near !== null ? `did you mean '${near}'?` : valid.length > 0 ? `valid options: ${valid.join(', ')}` : 'it takes no options';
        // A key may come from a file or a request: show a long one shortened.
        throw new TypeError(`unknown option '${key.length > 40 ? `${key.slice(0, 40)}...` : key}' for ${fn}; ${hint}`);
      }
      const value: unknown = options[key];
      if (value === undefined) continue;
      if (key in out) throw new TypeError(`${fn}: ${key} was given both as an argument and as an option`);
      checkArg(fn, `option '${key}'`, value, spec[key]!);
      out[key] = value;
    }
  }
  return out as Parsed<S>;
}

/**
 * Checks an options object alone (layer constructors, functions whose optional arguments are
 * options only), and that nothing (`extra`) follows it.
 */
export function parseOptions<S extends Spec>(fn: string, options: unknown, spec: S, extra: readonly unknown[] = []): Parsed<S> {
  noExtraArgs(fn, extra, 'nothing after the options object');
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(`${fn}: expected an options object, got ${describe(options)}`);
  return parseArgs(fn, [options], spec, []);
}

/**
 * For a function whose options object is required (it holds required keys): a missing one, or
 * anything but a plain object, is an error that lists what it holds (`keys`, an optional one
 * marked `?`), not a TypeError from reading a property of undefined.
 */
export function requireOptions(fn: string, options: unknown, keys: readonly string[]): asserts options is object {
  if (!isPlainObject(options)) throw new TypeError(`${fn}: options { ${keys.join(', ')} } are required, got ${describe(options)}`);
}

/** parseOptions for a caller that keeps its typed options object: validates it and hands it back. */
export function checkOptions<O>(fn: string, options: O, spec: Spec, extra: readonly unknown[] = []): O {
  parseOptions(fn, options, spec, extra);
  return options;
}

/** Any value: for an option whose value the caller checks itself with a more specific message. */
export const unchecked = check<unknown>('anything', () => true);

/** A spec that knows `keys` and leaves their values to the caller's own checks. */
export function keysSpec(keys: readonly string[]): Spec {
  return Object.fromEntries(keys.map((k) => [k, unchecked]));
}

/** Checks that `options` is an options object (or undefined) whose keys are all in `known`; values are the caller's to check. */
export function checkOptionKeys(fn: string, options: unknown, known: readonly string[], extra: readonly unknown[] = []): void {
  parseOptions(fn, options, keysSpec(known), extra);
}

/**
 * An optimizer's options over its defaults: a key that is not among the defaults (or `alsoKnown`)
 * is an error with a did-you-mean; the values are the optimizer's own validate()'s business.
 */
export function withDefaults<D extends object, O extends object>(
  fn: string,
  defaults: D,
  options: O,
  extra: readonly unknown[] = [],
  alsoKnown: readonly string[] = [],
): D & O {
  parseOptions(fn, options, keysSpec([...Object.keys(defaults), ...alsoKnown]), extra);
  return { ...defaults, ...options };
}
