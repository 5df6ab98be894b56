/**
 * Fused LSTM and GRU cells on the wasm backend (float32, hidden size a multiple of 4): the gate
 * activations through asm/recurrent.ts's f32x4 code, about 20x faster than Math.exp and
 * Math.tanh per element, and the LSTM backward (plain arithmetic, still about 2x faster than the
 * JS loop with the copies in and out). The GRU backward stays on the reference.
 */
import type { Backend, GruCellResult, LstmCellResult, LstmSequenceGrads, LstmSequenceResult, View } from '../types.js';
import { cpuBackend } from '../cpu/index.js';
import { stageDense, stageDenseAt, unstage } from './staging.js';
import { withFallback, type WasmRuntime } from './runtime.js';
import { PARALLEL_MIN_FLOPS } from './gemm.js';

/** Floats of a K x N matrix packed whole for the gemm (asm/gemm.ts packWholeB): N in whole 8-column panels. */
const packedFloats = (k: number, n: number): number => k * Math.ceil(n / 8) * 8;

// The sequence tasks (asm/recurrent.ts lstmSequenceChunk): kinds and descriptor words.
const TASK_LSTM_SEQUENCE = 16;
const TASK_LSTM_SEQUENCE_BACKWARD = 17;
const SEQUENCE_TASK_WORDS = 11;

/**
 * Writes a sequence task (its last three words, the direction's own operands, follow) and packs
 * W_hh for it. Its chunks are blocks of batch rows, one per thread when the whole sequence's
 * products are worth sharing (as for one product: PARALLEL_MIN_FLOPS), else one.
 */
function runSequenceTask(
  runtime: WasmRuntime, kind: number, steps: number, batch: number, hidden: number, whh: number, cs: number, activations: number,
  operands: [number, number, number],
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

/**
 * lstmSequenceF32 on the reference kernels, step by step (h W_hh^T, then the cell), for a
 * sequence too large for wasm memory: the LSTM has no reference sequence kernel to fall back to.
 */
function lstmSequenceSteps(xg: View, weightHh: View, h0: View, c0: View, keepActivations: boolean): LstmSequenceResult {
  const [steps, batch] = xg.shape as [number, number, number];
  const hidden = weightHh.shape[1]!;
  const size = batch * hidden;
  const hs = new Float32Array((steps + 1) * size);
  const cs = new Float32Array((steps + 1) * size);
  hs.set(cpuBackend.copy(h0, 'float32') as Float32Array);
  cs.set(cpuBackend.copy(c0, 'float32') as Float32Array);
  const activations = keepActivations ? new Float32Array(steps * 5 * size) : null;
  const weightT: View = { data: weightHh.data, dtype: weightHh.dtype, shape: [hidden, 4 * hidden], strides: [weightHh.strides[1]!, weightHh.strides[0]!], offset: weightHh.offset };
  for (let t = 0; t < steps; t++) {
    const hg = cpuBackend.matmul(matrix(hs, t * size, batch, hidden), weightT, 'float32') as Float32Array;
    const cell = cpuBackend.lstmCell(stepOf(xg, t), matrix(hg, 0, batch, 4 * hidden), matrix(cs, t * size, batch, hidden), keepActivations);
    hs.set(cell.state.subarray(0, size), (t + 1) * size);
    cs.set(cell.state.subarray(size), (t + 1) * size);
    activations?.set(cell.activations!, t * 5 * size);
  }
  return { hs, cs, activations };
}

/** lstmSequenceBackwardF32 on the reference kernels, step by step (see lstmSequenceSteps). */
function lstmSequenceStepsBackward(gradHs: View, gradC: View, weightHh: View, cs: View, activations: View): LstmSequenceGrads {
  const [steps, batch, hidden] = gradHs.shape as [number, number, number];
  const size = batch * hidden;
  const gates = new Float32Array(steps * 4 * size);
  const state = new Float32Array(2 * size);
  state.set(cpuBackend.copy(gradC, 'float32') as Float32Array, size);
  const dh = matrix(state, 0, batch, hidden);
  const dc = matrix(state, size, batch, hidden);
  for (let t = steps - 1; t >= 0; t--) {
    state.set(cpuBackend.binary('add', dh, stepOf(gradHs, t), 'float32').subarray(0, size));
    const cell = cpuBackend.lstmCellBackward(dh, dc, stepOf(activations, t), stepOf(cs, t)) as Float32Array;
    gates.set(cell.subarray(0, 4 * size), t * 4 * size);
    state.set(cell.subarray(4 * size), size);
    state.set(cpuBackend.matmul(matrix(gates, t * 4 * size, batch, 4 * hidden), weightHh, 'float32'));
  }
  return { gates, state };
}

export function makeRecurrent(runtime: WasmRuntime): Pick<Backend, 'lstmCell' | 'lstmCellBackward' | 'gruCell' | 'lstmSequence' | 'lstmSequenceBackward'> {
  const kernels: Required<Pick<Backend, 'lstmCell' | 'lstmCellBackward' | 'gruCell' | 'lstmSequence' | 'lstmSequenceBackward'>> = {
    lstmSequence(xg, weightHh, h0, c0, keepActivations): LstmSequenceResult | null {
      const [steps, batch] = xg.shape as [number, number, number];
      const hidden = weightHh.shape[1]!;
      if (!handles(hidden, xg, weightHh, h0, c0)) return null;
      const size = batch * hidden;
      runtime.beginCall('lstmSequence');
      const xgPtr = stageDense(runtime, xg);
      const whhPtr = stageDense(runtime, weightHh);
      const hs = runtime.alloc((steps + 1) * size * 4);
      const cs = runtime.alloc((steps + 1) * size * 4);
      stageDenseAt(runtime, h0, hs);
      stageDenseAt(runtime, c0, cs);
      const acts = keepActivations ? runtime.alloc(steps * 5 * size * 4) : 0;
      const hg = runtime.alloc(4 * size * 4);
      runSequenceTask(runtime, TASK_LSTM_SEQUENCE, steps, batch, hidden, whhPtr, cs, acts, [xgPtr, hs, hg]);
      return {
        hs: unstage(runtime, hs, (steps + 1) * size),
        cs: unstage(runtime, cs, (steps + 1) * size),
        activations: keepActivations ? unstage(runtime, acts, steps * 5 * size) : null,
      };
    },
    lstmSequenceBackward(gradHs, gradC, weightHh, cs, activations) {
      const [steps, batch, hidden] = gradHs.shape as [number, number, number];
      const size = batch * hidden;
      runtime.beginCall('lstmSequenceBackward');
      const gradHsPtr = stageDense(runtime, gradHs);
      const whhPtr = stageDense(runtime, weightHh);
      const csPtr = stageDense(runtime, cs);
      const actsPtr = stageDense(runtime, activations);
      const gradState = runtime.alloc(2 * size * 4);
      runtime.f32.fill(0, gradState >>> 2, (gradState >>> 2) + size);
      stageDenseAt(runtime, gradC, gradState + size * 4);
      const gradGates = runtime.alloc(steps * 4 * size * 4);
      runSequenceTask(runtime, TASK_LSTM_SEQUENCE_BACKWARD, steps, batch, hidden, whhPtr, csPtr, actsPtr, [gradHsPtr, gradState, gradGates]);
      return { gates: unstage(runtime, gradGates, steps * 4 * size), state: unstage(runtime, gradState, 2 * size) };
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
