/** Shape arithmetic shared by every op: sizes, strides, broadcasting and dim normalisation. */

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** True when a layout reads its elements in order from its offset with no gaps (size-1 dims may have any stride). */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Why a size is not a safe integer >= min, or null when it is one. */
function sizeProblem(value: unknown, min: number): string | null {
  if (typeof value !== 'number') return `got ${value === null ? 'null' : typeof value}`;
  if (!Number.isInteger(value)) return `got ${value}`;
  if (!Number.isSafeInteger(value)) return `got ${value}, beyond 2^53 where integers stop being exact`;
  if (value < min) return `got ${value}`;
  return null;
}

function sizeRule(min: number): string {
  return min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer >= ${min}`;
}

/**
 * The one check for a size coming from a user (a layer width, a kernel size, a stride, a class
 * count): a safe integer >= min, or an error naming the op, the argument and the bad value.
 */
export function checkSize(op: string, what: string, value: unknown, min = 0): number {
  const problem = sizeProblem(value, min);
  if (problem !== null) throw new Error(`${op}: ${what} must be ${sizeRule(min)}, ${problem}`);
  return value as number;
}

/** Whether value is a size: a safe integer >= min. */
export function isSize(value: unknown, min = 0): value is number {
  return sizeProblem(value, min) === null;
}

/** A list of `length` sizes >= min (per-dim strides, paddings, ...), or an error naming the op and the list. */
export function checkSizeList(op: string, what: string, values: readonly number[], min: number, length: number): void {
  if (values.length !== length || !values.every((v) => isSize(v, min))) {
    throw new Error(`${op}: ${what} must be ${length} integer${length > 1 ? 's' : ''} >= ${min}, got ${listStr(values)}`);
  }
}

function listStr(list: readonly unknown[]): string {
  return `[${list.map(String).join(', ')}]`;
}

/** Where a shape may hold -1 (a size to infer or keep): nowhere, in one dim (reshape), in any (expand). */
export type MinusOne = 'never' | 'once' | 'any';

/**
 * The one check for a shape from a user: an array of non-negative safe integers whose product is
 * also exact, with -1 entries as `minusOne` allows; otherwise an error naming the op and the value.
 */
export function checkShape(op: string, shape: Shape, minusOne: MinusOne = 'never'): void {
  if (!Array.isArray(shape)) {
    throw new Error(`${op}: the shape must be an array of sizes, got ${shape === null ? 'null' : typeof shape}`);
  }
  let minusOnes = 0;
  let product = 1;
  for (let i = 0; i < shape.length; i++) {
    if (!(i in shape)) throw new Error(`${op}: invalid shape: the shape array has a hole at index ${i}`);
    const d: unknown = shape[i];
    if (minusOne !== 'never' && d === -1) {
      if (++minusOnes > 1 && minusOne === 'once') throw new Error(`${op}: only one dimension can be -1, got ${listStr(shape)}`);
      continue;
    }
    const problem = sizeProblem(d, 0);
    if (problem !== null) {
      throw new Error(
        `${op}: invalid shape ${listStr(shape)}: every size must be a non-negative integer` +
          `${minusOne === 'never' ? '' : ' or -1'}; dim ${i} ${problem}`,
      );
    }
    product *= d as number;
  }
  if (!Number.isSafeInteger(product)) {
    throw new Error(`${op}: shape ${listStr(shape)} has ${product} elements, beyond 2^53 where sizes stop being exact`);
  }
}

/** NumPy broadcasting of any number of shapes, with an error naming the op and the clashing dim. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  if (shapes.length === 2 && sameShape(shapes[0]!, shapes[1]!)) return [...shapes[0]!];
  let rank = 0;
  for (const s of shapes) if (s.length > rank) rank = s.length;
  const out = new Array<number>(rank);
  for (let i = 1; i <= rank; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s.length - i >= 0 ? s[s.length - i]! : 1;
      if (d === 1) continue;
      if (size !== 1 && size !== d) {
        throw new Error(
          `${op}: shapes ${shapes.map(shapeStr).join(' and ')} cannot be broadcast together: ` +
            `at dim -${i} the sizes are ${size} and ${d} (each must be equal or 1)`,
        );
      }
      size = d;
    }
    out[rank - i] = size;
  }
  return out;
}

/** Maps a possibly negative dim into [0, rank), or throws naming the op. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new Error(`${op}: dim ${dim} is out of range for a tensor of rank ${rank} (expected an integer in [${-r}, ${r - 1}])`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalises a dim list (undefined = all dims), rejecting repeats. */
export function normalizeDims(op: string, dims: number | readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(op, d, rank));
  if (new Set(out).size !== out.length) throw new Error(`${op}: dim ${JSON.stringify(list)} contains a repeated dim`);
  return rank === 0 ? [] : out;
}

/** Resolves one -1 entry in a target shape, checking the element count matches (torch's messages). */
export function inferShape(op: string, from: Shape, target: readonly number[]): number[] {
  checkShape(op, target, 'once');
  const total = numel(from);
  const minus = target.indexOf(-1);
  const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (minus >= 0 && known === 0) {
    throw new Error(
      `${op}: cannot reshape tensor of ${total} elements into shape '${shapeStr(target)}' because the ` +
        `unspecified dimension size -1 can be any value and is ambiguous`,
    );
  }
  if (minus >= 0 ? total % known !== 0 : known !== total) {
    throw new Error(`${op}: shape '${shapeStr(target)}' is invalid for input of size ${total} (input shape ${shapeStr(from)})`);
  }
  return target.map((d) => (d === -1 ? total / known : d));
}
