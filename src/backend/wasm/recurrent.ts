/**
 * Fused LSTM and GRU cells on the wasm backend (float32, hidden size a multiple of 4): the gate
 * activations through asm/recurrent.ts's f32x4 code, about 20x faster than Math.exp and
 * Math.tanh per element, and the LSTM backward (plain arithmetic, still about 2x faster than the
 * JS loop with the copies in and out). The GRU backward stays on the reference.
 */
import type { Backend, GruCellResult, LstmCellResult, LstmSequenceGrads, LstmSequenceResult, LstmSequenceSaved, LstmSequenceWanted, View } from '../types.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { cpuBackend } from '../cpu/index.js';
import { stageDense, stageDenseAt, unstage } from './staging.js';
import { withFallback, type WasmRuntime } from './runtime.js';
import { PARALLEL_MIN_FLOPS, runGemm, type GemmSpec } from './gemm.js';
import { fillRows } from './matmul.js';

/** Floats of a K x N matrix packed whole for the gemm (asm/gemm.ts packWholeB): N in whole 8-column panels. */
const packedFloats = (k: number, n: number): number => k * Math.ceil(n / 8) * 8;

// The sequence tasks (asm/recurrent.ts lstmSequenceChunk): kinds and descriptor words.
const TASK_LSTM_SEQUENCE = 16;
const TASK_LSTM_SEQUENCE_BACKWARD = 17;
const SEQUENCE_TASK_WORDS = 12;

/**
 * Writes a sequence task (its last four words, the direction's own operands, follow) and packs
 * W_hh for it. Its chunks are blocks of batch rows, one per thread when the whole sequence's
 * products are worth sharing (as for one product: PARALLEL_MIN_FLOPS), else one.
 */
function runSequenceTask(
  runtime: WasmRuntime, kind: number, steps: number, batch: number, hidden: number, whh: number, cs: number, activations: number,
  operands: [number, number, number, number],
): void {
  const backward = kind === TASK_LSTM_SEQUENCE_BACKWARD;
  const packed = runtime.alloc(4 * (backward ? packedFloats(4 * hidden, hidden) : packedFloats(hidden, 4 * hidden)));
  const task = runtime.alloc(SEQUENCE_TASK_WORDS * 4);
  const parallel = runtime.threadCount > 1 && steps * 8 * batch * hidden * hidden >= PARALLEL_MIN_FLOPS;
  const chunkRows = Math.ceil(batch / (parallel ? runtime.threadCount : 1));
  runtime.i32.set([kind, steps, batch, hidden, chunkRows, packed, cs, activations, ...operands], task >>> 2);
  runtime.exports.lstmPackWeights(whh, hidden, packed, backward);
  runtime.run(task, Math.ceil(batch / chunkRows), parallel);
}

const handles = (hidden: number, ...views: View[]): boolean => hidden % 4 === 0 && views.every((v) => v.dtype === 'float32');

/** The [rows, cols] matrix at element `offset` of a contiguous array. */
const matrix = (data: Float32Array, offset: number, rows: number, cols: number): View => ({ data, dtype: 'float32', shape: [rows, cols], strides: [cols, 1], offset });

/** Step t of a [T, B, k] view, as a [B, k] view (fields copied: a view may be a tensor, whose fields are getters). */
const stepOf = (x: View, t: number): View => ({ data: x.data, dtype: x.dtype, shape: x.shape.slice(1), strides: x.strides.slice(1), offset: x.offset + t * x.strides[0]! });

/** The transpose of a 2-D view (no copy). */
const transposed = (v: View): View => ({ data: v.data, dtype: v.dtype, shape: [v.shape[1]!, v.shape[0]!], strides: [v.strides[1]!, v.strides[0]!], offset: v.offset });

/** x [T, B, I] as a dense [T * B, I] matrix. */
function rowsOfInput(x: View): View {
  const [steps, batch, inputs] = x.shape as [number, number, number];
  return matrix(cpuBackend.copy(x, 'float32') as Float32Array, 0, steps * batch, inputs);
}

/**
 * The sequence on the reference kernels, step by step (h W_hh^T, then the cell), for a sequence
 * too large for wasm memory: the LSTM has no reference sequence kernel to fall back to.
 */
function lstmSequenceSteps(
  x: View, weightIh: View, bias: View | null, weightHh: View, h0: View, c0: View, reverse: boolean, keepActivations: boolean,
): LstmSequenceResult {
  const [steps, batch] = x.shape as [number, number, number];
  const hidden = weightHh.shape[1]!;
  const size = batch * hidden;
  const xg = cpuBackend.matmul(rowsOfInput(x), transposed(weightIh), 'float32', bias ?? undefined) as Float32Array;
  const hs = new Float32Array((steps + 1) * size);
  const cs = new Float32Array((steps + 1) * size);
  hs.set(cpuBackend.copy(h0, 'float32') as Float32Array);
  cs.set(cpuBackend.copy(c0, 'float32') as Float32Array);
  const activations = keepActivations ? new Float32Array(steps * 5 * size) : null;
  for (let t = 0; t < steps; t++) {
    const hg = cpuBackend.matmul(matrix(hs, t * size, batch, hidden), transposed(weightHh), 'float32') as Float32Array;
    const gates = matrix(xg, (reverse ? steps - 1 - t : t) * 4 * size, batch, 4 * hidden);
    const cell = cpuBackend.lstmCell(gates, matrix(hg, 0, batch, 4 * hidden), matrix(cs, t * size, batch, hidden), keepActivations);
    hs.set(cell.state.subarray(0, size), (t + 1) * size);
    cs.set(cell.state.subarray(size), (t + 1) * size);
    activations?.set(cell.activations!, t * 5 * size);
  }
  return { hs, cs, activations };
}

/** The sequence's backward on the reference kernels, step by step (see lstmSequenceSteps). */
function lstmSequenceStepsBackward(gradHs: View, gradC: View, saved: LstmSequenceSaved, wanted: LstmSequenceWanted): LstmSequenceGrads {
  const [steps, batch, hidden] = gradHs.shape as [number, number, number];
  const { x, weightIh, weightHh, cs, activations, reverse } = saved;
  const size = batch * hidden;
  const rows = steps * batch;
  const gates = new Float32Array(steps * 4 * size);
  const state = new Float32Array(2 * size);
  state.set(cpuBackend.copy(gradC, 'float32') as Float32Array, size);
  const dh = matrix(state, 0, batch, hidden);
  const dc = matrix(state, size, batch, hidden);
  for (let t = steps - 1; t >= 0; t--) {
    state.set(cpuBackend.binary('add', dh, stepOf(gradHs, t), 'float32').subarray(0, size));
    const cell = cpuBackend.lstmCellBackward(dh, dc, stepOf(activations, t), stepOf(cs, t)) as Float32Array;
    // In time order, as x and the input projection are.
    gates.set(cell.subarray(0, 4 * size), (reverse ? steps - 1 - t : t) * 4 * size);
    state.set(cell.subarray(4 * size), size);
    state.set(cpuBackend.matmul(matrix(cell, 0, batch, 4 * hidden), weightHh, 'float32'));
  }
  const gateRows = matrix(gates, 0, rows, 4 * hidden);
  // W_hh's gradient sums over the steps in processing order: the gates in that order.
  const processed = reverse ? timeReversed(gates, steps, 4 * size) : gates;
  return {
    state,
    x: wanted.x ? cpuBackend.matmul(gateRows, weightIh, 'float32') : null,
    weightIh: wanted.weightIh ? cpuBackend.matmul(transposed(gateRows), rowsOfInput(x), 'float32') : null,
    bias: wanted.bias ? cpuBackend.reduce('sum', gateRows, [0], 'float32') : null,
    weightHh: wanted.weightHh
      ? cpuBackend.matmul(transposed(matrix(processed, 0, rows, 4 * hidden)), matrix(cpuBackend.copy(saved.hs, 'float32') as Float32Array, 0, rows, hidden), 'float32')
      : null,
  };
}

/** The [T, ...] array with its T blocks of `block` elements in reverse order. */
function timeReversed(data: Float32Array, steps: number, block: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let t = 0; t < steps; t++) out.set(data.subarray(t * block, (t + 1) * block), (steps - 1 - t) * block);
  return out;
}

export function makeRecurrent(runtime: WasmRuntime): Pick<Backend, 'lstmCell' | 'lstmCellBackward' | 'gruCell' | 'lstmSequence' | 'lstmSequenceBackward'> {
  const kernels: Required<Pick<Backend, 'lstmCell' | 'lstmCellBackward' | 'gruCell' | 'lstmSequence' | 'lstmSequenceBackward'>> = {
    lstmSequence(x, weightIh, bias, weightHh, h0, c0, reverse, keepActivations): LstmSequenceResult | null {
      const [steps, batch, inputs] = x.shape as [number, number, number];
      const hidden = weightHh.shape[1]!;
      // Empty products (no batch rows, no input features) are left to the step-by-step path.
      if (!handles(hidden, x, weightIh, weightHh, h0, c0, ...(bias === null ? [] : [bias])) || batch === 0 || inputs === 0) return null;
      const size = batch * hidden;
      const rows = steps * batch;
      runtime.beginCall('lstmSequence');
      const xPtr = stageDense(runtime, x);
      const wihPtr = stageDense(runtime, weightIh);
      const whhPtr = stageDense(runtime, weightHh);
      // The input projection x W_ih^T + bias for every step, as linear computes it, kept in wasm memory.
      const xg = runtime.alloc(rows * 4 * hidden * 4);
      if (bias !== null) fillRows(runtime, xg >>> 2, bias, 4 * hidden, rows);
      runGemm(runtime, {
        m: rows, n: 4 * hidden, k: inputs, a: xPtr, b: wihPtr, c: xg, rsA: inputs, csA: 1, rsB: 1, csB: inputs, ldc: 4 * hidden,
        offsets: [0, 0, 0], accumulate: bias !== null,
      });
      const hs = runtime.alloc((steps + 1) * size * 4);
      const cs = runtime.alloc((steps + 1) * size * 4);
      stageDenseAt(runtime, h0, hs);
      stageDenseAt(runtime, c0, cs);
      const acts = keepActivations ? runtime.alloc(steps * 5 * size * 4) : 0;
      const hg = runtime.alloc(4 * size * 4);
      runSequenceTask(runtime, TASK_LSTM_SEQUENCE, steps, batch, hidden, whhPtr, cs, acts, [xg, hs, hg, reverse ? 1 : 0]);
      return {
        hs: unstage(runtime, hs, (steps + 1) * size),
        cs: unstage(runtime, cs, (steps + 1) * size),
        activations: keepActivations ? unstage(runtime, acts, steps * 5 * size) : null,
      };
    },
    lstmSequenceBackward(gradHs, gradC, saved, wanted) {
      const [steps, batch, hidden] = gradHs.shape as [number, number, number];
      const inputs = saved.x.shape[2]!;
      const size = batch * hidden;
      const rows = steps * batch;
      runtime.beginCall('lstmSequenceBackward');
      const gradHsPtr = stageDense(runtime, gradHs);
      const whhPtr = stageDense(runtime, saved.weightHh);
      const csPtr = stageDense(runtime, saved.cs);
      const actsPtr = stageDense(runtime, saved.activations);
      const gradState = runtime.alloc(2 * size * 4);
      runtime.f32.fill(0, gradState >>> 2, (gradState >>> 2) + size);
      stageDenseAt(runtime, gradC, gradState + size * 4);
      const gradGates = runtime.alloc(steps * 4 * size * 4);
      runSequenceTask(runtime, TASK_LSTM_SEQUENCE_BACKWARD, steps, batch, hidden, whhPtr, csPtr, actsPtr, [gradHsPtr, gradState, gradGates, 0]);
      // The gate gradients stay in wasm memory for every product that reads them: W_hh's sums
      // over the steps in processing order, the input projection's (x, W_ih, bias) in time order.
      const product = (spec: Omit<GemmSpec, 'offsets' | 'c'>, length: number): TypedArray => {
        const c = runtime.alloc(length * 4);
        runGemm(runtime, { ...spec, c, offsets: [0, 0, 0] });
        return unstage(runtime, c, length);
      };
      const weightHh = wanted.weightHh
        ? product({ m: 4 * hidden, n: hidden, k: rows, a: gradGates, rsA: 1, csA: 4 * hidden, b: stageDense(runtime, saved.hs), rsB: hidden, csB: 1, ldc: hidden }, 4 * hidden * hidden)
        : null;
      let gates = gradGates;
      if (saved.reverse && (wanted.x || wanted.weightIh || wanted.bias)) {
        gates = runtime.alloc(steps * 4 * size * 4);
        const block = 4 * size;
        for (let t = 0; t < steps; t++) runtime.f32.copyWithin((gates >>> 2) + (steps - 1 - t) * block, (gradGates >>> 2) + t * block, (gradGates >>> 2) + (t + 1) * block);
      }
      const x = wanted.x
        ? product({ m: rows, n: inputs, k: 4 * hidden, a: gates, rsA: 4 * hidden, csA: 1, b: stageDense(runtime, saved.weightIh), rsB: inputs, csB: 1, ldc: inputs }, rows * inputs)
        : null;
      const weightIh = wanted.weightIh
        ? product({ m: 4 * hidden, n: inputs, k: rows, a: gates, rsA: 1, csA: 4 * hidden, b: stageDense(runtime, saved.x), rsB: inputs, csB: 1, ldc: inputs }, 4 * hidden * inputs)
        : null;
      let bias: TypedArray | null = null;
      if (wanted.bias) {
        // Summed over the rows in double, in their order, as the reference's sum (and the engine's bias gradient) does.
        const out = runtime.alloc(4 * hidden * 4);
        runtime.exports.sumRowsF32(gates, rows, 4 * hidden, out, runtime.alloc(4 * hidden * 8));
        bias = unstage(runtime, out, 4 * hidden);
      }
      return { state: unstage(runtime, gradState, 2 * size), x, weightIh, bias, weightHh };
    },
    lstmCell(gates, hiddenGates, c, keepActivations): LstmCellResult {
      const [rows, hidden] = c.shape as [number, number];
      if (!handles(hidden, gates, c, ...(hiddenGates === null ? [] : [hiddenGates]))) {
        return cpuBackend.lstmCell(gates, hiddenGates, c, keepActivations);
      }
      const size = rows * hidden;
      runtime.beginCall('lstmCell');
      const gatesPtr = stageDense(runtime, gates);
      const hiddenPtr = hiddenGates === null ? 0 : stageDense(runtime, hiddenGates);
      const cPtr = stageDense(runtime, c);
      const statePtr = runtime.alloc(2 * size * 4);
      const actsPtr = keepActivations ? runtime.alloc(5 * size * 4) : 0;
      runtime.exports.lstmCellF32(gatesPtr, hiddenPtr, cPtr, statePtr, statePtr + size * 4, actsPtr, rows, hidden);
      return { state: unstage(runtime, statePtr, 2 * size), activations: keepActivations ? unstage(runtime, actsPtr, 5 * size) : null };
    },
    lstmCellBackward(gradH, gradC, activations, c) {
      const [rows, hidden] = c.shape as [number, number];
      if (!handles(hidden, gradH, gradC, activations, c)) return cpuBackend.lstmCellBackward(gradH, gradC, activations, c);
      const size = rows * hidden;
      runtime.beginCall('lstmCellBackward');
      const gradHPtr = stageDense(runtime, gradH);
      const gradCPtr = stageDense(runtime, gradC);
      const actsPtr = stageDense(runtime, activations);
      const cPtr = stageDense(runtime, c);
      const outPtr = runtime.alloc(5 * size * 4);
      runtime.exports.lstmCellBackwardF32(gradHPtr, gradCPtr, actsPtr, cPtr, outPtr, rows, hidden);
      return unstage(runtime, outPtr, 5 * size);
    },
    gruCell(gi, gh, h, keepActivations): GruCellResult {
      const [rows, hidden] = h.shape as [number, number];
      if (!handles(hidden, gi, gh, h)) return cpuBackend.gruCell(gi, gh, h, keepActivations);
      const size = rows * hidden;
      runtime.beginCall('gruCell');
      const giPtr = stageDense(runtime, gi);
      const ghPtr = stageDense(runtime, gh);
      const hPtr = stageDense(runtime, h);
      const nextPtr = runtime.alloc(size * 4);
      const actsPtr = keepActivations ? runtime.alloc(3 * size * 4) : 0;
      runtime.exports.gruCellF32(giPtr, ghPtr, hPtr, nextPtr, actsPtr, rows, hidden);
      return { h: unstage(runtime, nextPtr, size), activations: keepActivations ? unstage(runtime, actsPtr, 3 * size) : null };
    },
  };
  return {
    ...kernels,
    lstmSequence: withFallback(kernels.lstmSequence, lstmSequenceSteps),
    lstmSequenceBackward: withFallback(kernels.lstmSequenceBackward, lstmSequenceStepsBackward),
  };
}
