/** The optimizers' update rules by name (the pure functions behind each optimizer class). */
export { sgd } from './sgd.js';
export { adam, adamw } from './adam.js';
export { adagrad } from './adagrad.js';
export { rmsprop } from './rmsprop.js';
export { adamax } from './adamax.js';
export { nadam } from './nadam.js';
export { adadelta } from './adadelta.js';
