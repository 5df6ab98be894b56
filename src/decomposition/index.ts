/** Matrix decompositions for data (browser-safe): PCA as scikit-learn's. */
export { PCA, pca } from './pca.js';
export type { PCAOptions } from './pca.js';
export type { MatrixLike } from './matrix.js';
