/** nn.utils (torch.nn.utils): gradient clipping, the same functions as optim.clipGradNorm / clipGradValue. */
export { clipGradNorm, clipGradValue } from '../optim/clip.js';
export type { ClipGradNormOptions } from '../optim/clip.js';
export { fuseConvBnEval, fuseConvBnWeights, fuseForInference } from './fusion.js';
