/**
 * The functional API `F` (torch.nn.functional): stateless functions that layers call. Each area
 * adds its own export line here.
 */
export { linear } from '../../ops/linalg.js';
export { relu, leakyRelu, elu, selu, gelu, sigmoid, tanh, softplus } from '../../ops/elementwise.js';
export { softmax, logSoftmax, dropout } from '../../ops/nn.js';
export {
  recurrent, lstm, gru, rnn, lstmCell, gruCell, rnnCell, lstmCellUpdate, gruCellUpdate, rnnCellUpdate, gateCount,
} from './recurrent.js';
export type {
  RecurrentMode, RecurrentWeights, RecurrentOptions, RecurrentFunctionOptions, RecurrentResult, SequenceMaskOptions,
} from './recurrent.js';
