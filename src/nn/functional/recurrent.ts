/**
 * Recurrent networks as functions of their weights: the math behind nn.RNN, nn.LSTM, nn.GRU and
 * their cells, with PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n) and formulas.
 *
 * A sequence is run one layer and direction at a time: the input projections of all time steps
 * are one matrix product, then each step costs one small product with the hidden state plus the
 * cell update. The cell updates (lstmCellUpdate, gruCellUpdate, rnnCellUpdate) are single
 * functions so that a fused kernel can replace one without touching the rest.
 *
 * Variable-length batches: with `lengths` (or a `paddingMask`), a padded step leaves the state
 * unchanged and outputs zeros, so outputs at valid steps and final states equal those of each
 * sequence run alone (as pack_padded_sequence gives). The reverse direction starts at each
 * sequence's own last valid step.
 */
import { Tensor } from '../../tensor/tensor.js';
import { arange, tensor, zeros } from '../../tensor/creation.js';
import { isFloat } from '../../tensor/dtype.js';
import { shapeStr } from '../../tensor/shape.js';
import { add, logicalNot, lt, relu, tanh, where } from '../../ops/elementwise.js';
import { gruCellFused, lstmCellFused, lstmSequence } from '../../ops/recurrent.js';
import { linear, matmul } from '../../ops/linalg.js';
import { contiguous, flip, reshape, select, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { cat, stack, unbind } from '../../ops/join.js';
import { all } from '../../ops/reduce.js';
import { dropout as dropoutFn } from '../../ops/nn.js';
import { Generator } from '../../tensor/random.js';
import { bool, instanceOf, num, oneOf, parseOptions, str, tensor as tensorCheck, unchecked } from '../../ops/args.js';
import { apply, type OpDef } from '../../autograd/function.js';
import { scalarTensor } from '../../ops/util.js';

export type RecurrentMode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

/**
 * The weights of one layer and direction, in PyTorch's layout: weightIh [G*H, inputSize],
 * weightHh [G*H, H], biases [G*H], with G = 4 for LSTM, 3 for GRU and 1 for a plain RNN. An LSTM
 * with projections (torch's proj_size P) also has weightHr [P, H]: h = (o * tanh(c)) W_hr^T has
 * P features, so weightHh is [4H, P].
 */
export interface RecurrentWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh?: Tensor | null;
  biasHh?: Tensor | null;
  weightHr?: Tensor | null;
}

/** Which time steps of a padded batch are real. */
export interface SequenceMaskOptions {
  /** Per-sequence lengths (an int32 tensor [B] or numbers); steps at or past a length are padding. */
  lengths?: Tensor | readonly number[];
  /** A bool tensor [B, T] ([T] for an unbatched input), true at padded steps (like keyPaddingMask). */
  paddingMask?: Tensor;
}

export interface RecurrentOptions extends SequenceMaskOptions {
  mode: RecurrentMode;
  bidirectional?: boolean;
  /** Input and output are [B, T, features] instead of [T, B, features]. */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last (only when training). */
  dropout?: number;
  training?: boolean;
  generator?: Generator;
  /** How error messages name the caller, e.g. 'LSTM(input 64, hidden 128)'. */
  name?: string;
}

export interface RecurrentResult {
  /** [T, B, D*H] ([B, T, D*H] with batchFirst, [T, D*H] unbatched): the last layer's outputs (D*P with projections). */
  output: Tensor;
  /** [numLayers*D, B, H]: the final hidden state of each layer and direction ([.., P] with projections). */
  hN: Tensor;
  /** The LSTM's final cell state [numLayers*D, B, H]; null for RNN and GRU. */
  cN: Tensor | null;
}

/** Gates per hidden unit: the row blocks of weightIh / weightHh. */
export function gateCount(mode: RecurrentMode): number {
  return mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
}

function modeName(mode: RecurrentMode): string {
  return mode === 'lstm' ? 'lstm' : mode === 'gru' ? 'gru' : 'rnn';
}

// ---- cell updates: one step from projected inputs ---------------------------------------------

/**
 * The LSTM update from the summed gate pre-activations [..., 4H] (x W_ih^T + b_ih + h W_hh^T +
 * b_hh, gates in order i, f, g, o; or the x part, with the h part in hiddenGates, summed in the
 * same kernel pass) and the cell state c [..., H]: c' = sigmoid(f) c + sigmoid(i) tanh(g),
 * h' = sigmoid(o) tanh(c'). Returns [h', c'].
 */
export function lstmCellUpdate(gates: Tensor, c: Tensor, hiddenGates?: Tensor): [Tensor, Tensor] {
  return lstmCellFused(gates, c, hiddenGates);
}

/**
 * The GRU update from the input projection gi = x W_ih^T + b_ih and the hidden projection
 * gh = h W_hh^T + b_hh (both [..., 3H], gates r, z, n), as PyTorch: r = sigmoid(i_r + h_r),
 * z = sigmoid(i_z + h_z), n = tanh(i_n + r * h_n), h' = (h - n) z + n = (1 - z) n + z h.
 */
export function gruCellUpdate(gi: Tensor, gh: Tensor, h: Tensor): Tensor {
  return gruCellFused(gi, gh, h);
}

/** The plain RNN update from the summed pre-activation x W_ih^T + b_ih + h W_hh^T + b_hh. */
export function rnnCellUpdate(preActivation: Tensor, mode: 'rnnTanh' | 'rnnRelu'): Tensor {
  return mode === 'rnnTanh' ? tanh(preActivation) : relu(preActivation);
}

// ---- validation -----------------------------------------------------------------------------

/** hidden: the cell's size H; projection: the projected hidden state's size P, or null for none. */
function checkWeights(
  name: string,
  mode: RecurrentMode,
  w: RecurrentWeights,
  inputSize: number,
  hidden: number,
  label: string,
  projection: number | null = null,
): void {
  const rows = gateCount(mode) * hidden;
  const stateSize = projection ?? hidden;
  const projected = w.weightHr !== null && w.weightHr !== undefined;
  if (projected && mode !== 'lstm') throw new Error(`${name}: weight_hr${label} (projections) is only supported for LSTM`);
  if (projected !== (projection !== null)) {
    throw new Error(
      projection === null && label === ''
        ? `${name}: a cell has no projection (weight_hr)`
        : `${name}: weight_hr${label} must be given for every layer and direction or for none`,
    );
  }
  const expectShape = (t: Tensor | null | undefined, shape: number[], what: string): void => {
    if (t === null || t === undefined) return;
    if (!(t instanceof Tensor)) throw new Error(`${name}: ${what}${label} must be a Tensor`);
    if (t.ndim !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${name}: ${what}${label} must have shape ${shapeStr(shape)}, got ${shapeStr(t.shape)}`);
    }
  };
  expectShape(w.weightIh, [rows, inputSize], 'weight_ih');
  expectShape(w.weightHh, [rows, stateSize], 'weight_hh');
  expectShape(w.biasIh, [rows], 'bias_ih');
  expectShape(w.biasHh, [rows], 'bias_hh');
  expectShape(w.weightHr, [stateSize, hidden], 'weight_hr');
}

function checkFeatures(name: string, input: Tensor, inputSize: number): void {
  if (!(input instanceof Tensor)) throw new Error(`${name}: expected the input to be a Tensor`);
  if (!isFloat(input.dtype)) {
    throw new Error(`${name} got input of dtype ${input.dtype}; recurrent layers need floating-point input (embed token ids first)`);
  }
  const features = input.shape[input.ndim - 1];
  if (input.ndim > 0 && features !== inputSize) {
    throw new Error(`${name} got input with ${features} features in its last dim; expected ${inputSize} (inputSize)`);
  }
}

function checkDType(name: string, input: Tensor, weight: Tensor): void {
  if (input.dtype !== weight.dtype) {
    throw new Error(
      `${name} got input of dtype ${input.dtype} but its weights are ${weight.dtype}; convert the input (.to('${weight.dtype}')) or the layer`,
    );
  }
}

function checkState(name: string, what: string, state: Tensor, expected: number[], dtype: string): void {
  if (!(state instanceof Tensor)) throw new Error(`${name}: ${what} must be a Tensor`);
  if (state.ndim !== expected.length || state.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${name}: expected ${what} of shape ${shapeStr(expected)}, got ${shapeStr(state.shape)}`);
  }
  if (state.dtype !== dtype) throw new Error(`${name}: ${what} has dtype ${state.dtype}, expected ${dtype} like the input`);
}

/**
 * Per-step validity masks [B, 1] (bool, true = real step) in time order, or null when every
 * step of every sequence is real.
 */
function stepValidity(name: string, steps: number, batch: number, batched: boolean, options: SequenceMaskOptions): Tensor[] | null {
  const { lengths, paddingMask } = options;
  if (lengths !== undefined && lengths !== null && paddingMask !== undefined && paddingMask !== null) {
    throw new Error(`${name}: give either lengths or paddingMask, not both`);
  }
  let valid: Tensor;
  if (lengths !== undefined && lengths !== null) {
    let values: number[];
    if (lengths instanceof Tensor) {
      if (lengths.dtype !== 'int32' || lengths.ndim !== 1) {
        throw new Error(`${name}: lengths must be a 1-D int32 tensor or an array of numbers, got ${lengths.dtype} tensor of shape ${shapeStr(lengths.shape)}`);
      }
      values = Array.from(lengths.toTypedArray());
    } else if (Array.isArray(lengths)) {
      values = [...(lengths as readonly number[])];
    } else {
      throw new Error(`${name}: lengths must be a 1-D int32 tensor or an array of numbers`);
    }
    if (values.length !== batch) {
      throw new Error(`${name}: got ${values.length} lengths for a batch of ${batch} sequence${batch === 1 ? '' : 's'}`);
    }
    const bad = values.find((l) => !Number.isInteger(l) || l < 0 || l > steps);
    if (bad !== undefined) {
      throw new Error(`${name}: every length must be an integer between 0 and the sequence length ${steps}, got ${bad}`);
    }
    if (values.every((l) => l === steps)) return null;
    valid = lt(reshape(arange(steps, { dtype: 'int32' }), [steps, 1, 1]), reshape(tensor(values, { dtype: 'int32' }), [1, batch, 1]));
  } else if (paddingMask !== undefined && paddingMask !== null) {
    const expected = batched ? [batch, steps] : [steps];
    if (!(paddingMask instanceof Tensor) || paddingMask.dtype !== 'bool') {
      throw new Error(`${name}: paddingMask must be a bool tensor of shape ${shapeStr(expected)} (true at padded steps)`);
    }
    if (paddingMask.ndim !== expected.length || paddingMask.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`${name}: paddingMask must have shape ${shapeStr(expected)} ([batch, time], true at padded steps), got ${shapeStr(paddingMask.shape)}`);
    }
    const mask = batched ? paddingMask : unsqueeze(paddingMask, 0);
    valid = unsqueeze(transpose(logicalNot(mask), 0, 1), 2);
  } else {
    return null;
  }
  if (all(valid).item() !== 0) return null;
  return unbind(valid, 0);
}

// ---- the recurrent product h W_hh^T ---------------------------------------------------------------

/**
 * What the steps of one recurrence share: W_hh^T for the forward products, and the (h, gradient)
 * pairs the steps' backward leave for the weight gradient.
 */
interface RecurrentProductShared {
  weightHh: Tensor;
  weightHhT: Tensor;
  inputs: Tensor[];
  grads: Tensor[];
}

/**
 * The anchor every step's product hangs from (a 0-dim token whose input is W_hh). Its backward
 * runs after every step's and computes W_hh's gradient once, sum_t g_t^T h_t, as one product of
 * the stacked pairs, instead of one [G*H, H] product plus a sum per step.
 */
const RECURRENT_WEIGHT: OpDef<RecurrentProductShared> = {
  name: 'recurrentWeight',
  forward([w]) {
    return scalarTensor(0, w!.dtype);
  },
  backward(_g, { attrs }) {
    if (attrs.grads.length === 0) return [null];
    const inputs = cat(attrs.inputs, 0);
    const grads = cat(attrs.grads, 0);
    attrs.inputs.length = 0;
    attrs.grads.length = 0;
    return [matmul(transpose(grads, 0, 1), inputs)];
  },
};

/** One step's h W_hh^T; its weight gradient is left to the anchor. */
const RECURRENT_STEP: OpDef<RecurrentProductShared> = {
  name: 'recurrentStep',
  forward([h], { weightHh, weightHhT }, save) {
    save(h!, weightHh);
    return matmul(h!, weightHhT);
  },
  backward(g, ctx) {
    const [h, weightHh] = ctx.saved;
    if (ctx.needsGrad[1]) {
      ctx.attrs.inputs.push(h!);
      ctx.attrs.grads.push(g);
    }
    return [ctx.needsGrad[0] ? matmul(g, weightHh!) : null, ctx.needsGrad[1] ? scalarTensor(0, g.dtype) : null];
  },
};

/** h -> h W_hh^T for every step of one recurrence, with W_hh's gradient computed in one product. */
function recurrentProduct(weightHh: Tensor): (h: Tensor) => Tensor {
  const weightHhT = contiguous(transpose(weightHh.detach(), 0, 1));
  const shared: RecurrentProductShared = { weightHh, weightHhT, inputs: [], grads: [] };
  const token = apply(RECURRENT_WEIGHT, [weightHh], shared);
  if (!token.requiresGrad) return (h) => matmul(h, weightHhT);
  return (h) => apply(RECURRENT_STEP, [h, token], shared);
}

// ---- one layer and direction ------------------------------------------------------------------

interface DirectionResult {
  /** The hidden state after each step, in time order: [T, B, H]. */
  outputs: Tensor;
  h: Tensor;
  c: Tensor | null;
}

function runDirection(
  mode: RecurrentMode,
  x: Tensor,
  h0: Tensor,
  c0: Tensor | null,
  w: RecurrentWeights,
  reverse: boolean,
  valid: Tensor[] | null,
): DirectionResult {
  const [steps, batch, features] = x.shape as [number, number, number];
  const rows = w.weightIh.shape[0]!;
  const weightHr = w.weightHr ?? null;
  const biasIh = w.biasIh ?? null;
  const biasHh = w.biasHh ?? null;
  // b_hh is added at every step anyway, so except for GRU (where r scales h W_hn + b_hn) it joins the one input projection.
  const inputBias = mode === 'gru' || biasHh === null ? biasIh : biasIh === null ? biasHh : add(biasIh, biasHh);
  if (mode === 'lstm' && valid === null && weightHr === null) {
    // The whole direction, input projection included, in one kernel call where the backend has one (its kernels have no projection).
    const fused = lstmSequence(x, w.weightIh, inputBias, w.weightHh, h0, c0!, reverse);
    if (fused !== null) {
      const [hs, c] = fused;
      return { outputs: reverse ? flip(hs, [0]) : hs, h: select(hs, 0, steps - 1), c };
    }
  }
  const projected = reshape(linear(reshape(x, [steps * batch, features]), w.weightIh, inputBias), [steps, batch, rows]);
  const perStep = unbind(projected, 0);
  const hiddenProduct = recurrentProduct(w.weightHh);
  const hiddenBias = mode === 'gru' ? biasHh : null;

  const outputs = new Array<Tensor>(steps);
  let h = h0;
  let c = c0;
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const xt = perStep[t]!;
    const hh = hiddenProduct(h);
    let hNext: Tensor;
    let cNext: Tensor | null = null;
    if (mode === 'lstm') {
      [hNext, cNext] = lstmCellUpdate(xt, c!, hh);
      if (weightHr !== null) hNext = matmul(hNext, transpose(weightHr, 0, 1));
    } else if (mode === 'gru') hNext = gruCellUpdate(xt, hiddenBias === null ? hh : add(hh, hiddenBias), h);
    else hNext = rnnCellUpdate(add(xt, hh), mode);
    const m = valid?.[t];
    if (m === undefined) {
      outputs[t] = hNext;
      h = hNext;
      c = cNext;
    } else {
      // A padded step keeps the state and outputs zeros.
      outputs[t] = where(m, hNext, 0);
      h = where(m, hNext, h);
      if (cNext !== null) c = where(m, cNext, c!);
    }
  }
  return { outputs: stack(outputs, 0), h, c };
}

// ---- whole networks ---------------------------------------------------------------------------

/**
 * Runs a multi-layer, optionally bidirectional recurrent network (torch's _VF.rnn_tanh / lstm /
 * gru). `weights` lists each layer's directions in PyTorch's order: layer 0, layer 0 reverse,
 * layer 1, .... `hx` is the initial hidden state [numLayers*D, B, H] (LSTM: [h0, c0]); zeros when
 * null. Input is [T, B, inputSize] ([B, T, inputSize] with batchFirst) or unbatched [T, inputSize].
 */
export function recurrent(
  input: Tensor,
  hx: Tensor | readonly [Tensor, Tensor] | null | undefined,
  weights: readonly RecurrentWeights[],
  options: RecurrentOptions,
  ...extra: []
): RecurrentResult {
  const mode = options?.mode;
  const name = options?.name ?? `F.${modeName(mode)}`;
  parseOptions(name, options, { ...RECURRENT_SPEC, mode: oneOf('lstm', 'gru', 'rnnTanh', 'rnnRelu') }, extra);
  const directions = options.bidirectional === true ? 2 : 1;
  const batchFirst = options.batchFirst ?? false;
  const dropoutP = options.dropout ?? 0;
  const training = options.training ?? false;
  if (!Array.isArray(weights) || weights.length === 0 || weights.length % directions !== 0) {
    throw new Error(`${name}: expected the weights of every layer and direction (a multiple of ${directions}), got ${weights.length}`);
  }
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`${name}: dropout must be a probability in [0, 1], got ${dropoutP}`);
  const numLayers = weights.length / directions;
  const first = weights[0]!;
  // The cell's size H, and the hidden state's: H, or P with projections (weight_hr [P, H]).
  const projection = first.weightHr instanceof Tensor ? first.weightHr.shape[0]! : null;
  const hidden = first.weightHr instanceof Tensor ? first.weightHr.shape[1]! : first.weightHh.shape[1]!;
  const stateSize = projection ?? hidden;
  const inputSize = first.weightIh.shape[1]!;
  weights.forEach((w, i) => {
    const layer = Math.floor(i / directions);
    const label = `_l${layer}${i % directions === 1 ? '_reverse' : ''}`;
    checkWeights(name, mode, w, layer === 0 ? inputSize : stateSize * directions, hidden, label, projection);
  });

  checkFeatures(name, input, inputSize);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new Error(
      `${name} expects input of rank 3 ([T, B, ${inputSize}], or [B, T, ${inputSize}] with batchFirst) or rank 2 ` +
        `(an unbatched [T, ${inputSize}]), got shape ${shapeStr(input.shape)}`,
    );
  }
  checkDType(name, input, first.weightIh);
  const batched = input.ndim === 3;
  let x = batched ? (batchFirst ? transpose(input, 0, 1) : input) : unsqueeze(input, 1);
  const [steps, batch] = x.shape as [number, number];
  if (steps === 0) throw new Error(`${name}: got an input with no time steps (shape ${shapeStr(input.shape)})`);

  const stateShape = (size: number): number[] => (batched ? [numLayers * directions, batch, size] : [numLayers * directions, size]);
  const initialStates = (state: Tensor | null, what: string, size: number): Tensor[] => {
    if (state === null) return unbind(zeros([numLayers * directions, batch, size], { dtype: input.dtype }), 0);
    checkState(name, what, state, stateShape(size), input.dtype);
    return unbind(batched ? state : unsqueeze(state, 1), 0);
  };
  let h0s: Tensor[];
  let c0s: Tensor[] | null = null;
  if (mode === 'lstm') {
    if (hx !== null && hx !== undefined && !(Array.isArray(hx) && hx.length === 2)) {
      throw new Error(
        `${name}: the initial state of an LSTM is a pair [h0, c0] of tensors of shapes ${shapeStr(stateShape(stateSize))} and ${shapeStr(stateShape(hidden))}`,
      );
    }
    const pair = hx as readonly [Tensor, Tensor] | null | undefined;
    h0s = initialStates(pair?.[0] ?? null, 'h0', stateSize);
    c0s = initialStates(pair?.[1] ?? null, 'c0', hidden);
  } else {
    if (hx !== null && hx !== undefined && !(hx instanceof Tensor)) {
      throw new Error(`${name}: the initial state h0 must be a Tensor of shape ${shapeStr(stateShape(hidden))}`);
    }
    h0s = initialStates((hx as Tensor | null | undefined) ?? null, 'h0', hidden);
  }

  const valid = stepValidity(name, steps, batch, batched, options);
  const finalH: Tensor[] = [];
  const finalC: Tensor[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    const outs: Tensor[] = [];
    for (let d = 0; d < directions; d++) {
      const i = layer * directions + d;
      const r = runDirection(mode, x, h0s[i]!, c0s?.[i] ?? null, weights[i]!, d === 1, valid);
      outs.push(r.outputs);
      finalH.push(r.h);
      if (r.c !== null) finalC.push(r.c);
    }
    x = directions === 1 ? outs[0]! : cat(outs, 2);
    if (layer < numLayers - 1 && dropoutP > 0 && training) x = dropoutFn(x, dropoutP, true, options.generator);
  }
  const output = batched ? (batchFirst ? transpose(x, 0, 1) : x) : squeeze(x, 1);
  const finish = (states: Tensor[]): Tensor => (batched ? stack(states, 0) : squeeze(stack(states, 0), 1));
  return { output, hN: finish(finalH), cN: mode === 'lstm' ? finish(finalC) : null };
}

export type RecurrentFunctionOptions = Omit<RecurrentOptions, 'mode'>;

/** The options of lstm, gru and rnn (recurrent also takes the mode). */
const RECURRENT_SPEC = {
  bidirectional: bool,
  batchFirst: bool,
  dropout: num,
  training: bool,
  generator: instanceOf(Generator),
  name: str,
  lengths: unchecked,
  paddingMask: tensorCheck,
};

/** A multi-layer LSTM: returns [output, [hN, cN]] like torch.nn.LSTM. */
export function lstm(
  input: Tensor,
  hx: readonly [Tensor, Tensor] | null | undefined,
  weights: readonly RecurrentWeights[],
  options: RecurrentFunctionOptions = {},
  ...extra: []
): [Tensor, [Tensor, Tensor]] {
  parseOptions('F.lstm', options, RECURRENT_SPEC, extra);
  const r = recurrent(input, hx, weights, { ...options, mode: 'lstm' });
  return [r.output, [r.hN, r.cN!]];
}

/** A multi-layer GRU: returns [output, hN] like torch.nn.GRU. */
export function gru(
  input: Tensor,
  hx: Tensor | null | undefined,
  weights: readonly RecurrentWeights[],
  options: RecurrentFunctionOptions = {},
  ...extra: []
): [Tensor, Tensor] {
  parseOptions('F.gru', options, RECURRENT_SPEC, extra);
  const r = recurrent(input, hx, weights, { ...options, mode: 'gru' });
  return [r.output, r.hN];
}

/** A multi-layer Elman RNN (tanh, or relu with nonlinearity: 'relu'): returns [output, hN] like torch.nn.RNN. */
export function rnn(
  input: Tensor,
  hx: Tensor | null | undefined,
  weights: readonly RecurrentWeights[],
  options: RecurrentFunctionOptions & { nonlinearity?: 'tanh' | 'relu' } = {},
  ...extra: []
): [Tensor, Tensor] {
  parseOptions('F.rnn', options, { ...RECURRENT_SPEC, nonlinearity: oneOf('tanh', 'relu') }, extra);
  const { nonlinearity, ...rest } = options;
  if (nonlinearity !== undefined && nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new Error(`rnn: nonlinearity must be 'tanh' or 'relu', got '${String(nonlinearity)}'`);
  }
  const r = recurrent(input, hx, weights, { ...rest, mode: nonlinearity === 'relu' ? 'rnnRelu' : 'rnnTanh' });
  return [r.output, r.hN];
}

// ---- single-step cells ------------------------------------------------------------------------

/** Validates a cell's input [B, I] or [I] and state, returning the state (zeros when absent). */
function cellState(name: string, input: Tensor, state: Tensor | null | undefined, w: RecurrentWeights, what: string): Tensor {
  const hidden = w.weightHh.shape[1]!;
  if (input.ndim !== 1 && input.ndim !== 2) {
    throw new Error(`${name} expects input of shape [B, ${w.weightIh.shape[1]}] or an unbatched [${w.weightIh.shape[1]}], got ${shapeStr(input.shape)}`);
  }
  const expected = input.ndim === 2 ? [input.shape[0]!, hidden] : [hidden];
  if (state === null || state === undefined) return zeros(expected, { dtype: input.dtype });
  checkState(name, what, state, expected, input.dtype);
  return state;
}

function checkCell(name: string, mode: RecurrentMode, input: Tensor, w: RecurrentWeights): void {
  checkWeights(name, mode, w, w.weightIh.shape[1]!, w.weightHh.shape[1]!, '');
  checkFeatures(name, input, w.weightIh.shape[1]!);
  checkDType(name, input, w.weightIh);
}

/** One LSTM step (torch.nn.LSTMCell): input [B, I] or [I], state [h, c]; returns [h', c']. */
export function lstmCell(input: Tensor, hx: readonly [Tensor, Tensor] | null | undefined, weights: RecurrentWeights, name = 'lstmCell'): [Tensor, Tensor] {
  checkCell(name, 'lstm', input, weights);
  const h = cellState(name, input, hx?.[0], weights, 'h');
  const c = cellState(name, input, hx?.[1], weights, 'c');
  return lstmCellUpdate(linear(input, weights.weightIh, weights.biasIh), c, linear(h, weights.weightHh, weights.biasHh));
}

/** One GRU step (torch.nn.GRUCell): input [B, I] or [I], state h; returns h'. */
export function gruCell(input: Tensor, hx: Tensor | null | undefined, weights: RecurrentWeights, name = 'gruCell'): Tensor {
  checkCell(name, 'gru', input, weights);
  const h = cellState(name, input, hx, weights, 'h');
  return gruCellUpdate(linear(input, weights.weightIh, weights.biasIh), linear(h, weights.weightHh, weights.biasHh), h);
}

/** One Elman RNN step (torch.nn.RNNCell): h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). */
export function rnnCell(
  input: Tensor,
  hx: Tensor | null | undefined,
  weights: RecurrentWeights,
  nonlinearity: 'tanh' | 'relu' = 'tanh',
  name = 'rnnCell',
): Tensor {
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new Error(`${name}: nonlinearity must be 'tanh' or 'relu', got '${String(nonlinearity)}'`);
  }
  const mode = nonlinearity === 'relu' ? 'rnnRelu' : 'rnnTanh';
  checkCell(name, mode, input, weights);
  const h = cellState(name, input, hx, weights, 'h');
  return rnnCellUpdate(add(linear(input, weights.weightIh, weights.biasIh), linear(h, weights.weightHh, weights.biasHh)), mode);
}
