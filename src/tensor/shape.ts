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

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws the op's error unless every entry is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${shapeStr(shape)}: every size must be a non-negative integer`);
    }
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

/** Resolves one -1 entry in a target shape, checking the element count matches. */
export function inferShape(op: string, from: Shape, target: readonly number[]): number[] {
  const total = numel(from);
  const minus = target.filter((d) => d === -1).length;
  if (minus > 1) throw new Error(`${op}: only one dimension can be -1, got ${shapeStr(target)}`);
  for (const d of target) {
    if (!Number.isInteger(d) || d < -1) throw new Error(`${op}: invalid size ${d} in shape ${shapeStr(target)}`);
  }
  const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = target.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (!Number.isInteger(numel(out)) || numel(out) !== total || (minus === 1 && known === 0)) {
    throw new Error(
      `${op}: shape ${shapeStr(target)} is invalid for input of shape ${shapeStr(from)} (${total} elements)`,
    );
  }
  return out;
}
