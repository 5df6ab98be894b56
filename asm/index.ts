// Entry point of the WebAssembly kernels. Memory is imported (shared between threads when the
// host can); the host lays out every buffer itself, so nothing here allocates.

import { gemmChunk, packChunk, GEMM_SCRATCH_BYTES } from './gemm';
import { convChunk, depthwiseChunk, batchColumnsChunk, CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_GRAD } from './conv';
import { maxPoolChunk, avgPoolChunk } from './pool';
import { winogradChunk, winogradWeightGradChunk } from './winograd';
import { word2vecChunk } from './word2vec';
import { adamChunk } from './optim';
import { lstmSequenceChunk } from './recurrent';

// Task kinds understood by `runChunk` (word 0 of a task descriptor).
const TASK_GEMM = 1;
const TASK_CONV = 2;
const TASK_CONV_INPUT_GRAD = 3;
const TASK_MAX_POOL = 4;
const TASK_CONV_WEIGHT_GRAD = 5;
const TASK_PACK_B = 6;
const TASK_WINOGRAD = 7;
const TASK_WINOGRAD_WEIGHT_GRAD = 8;
const TASK_AVG_POOL = 9;
const TASK_AVG_POOL_BACKWARD = 10;
const TASK_WORD2VEC = 11;
const TASK_DEPTHWISE = 12;
const TASK_BATCH_IM2COL = 13;
const TASK_BATCH_COL2IM = 14;
const TASK_ADAM = 15;
const TASK_LSTM_SEQUENCE = 16;
const TASK_LSTM_SEQUENCE_BACKWARD = 17;

/** First byte the host may use. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of scratch each thread needs. */
export function scratchBytes(): i32 {
  return GEMM_SCRATCH_BYTES;
}

/** Runs chunk `chunk` of the task at `task` with this thread's scratch; shared by every thread. */
export function runChunk(task: usize, chunk: i32, scratch: usize): void {
  const kind = load<i32>(task);
  if (kind == TASK_GEMM) gemmChunk(task, chunk, scratch);
  else if (kind == TASK_CONV) convChunk(task, chunk, scratch, CONV_FORWARD);
  else if (kind == TASK_CONV_INPUT_GRAD) convChunk(task, chunk, scratch, CONV_INPUT_GRAD);
  else if (kind == TASK_CONV_WEIGHT_GRAD) convChunk(task, chunk, scratch, CONV_WEIGHT_GRAD);
  else if (kind == TASK_MAX_POOL) maxPoolChunk(task, chunk);
  else if (kind == TASK_PACK_B) packChunk(task, chunk);
  else if (kind == TASK_WINOGRAD) winogradChunk(task, chunk, scratch);
  else if (kind == TASK_WINOGRAD_WEIGHT_GRAD) winogradWeightGradChunk(task, chunk, scratch);
  else if (kind == TASK_AVG_POOL) avgPoolChunk(task, chunk, false);
  else if (kind == TASK_AVG_POOL_BACKWARD) avgPoolChunk(task, chunk, true);
  else if (kind == TASK_WORD2VEC) word2vecChunk(task, chunk, scratch);
  else if (kind == TASK_DEPTHWISE) depthwiseChunk(task, chunk, scratch);
  else if (kind == TASK_BATCH_IM2COL) batchColumnsChunk(task, chunk, true);
  else if (kind == TASK_BATCH_COL2IM) batchColumnsChunk(task, chunk, false);
  else if (kind == TASK_ADAM) adamChunk(task, chunk);
  else if (kind == TASK_LSTM_SEQUENCE) lstmSequenceChunk(task, chunk, scratch, false);
  else if (kind == TASK_LSTM_SEQUENCE_BACKWARD) lstmSequenceChunk(task, chunk, scratch, true);
  else unreachable();
}

/** Winograd's filter transform and the weight gradient back from it, called directly. */
export { winogradFiltersF32, winogradFilterGradientsF32 } from './winograd';

/** Packs a product's A once for many calls (Winograd's transformed filters). */
export { packWholeA } from './gemm';

/** Fused optimizer updates, called directly (memory-bound: no threads). */
export { adamStepF32, sgdStepF32 } from './optim';

/** Float32 activations on contiguous arrays, called directly. */
export { unaryF32, clampF32, binaryF32, transposeF32, sumAllF32, sumRowsF32, sumBlocksF32, softmaxRowsF32, allWithinF32 } from './elementwise';

/** Fused LSTM and GRU cell gate math on contiguous arrays, called directly. */
export { lstmCellF32, lstmCellBackwardF32, gruCellF32, lstmPackWeights } from './recurrent';

/** Max pooling's backward (a scatter of gradients to their argmax), called directly. */
export { maxPoolBackwardF32 } from './pool';

/** A convolution's weights cut to some of their taps (or their gradient put back), and its batched products' rows regrouped, called directly. */
export { copyTapsF32, regroupF32 } from './conv';
