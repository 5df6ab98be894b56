/** Transforms for the worker DataLoader tests: worker threads import them from this module. */
import { data } from '../../src/index.js';

const T = data.transforms;

export const augment = T.compose([T.randomAffine({ degrees: 20, translate: [0.1, 0.1], fillMode: 'reflect' }), T.elasticTransform({ alpha: 6, sigma: 2 }), T.randomHorizontalFlip()]);

export default augment;

export const broken: data.transforms.Transform = () => {
  throw new Error('broken on purpose');
};

export const notATransform = 3;
