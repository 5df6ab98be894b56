/** Manifold learning (browser-safe): t-SNE as scikit-learn 1.2's, exact and Barnes-Hut. */
export { TSNE, tsne, tsneJointProbabilities, tsneGradient } from './tsne.js';
export type { TSNEOptions, TSNEResult } from './tsne.js';
