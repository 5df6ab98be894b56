/** vision.segmentation: U-Net and the Dice loss (scores: metrics.segmentationScores). */
export { UNet } from './unet.js';
export type { UNetOptions } from './unet.js';
export { diceLoss } from './dice.js';
export type { DiceLossOptions } from './dice.js';
