/**
 * The vision toolkit (nb.vision): the model zoo, feature extraction, head replacement and
 * conv arithmetic. Browser-safe; built only on the public API (nn, F, tensor ops).
 */
export * as models from './models/index.js';
export { featureExtractor, FeatureExtractor } from './features.js';
export type { ReturnNodes } from './features.js';
export { replaceHead } from './head.js';
export { receptiveField, ReceptiveFieldTable } from './receptive-field.js';
export type { ReceptiveFieldRow, ReceptiveFieldOptions } from './receptive-field.js';
export * as ops from './ops/index.js';
export * as detection from './detection/index.js';
export { toFullyConvolutional } from './detection/fully-convolutional.js';
export { syntheticShapes, SHAPE_CLASSES } from './shapes.js';
export type { SyntheticShapesOptions, SyntheticShapes, ShapesObjects } from './shapes.js';
export * as segmentation from './segmentation/index.js';
export * as face from './face/index.js';
export {
  contentCost, gramMatrix, layerStyleCost, styleCost, totalVariationLoss, totalCost, styleObjective, styleTransfer, VGG19_STYLE_LAYERS,
  VGG19_CONTENT_LAYER, IMAGENET_MEAN, IMAGENET_STD,
} from './style.js';
export type { StyleLayers, Extractor, StyleObjectiveOptions, StyleLosses, StyleTransferOptions, StyleTransferResult } from './style.js';
export { saliencyMap, topActivatingPatches, filterGrid, imageGrid, normalizeImage, svgImageGrid } from './visualize.js';
export type { SaliencyResult, Patch, TopPatchesOptions, GridOptions, SvgGridOptions } from './visualize.js';
export { precomputeFeatures, fineTuneGroups } from './transfer.js';
export type { PrecomputeOptions, FineTuneOptions } from './transfer.js';
