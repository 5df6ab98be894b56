/**
 * The vision toolkit (nb.vision): the model zoo, feature extraction, head replacement and
 * conv arithmetic. Browser-safe; built only on the public API (nn, F, tensor ops).
 */
export * as models from './models/index.js';
