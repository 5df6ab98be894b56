/**
 * The Backend interface: the primitive kernels every op is built from, plus the optional fused
 * kernels (FusedKernels) a backend may add. Kernels read strided
 * views (shape, strides, offset over a typed array) and return new contiguous arrays, except
 * `assign`, which writes into a view. A kernel never computes gradients: backward formulas are
 * written with tensor ops on top of these same kernels.
 */
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';

/** A strided window onto a typed array: what a kernel receives for each operand. */
export interface View {
  readonly data: TypedArray;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly strides: Shape;
  readonly offset: number;
}

export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'rsqrt' | 'square'
  | 'reciprocal' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'erf' | 'floor' | 'ceil' | 'round'
  | 'trunc' | 'isNan' | 'isFinite' | 'logicalNot' | keyof UnaryParams;

/** The parameters of the unary ops that take some (the others take none). */
export interface UnaryParams {
  leakyRelu: { readonly negativeSlope: number };
  /** scale * (x > 0 ? x : alpha * (exp(x) - 1)); selu is elu with its constants. */
  elu: { readonly alpha: number; readonly scale: number };
  /** log(1 + exp(beta x)) / beta, and x where beta x > threshold. */
  softplus: { readonly beta: number; readonly threshold: number };
  gelu: { readonly approximate: 'none' | 'tanh' };
  /** null: no bound on that side. */
  clamp: { readonly min: number | null; readonly max: number | null };
}

/** What `unary` takes as params for op: its record, or undefined for ops without parameters. */
export type UnaryParamsOf<Op extends UnaryOp> = Op extends keyof UnaryParams ? UnaryParams[Op] : undefined;

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'remainder' | 'floorDivide'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor'
  /** relu's gradient in one pass: a * (b > 0), with a the incoming gradient and b relu's output. */
  | 'reluBackward';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'any' | 'all';

export type RandomSpec =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'normal'; mean: number; std: number }
  /** integers in [low, high) */
  | { kind: 'randint'; low: number; high: number };

/** A source of uniformly distributed random bits; see tensor/random.ts. */
export interface RandomSource {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number;
  /** Optional bulk form: out[start..end) = what nextDouble() would return, in order. */
  fillDoubles?(out: Float64Array, start?: number, end?: number): void;
}

// ---- Convolution and pooling (issue 3; reference kernels in cpu/conv.ts) ---------------------
// Operands are [N, C, ...spatial] with 1 to 3 spatial dims. Geometry arrays have one entry per
// spatial dim. Kernels compute in the operands' float dtype and return contiguous arrays.

/** How a convolution's windows sit on its input. */
export interface ConvGeometry {
  readonly stride: readonly number[];
  /** Zero padding before each spatial dim (the padding after is implied by the output size). */
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  /** Input and output channels split into this many independent groups. */
  readonly groups: number;
}

/** Bounds of a clamp folded into a kernel's output (ReLU: [0, Infinity]; ReLU6: [0, 6]). */
export interface ClampBounds {
  readonly min: number;
  readonly max: number;
}

/** One convolution of a chain (Backend.convChain): its weights, bias, geometry, output size and folded activation. */
export interface ConvChainStep {
  readonly w: View;
  readonly bias?: View;
  readonly geometry: ConvGeometry;
  readonly outSize: readonly number[];
  readonly clamp?: ClampBounds;
}

/** How pooling windows sit on their input; outSize is explicit because ceilMode changes it. */
export interface PoolGeometry {
  readonly kernel: readonly number[];
  readonly stride: readonly number[];
  /** Implicit padding before each spatial dim (-Infinity for max pooling, zeros for average). */
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly outSize: readonly number[];
}

export interface AvgPoolGeometry extends Omit<PoolGeometry, 'dilation'> {
  /** Count padded positions (up to the input plus its padding) in the divisor. */
  readonly countIncludePad: boolean;
  /** Divide every window by this instead, when not null. */
  readonly divisorOverride: number | null;
}

/** Pooled values and, per output, the flat index into the input's spatial plane it came from. */
export interface PoolWithIndices {
  readonly values: TypedArray;
  readonly indices: Int32Array;
}

/** Normalized values (x's shape, contiguous) and the statistics they used, one per position of the kept dims. */
export interface NormalizeResult {
  readonly values: TypedArray;
  readonly mean: Float64Array;
  /** The biased variance (divided by the count). */
  readonly variance: Float64Array;
}

/**
 * normalize's optional affine part, y = xhat weight + bias. `along` says what the parameters
 * index, in row-major order: 'kept', one value per position of the kept dims (batch norm's
 * per-channel weight), or 'normalized', one per position of the normalized dims (layer norm's
 * weight of the normalized shape).
 */
export interface NormalizeAffine {
  readonly weight: View | null;
  readonly bias: View | null;
  readonly along: 'kept' | 'normalized';
}

export const NO_AFFINE: NormalizeAffine = { weight: null, bias: null, along: 'kept' };

/** x's gradient (grad's dtype, contiguous) and, in double per affine position, the weight's and the bias's. */
export interface NormalizeBackwardResult {
  readonly grad: TypedArray;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;
}

/**
 * The primitive kernels: every backend has each of them (the reference, cpu/, defines what they
 * compute; a fast backend overrides the ones it speeds up and the registry fills in the rest).
 */
export interface Primitives {
  /** Elementwise f(x) with the given output dtype; params: the op's record in UnaryParams. */
  unary<Op extends UnaryOp>(op: Op, x: View, outDtype: DType, params?: UnaryParamsOf<Op>): TypedArray;
  /** Elementwise f(a, b); a and b have the output's shape already (broadcast dims have stride 0). */
  binary(op: BinaryOp, a: View, b: View, outDtype: DType): TypedArray;
  /** cond ? a : b, all three with the output's shape. */
  where(cond: View, a: View, b: View, outDtype: DType): TypedArray;
  /** Reduces over `axes`; the result has x's shape with those axes removed. */
  reduce(op: ReduceOp, x: View, axes: readonly number[], outDtype: DType): TypedArray;
  /** Index (int32) of the first max or min along `axis` (NaN counts as the extreme); that axis removed. */
  argReduce(op: 'argmax' | 'argmin', x: View, axis: number): Int32Array;
  /**
   * Softmax along `axis` in x's shape and float dtype: exp(x - max) / sum, or with `log`
   * (x - max) - log(sum) (torch's formulas); a NaN or an infinite max makes its row NaN.
   */
  softmax(x: View, axis: number, log: boolean): TypedArray;
  /**
   * Softmax's gradient from its output y and the incoming gradient g (same shape and float
   * dtype): y (g - sum(g y)) along `axis`, as the composed ops round it (each product rounded to
   * the dtype, the products summed in double in index order, the sum, the difference and the
   * result rounded to the dtype); contiguous result.
   */
  softmaxBackward(grad: View, y: View, axis: number): TypedArray;
  /**
   * (x - mean) / sqrt(variance + eps) over `axes` (mean and biased variance over those axes, per
   * position of the other dims): batch, layer, group and instance normalization before the affine.
   */
  normalize(x: View, axes: readonly number[], eps: number, affine?: NormalizeAffine): NormalizeResult;
  /**
   * normalize's gradient, from the incoming gradient g, x and the statistics forward used (views
   * of one value per group, e.g. float64): with xhat = (x - mean) invStd and gw = g weight,
   * dx = invStd (gw - mean(gw) - xhat mean(gw xhat)), and the weight's and bias's gradients
   * (sums of g xhat and of g per affine position, `along` as in NormalizeAffine).
   */
  normalizeBackward(
    grad: View, x: View, mean: View, invStd: View, axes: readonly number[], weight: View | null, along: NormalizeAffine['along'],
  ): NormalizeBackwardResult;
  /** Inclusive prefix sum or product along `axis`. */
  scan(op: 'cumsum' | 'cumprod', x: View, axis: number, outDtype: DType): TypedArray;
  /**
   * [...batch, M, K] @ [...batch, K, N] -> contiguous [...batch, M, N]; batch dims already equal.
   * A bias [N] (of outDtype) is added to every row of the result (linear's).
   */
  matmul(a: View, b: View, outDtype: DType, bias?: View): TypedArray;
  /** A contiguous copy of x, converted to outDtype. */
  copy(x: View, outDtype: DType): TypedArray;
  /** Writes src (already of dst's shape) into the strided view dst, converting to dst's dtype. */
  assign(dst: View, src: View): void;
  /** out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (torch.gather); out has index's shape. */
  gather(x: View, axis: number, index: View): TypedArray;
  /** A copy of x with src scattered at index along axis (torch.scatter / scatter_add). */
  scatter(x: View, axis: number, index: View, src: View, mode: 'assign' | 'add'): TypedArray;
  /** Indices (int32, x's shape) that sort x along axis; stable; NaN sorts as the largest value. */
  argsort(x: View, axis: number, descending: boolean): Int32Array;
  /** Fills a new array of n elements from a distribution. */
  random(spec: RandomSpec, n: number, dtype: DType, rng: RandomSource): TypedArray;

  // ---- Convolution and pooling (issue 3) ----
  /**
   * out[n, o, ...] = sum over the o's group's input channels and kernel taps; w is [O, C / groups,
   * ...k]. A bias [O] (of x's dtype) starts each output channel's sums. `clamp`: the result then
   * clamped to [min, max] as the unary 'clamp' would (an activation folded in for inference).
   */
  conv(x: View, w: View, geometry: ConvGeometry, outSize: readonly number[], bias?: View, clamp?: ClampBounds): TypedArray;
  /**
   * conv applied step after step (each step's input is the previous step's output, of x's dtype),
   * returning the last output only: a backend keeps the intermediate results in its own memory
   * (inference through consecutive convolutions, ops/conv.ts convChainNd).
   */
  convChain(x: View, steps: readonly ConvChainStep[]): TypedArray;
  /** Gradient of conv with respect to x, of shape [N, C, ...inSize] (also transposed convolution). */
  convInputGrad(gradOut: View, w: View, geometry: ConvGeometry, inSize: readonly number[]): TypedArray;
  /** Gradient of conv with respect to w, of shape [O, C / groups, ...kernelSize], summed over the batch. */
  convWeightGrad(x: View, gradOut: View, geometry: ConvGeometry, kernelSize: readonly number[]): TypedArray;
  /** Max over each window (NaN wins), with the argmax as a flat index into the input plane. */
  maxPool(x: View, geometry: PoolGeometry): PoolWithIndices;
  /** Adaptive max pooling (torch's windows: floor(i * I / O) to ceil((i + 1) * I / O)). */
  adaptiveMaxPool(x: View, outSize: readonly number[]): PoolWithIndices;
  /** Scatters gradOut [N, C, ...out] into zeros [N, C, ...inSize] at the flat plane indices (summing repeats). */
  maxPoolBackward(gradOut: View, indices: View, inSize: readonly number[]): TypedArray;
  avgPool(x: View, geometry: AvgPoolGeometry): TypedArray;
  /** Gradient of avgPool with respect to its input, of shape [N, C, ...inSize]. */
  avgPoolBackward(gradOut: View, geometry: AvgPoolGeometry, inSize: readonly number[]): TypedArray;
  // ---- end of convolution and pooling ----

  // ---- Recurrent cells (issue 5; reference kernels in cpu/recurrent.ts) ----
  // One time step's gate math in one pass, PyTorch's gate orders (LSTM i, f, g, o; GRU r, z, n).
  // Operands are 2-D views [N, k * H] of one float dtype; results are contiguous in that dtype.
  /**
   * gates [N, 4H] pre-activations (plus hiddenGates, when given: x and h products summed in the
   * pass), c [N, H] -> state [2, N, H] (h' then c'), activations [N, 5H] (i, f, g, o, tanh(c')) if kept.
   */
  lstmCell(gates: View, hiddenGates: View | null, c: View, keepActivations: boolean): LstmCellResult;
  /** From the gradients of h' and c' ([N, H] each): [N * 4H gate gradients, then N * H for c]. */
  lstmCellBackward(gradH: View, gradC: View, activations: View, c: View): TypedArray;
  /** gi, gh [N, 3H] (x W_ih^T + b_ih, h W_hh^T + b_hh), h [N, H] -> h' [N, H], activations [N, 3H] (r, z, n) if kept. */
  gruCell(gi: View, gh: View, h: View, keepActivations: boolean): GruCellResult;
  /** From the gradient of h' [N, H]: [N * 3H for gi, N * 3H for gh, N * H for h]. */
  gruCellBackward(grad: View, activations: View, gh: View, h: View): TypedArray;
  // ---- end of recurrent cells ----

  // ---- Linear algebra (issue 10; reference kernels in cpu/linalg.ts) ----
  // Operands are [...batch, M, N] float views; kernels compute in float64 and return contiguous
  // arrays in the operand's dtype. Decompositions of bad input throw KernelError.
  /** LU with partial pivoting of square matrices (LAPACK getrf's pivots, 1-based; info = first zero pivot or 0). */
  luFactor(a: View): LuResult;
  /** X from A's luFactor: lu [...batch, n, n], pivots int32 [...batch, n], b [...batch, n, k] with the same batch. */
  luSolve(lu: View, pivots: View, b: View): TypedArray;
  /** Lower Cholesky factors [...batch, n, n] read from the lower triangles (throws for non-positive-definite input). */
  cholesky(a: View): TypedArray;
  /** Householder QR (LAPACK's reflector signs): Q [...batch, m, k | m] (empty for 'r'), R [...batch, k | m, n]. */
  qr(a: View, mode: QrMode): QrResult;
  /** Eigenvalues ascending [...batch, n] and eigenvectors as columns [...batch, n, n] of the symmetric matrices read from one triangle. */
  eigh(a: View, lower: boolean): EighResult;
  /** U, S (descending), Vh: reduced (k = min(m, n) vectors), full (m and n) or none (S only). */
  svd(a: View, mode: SvdMode): SvdResult;
  // ---- end of linear algebra ----
}

/**
 * Whole-algorithm kernels a backend may add on top of its primitives: each replaces a computation
 * that the library also writes with primitives (an optimizer's update rule, a recurrent layer's
 * loop over time steps), so a backend without them loses speed, not function. Callers probe with
 * `fused(name)` (backend/registry.ts) and take the composed path when it is absent or declines
 * (returns false or null). The optimizer steps give the composed update's values bit for bit;
 * the others agree with their composed paths as docs/backend.md's table says.
 */
export interface FusedKernels {
  /**
   * One Adam/AdamW step in place, bit-identical to optim/adam.ts's update rule: writes the new
   * parameter and state into param and the state tensors. Returns false, having written nothing,
   * where it cannot (a dtype it lacks, non-contiguous operands, operands sharing memory). The
   * backend decides where the written tensors live (it may move their storages into memory its
   * kernels update in place); the caller only bumps their versions after a true.
   */
  adamStep(param: InPlaceView, grad: View, state: AdamStepState, options: AdamStepOptions): boolean;
  /**
   * One SGD step in place, bit-identical to optim/sgd.ts's update rule: writes the new parameter
   * and (with momentum) the momentum buffer. `options.first`: the buffer is set to this step's
   * gradient rather than updated. Returns false, having written nothing, where it cannot.
   */
  sgdStep(param: InPlaceView, grad: View, buffer: InPlaceView | null, options: SgdStepOptions): boolean;
  /**
   * Every step of one LSTM layer direction, its input projection included: x [T, B, I] (in time
   * order; `reverse` runs the steps from the last), W_ih [4H, I], bias [4H] (b_ih + b_hh) or
   * null, W_hh [4H, H], h0 and c0 [B, H]; null where the backend cannot (the caller then projects
   * x and loops over lstmCell).
   */
  lstmSequence(
    x: View, weightIh: View, bias: View | null, weightHh: View, h0: View, c0: View, reverse: boolean, keepActivations: boolean,
  ): LstmSequenceResult | null;
  /**
   * Its backward from the gradients of every h [T, B, H] (processing order) and of the last c
   * [B, H], with what the forward kept: the gradients of h0 and c0, and those `wanted` of x,
   * W_ih, the bias and W_hh.
   */
  lstmSequenceBackward(
    gradHs: View, gradC: View, saved: LstmSequenceSaved, wanted: LstmSequenceWanted,
  ): LstmSequenceGrads;
  /**
   * word2vec training (text/word2vec.ts): trains every chunk of sentences of the task, threads
   * sharing the vectors without locks (Hogwild), and updates syn0, syn1 and syn1neg in place.
   * Returns each chunk's effective (kept after subsampling) word count, or null where it cannot
   * run this task (the caller runs text/word2vec-kernel.ts's reference loop).
   */
  word2vecTrain(task: Word2VecTask): Int32Array | null;
  /**
   * Operands kernels will read many times (a model's parameters and buffers after
   * nn.utils.fuseForInference): the backend may move their storages into its own memory, where
   * its kernels read them in place instead of copying them in on every call. Values are unchanged.
   */
  keepResident(views: readonly InPlaceView[]): void;
}

/** word2vec's model arrays and tables (text/word2vec.ts builds them; gensim's names). */
export interface Word2VecArrays {
  vectorSize: number;
  sg: boolean;
  hs: boolean;
  negative: number;
  cbowMean: boolean;
  window: number;
  shrinkWindows: boolean;
  /** Input vectors [V, vectorSize]. */
  syn0: Float32Array;
  /** Hierarchical-softmax output vectors [V - 1, vectorSize] (empty without hs). */
  syn1: Float32Array;
  /** Negative-sampling output vectors [V, vectorSize] (empty without negative). */
  syn1neg: Float32Array;
  /** Cumulative unigram^nsExponent table (gensim's cum_table, domain 2^31 - 1). */
  cumTable: Uint32Array;
  /** A word w is dropped when sampleInt[w] < a uniform random uint32 (gensim's sample_int, capped at 2^32 - 1). */
  sampleInt: Uint32Array;
  /** Huffman codes and inner-node points, flattened: word w's are at codeOffset[w] .. codeOffset[w + 1]. */
  codes: Uint8Array;
  points: Int32Array;
  codeOffset: Int32Array;
  /** sigmoid at 1000 points over [-6, 6) (word2vec.c's expTable). */
  sigmoid: Float32Array;
}

/** One training run: the corpus, and the chunks of sentences (each with its learning rate and seed). */
export interface Word2VecTask extends Word2VecArrays {
  /** The corpus as vocabulary indices. */
  corpus: Int32Array;
  /** Sentence s is corpus[sentenceStart[s] .. sentenceStart[s + 1]]. */
  sentenceStart: Int32Array;
  /** The longest sentence (words). */
  maxSentence: number;
  /** Chunk c trains sentences chunkFrom[c] .. chunkTo[c] at learning rate chunkAlpha[c] with random seed chunkSeed[c]. */
  chunkFrom: Int32Array;
  chunkTo: Int32Array;
  chunkAlpha: Float32Array;
  chunkSeed: Uint32Array;
}

/** A backend: its primitives, the fused kernels it chooses to implement, and memory functions. */
export interface Backend extends Primitives, Partial<FusedKernels> {
  readonly name: string;
  /**
   * A zeroed array in the memory this backend's kernels work on in place, or null where it has
   * none for this dtype. The backend's own fused kernels place long-lived state there; library
   * code outside the backend does not call it (it is listed for inspection and tests).
   */
  residentZeros?(dtype: DType, count: number): TypedArray | null;
  /**
   * Takes back an array no tensor can reach any more (the autograd engine's dead intermediate
   * gradients), to hold later results; absent where the backend has no use for it.
   */
  recycle?(data: TypedArray): void;
}

/**
 * An operand a fused kernel writes in place (a Tensor is one): its view, and the storage behind
 * it, which the backend may move with `relocate` (every tensor sharing the storage follows).
 */
export interface InPlaceView extends View {
  readonly storage: { readonly data: TypedArray; relocate(next: TypedArray): void };
}

export interface LstmSequenceResult {
  /** [T + 1, B, H]: h before the first step and after each. */
  readonly hs: TypedArray;
  /** [T + 1, B, H]: c likewise. */
  readonly cs: TypedArray;
  /** [T, B, 5H], what the backward reads, when kept. */
  readonly activations: TypedArray | null;
}

/** What lstmSequenceBackward reads: the forward's operands and what it kept. */
export interface LstmSequenceSaved {
  readonly x: View;
  readonly weightIh: View;
  readonly weightHh: View;
  /** [T + 1, B, H] each, in processing order. */
  readonly hs: View;
  readonly cs: View;
  /** [T, B, 5H]. */
  readonly activations: View;
  readonly reverse: boolean;
}

/** Which of the sequence's operand gradients to compute (h0's and c0's always are). */
export interface LstmSequenceWanted {
  readonly x: boolean;
  readonly weightIh: boolean;
  readonly bias: boolean;
  readonly weightHh: boolean;
}

export interface LstmSequenceGrads {
  /** [2, B, H], the gradients of h0 and c0. */
  readonly state: TypedArray;
  /** [T, B, I], [4H, I], [4H], [4H, H] where wanted, else null. */
  readonly x: TypedArray | null;
  readonly weightIh: TypedArray | null;
  readonly bias: TypedArray | null;
  readonly weightHh: TypedArray | null;
}

export interface LstmCellResult {
  readonly state: TypedArray;
  readonly activations: TypedArray | null;
}

export interface GruCellResult {
  readonly h: TypedArray;
  readonly activations: TypedArray | null;
}

/** Adam's state tensors for one parameter (all of the parameter's shape and dtype). */
export interface AdamStepState {
  readonly expAvg: InPlaceView;
  readonly expAvgSq: InPlaceView;
  /** Only with amsgrad. */
  readonly maxExpAvgSq: InPlaceView | null;
}

export interface AdamStepOptions {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** AdamW: param *= 1 - lr * weightDecay instead of adding weightDecay * param to the gradient. */
  readonly decoupled: boolean;
  readonly amsgrad: boolean;
  readonly maximize: boolean;
  /** The step count after this update (1 at the first step). */
  readonly step: number;
}

export interface SgdStepOptions {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly maximize: boolean;
  /** The momentum buffer starts as this step's gradient (its first use). */
  readonly first: boolean;
}

export type QrMode = 'reduced' | 'complete' | 'r';
export type SvdMode = 'reduced' | 'full' | 'none';

export interface LuResult {
  /** L (below the diagonal, unit diagonal implied) and U, in the operand's dtype. */
  readonly lu: TypedArray;
  readonly pivots: Int32Array;
  /** Per matrix: 0, or the 1-based index of the first exactly zero pivot (singular). */
  readonly info: Int32Array;
}

export interface QrResult {
  readonly q: TypedArray;
  readonly r: TypedArray;
}

export interface EighResult {
  readonly values: TypedArray;
  readonly vectors: TypedArray;
}

export interface SvdResult {
  readonly u: TypedArray;
  readonly s: TypedArray;
  readonly vh: TypedArray;
}

/** Thrown by kernels for bad data (an index out of range); the op that called it adds its name. */
export class KernelError extends Error {}
