/**
 * Reference kernels for the fused LSTM and GRU cells: the gate math of one time step, forward
 * and backward, in one pass over the batch rows (PyTorch's gate orders and formulas, computed in
 * double and stored in the operands' dtype). Every operand is a 2-D strided view [N, k * H].
 */
import type { GruCellResult, LstmCellResult, View } from '../types.js';
import { allocate, type TypedArray } from '../../tensor/dtype.js';
import { binaryKernel } from './elementwise.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * gates [N, 4H] (pre-activations i, f, g, o, plus hiddenGates when given), c [N, H] -> state
 * [2, N, H] (h', c') and, when asked, activations [N, 5H] (sigmoid(i), sigmoid(f), tanh(g),
 * sigmoid(o), tanh(c')).
 */
export function lstmCell(gates: View, hiddenGates: View | null, c: View, keepActivations: boolean): LstmCellResult {
  if (hiddenGates !== null) {
    const summed = binaryKernel('add', gates, hiddenGates, gates.dtype);
    return lstmCell({ data: summed, dtype: gates.dtype, shape: gates.shape, strides: [gates.shape[1]!, 1], offset: 0 }, null, c, keepActivations);
  }
  const rows = c.shape[0]!;
  const hidden = c.shape[1]!;
  const size = rows * hidden;
  const state = allocate(gates.dtype, 2 * size);
  const acts = keepActivations ? allocate(gates.dtype, 5 * size) : null;
  const gd = gates.data;
  const cd = c.data;
  const [gRow, gCol] = gates.strides as [number, number];
  const [cRow, cCol] = c.strides as [number, number];
  const gBlock = hidden * gCol;
  for (let r = 0; r < rows; r++) {
    const gBase = gates.offset + r * gRow;
    const cBase = c.offset + r * cRow;
    const out = r * hidden;
    const act = 5 * out;
    for (let j = 0; j < hidden; j++) {
      const p = gBase + j * gCol;
      const i = sigmoid(gd[p]!);
      const f = sigmoid(gd[p + gBlock]!);
      const g = Math.tanh(gd[p + 2 * gBlock]!);
      const o = sigmoid(gd[p + 3 * gBlock]!);
      const cNext = f * cd[cBase + j * cCol]! + i * g;
      const tanhC = Math.tanh(cNext);
      state[out + j] = o * tanhC;
      state[size + out + j] = cNext;
      if (acts !== null) {
        acts[act + j] = i;
        acts[act + hidden + j] = f;
        acts[act + 2 * hidden + j] = g;
        acts[act + 3 * hidden + j] = o;
        acts[act + 4 * hidden + j] = tanhC;
      }
    }
  }
  return { state, activations: acts };
}

/**
 * The LSTM cell's backward from the gradients of h' and c' ([N, H] each), the activations
 * lstmCell kept and c [N, H]: one array [N * 4H gate gradients, then N * H for c].
 */
export function lstmCellBackward(gradH: View, gradC: View, activations: View, c: View): TypedArray {
  const rows = c.shape[0]!;
  const hidden = c.shape[1]!;
  const size = rows * hidden;
  const out = allocate(c.dtype, 5 * size);
  const hd = gradH.data;
  const kd = gradC.data;
  const ad = activations.data;
  const cd = c.data;
  const [hRow, hCol] = gradH.strides as [number, number];
  const [kRow, kCol] = gradC.strides as [number, number];
  const [aRow, aCol] = activations.strides as [number, number];
  const [cRow, cCol] = c.strides as [number, number];
  const aBlock = hidden * aCol;
  for (let r = 0; r < rows; r++) {
    const hBase = gradH.offset + r * hRow;
    const kBase = gradC.offset + r * kRow;
    const aBase = activations.offset + r * aRow;
    const cBase = c.offset + r * cRow;
    const dGates = 4 * r * hidden;
    const dC = 4 * size + r * hidden;
    for (let j = 0; j < hidden; j++) {
      const a = aBase + j * aCol;
      const dh = hd[hBase + j * hCol]!;
      const i = ad[a]!;
      const f = ad[a + aBlock]!;
      const g = ad[a + 2 * aBlock]!;
      const o = ad[a + 3 * aBlock]!;
      const tanhC = ad[a + 4 * aBlock]!;
      const dCNext = kd[kBase + j * kCol]! + dh * o * (1 - tanhC * tanhC);
      out[dGates + j] = dCNext * g * i * (1 - i);
      out[dGates + hidden + j] = dCNext * cd[cBase + j * cCol]! * f * (1 - f);
      out[dGates + 2 * hidden + j] = dCNext * i * (1 - g * g);
      out[dGates + 3 * hidden + j] = dh * tanhC * o * (1 - o);
      out[dC + j] = dCNext * f;
    }
  }
  return out;
}

/**
 * gi, gh [N, 3H] (input and hidden projections, gates r, z, n), h [N, H] -> h' [N, H] and, when
 * asked, activations [N, 3H] (r, z, n).
 */
export function gruCell(gi: View, gh: View, h: View, keepActivations: boolean): GruCellResult {
  const rows = h.shape[0]!;
  const hidden = h.shape[1]!;
  const size = rows * hidden;
  const next = allocate(h.dtype, size);
  const acts = keepActivations ? allocate(h.dtype, 3 * size) : null;
  const id = gi.data;
  const hd = gh.data;
  const sd = h.data;
  const [iRow, iCol] = gi.strides as [number, number];
  const [hRow, hCol] = gh.strides as [number, number];
  const [sRow, sCol] = h.strides as [number, number];
  const iBlock = hidden * iCol;
  const hBlock = hidden * hCol;
  for (let r = 0; r < rows; r++) {
    const iBase = gi.offset + r * iRow;
    const hBase = gh.offset + r * hRow;
    const sBase = h.offset + r * sRow;
    const out = r * hidden;
    const act = 3 * out;
    for (let j = 0; j < hidden; j++) {
      const p = iBase + j * iCol;
      const q = hBase + j * hCol;
      const resetGate = sigmoid(id[p]! + hd[q]!);
      const updateGate = sigmoid(id[p + iBlock]! + hd[q + hBlock]!);
      const n = Math.tanh(id[p + 2 * iBlock]! + resetGate * hd[q + 2 * hBlock]!);
      next[out + j] = (sd[sBase + j * sCol]! - n) * updateGate + n;
      if (acts !== null) {
        acts[act + j] = resetGate;
        acts[act + hidden + j] = updateGate;
        acts[act + 2 * hidden + j] = n;
      }
    }
  }
  return { h: next, activations: acts };
}

/**
 * The GRU cell's backward from the gradient of h' [N, H], the activations gruCell kept, gh and h:
 * one array [N * 3H for gi, N * 3H for gh, N * H for h].
 */
export function gruCellBackward(grad: View, activations: View, gh: View, h: View): TypedArray {
  const rows = h.shape[0]!;
  const hidden = h.shape[1]!;
  const size = rows * hidden;
  const out = allocate(h.dtype, 7 * size);
  const dd = grad.data;
  const ad = activations.data;
  const hd = gh.data;
  const sd = h.data;
  const [dRow, dCol] = grad.strides as [number, number];
  const [aRow, aCol] = activations.strides as [number, number];
  const [hRow, hCol] = gh.strides as [number, number];
  const [sRow, sCol] = h.strides as [number, number];
  const aBlock = hidden * aCol;
  for (let r = 0; r < rows; r++) {
    const dBase = grad.offset + r * dRow;
    const aBase = activations.offset + r * aRow;
    const hBase = gh.offset + r * hRow + 2 * hidden * hCol;
    const sBase = h.offset + r * sRow;
    const dGi = 3 * r * hidden;
    const dGh = 3 * size + dGi;
    const dH = 6 * size + r * hidden;
    for (let j = 0; j < hidden; j++) {
      const a = aBase + j * aCol;
      const d = dd[dBase + j * dCol]!;
      const resetGate = ad[a]!;
      const updateGate = ad[a + aBlock]!;
      const n = ad[a + 2 * aBlock]!;
      const dNew = d * (1 - updateGate) * (1 - n * n);
      const dReset = dNew * hd[hBase + j * hCol]! * resetGate * (1 - resetGate);
      const dUpdate = d * (sd[sBase + j * sCol]! - n) * updateGate * (1 - updateGate);
      out[dGi + j] = dReset;
      out[dGi + hidden + j] = dUpdate;
      out[dGi + 2 * hidden + j] = dNew;
      out[dGh + j] = dReset;
      out[dGh + hidden + j] = dUpdate;
      out[dGh + 2 * hidden + j] = dNew * resetGate;
      out[dH + j] = d * updateGate;
    }
  }
  return out;
}
