/**
 * The spatial geometry words convolution and pooling task descriptors share (asm/task.ts): six
 * 3-D triples from word 6, 1-D and 2-D geometry padded with leading unit dims.
 */

/** A 1-D to 3-D triple padded to 3-D with leading `fill`s. */
export const to3d = (values: readonly number[], fill: number): number[] => [...new Array<number>(3 - values.length).fill(fill), ...values];

export interface SpatialGeometry {
  inSize: readonly number[];
  kernel: readonly number[];
  outSize: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
}

/** Writes the geometry words of the task whose first word is words[t]. */
export function writeGeometry(words: Int32Array, t: number, g: SpatialGeometry): void {
  words.set(to3d(g.inSize, 1), t + 6);
  words.set(to3d(g.kernel, 1), t + 9);
  words.set(to3d(g.outSize, 1), t + 12);
  words.set(to3d(g.stride, 1), t + 15);
  words.set(to3d(g.padding, 0), t + 18);
  words.set(to3d(g.dilation, 1), t + 21);
}
