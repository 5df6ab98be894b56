/** vision.detection: classification with localisation, anchors, YOLO, sliding windows as convolution. */
export { encodeLocalization, localizationLoss, decodeLocalization } from './localization.js';
export type { LocalizedObject, LocalizationLossOptions, LocalizationResult } from './localization.js';
export { baseAnchors, generateAnchors, assignAnchors, kmeansAnchors, BELOW_LOW_THRESHOLD, BETWEEN_THRESHOLDS } from './anchors.js';
export type { AnchorOptions, AssignOptions, KMeansAnchorOptions, KMeansAnchors } from './anchors.js';
export { encodeYolo, yoloLoss, yoloLossTerms, decodeYolo, TinyYolo } from './yolo.js';
export type { YoloGrid, DetectionTarget, YoloLossOptions, YoloLossTerms, DecodeYoloOptions, Detections, TinyYoloOptions } from './yolo.js';
export { toFullyConvolutional } from './fully-convolutional.js';
export type { FullyConvolutionalOptions } from './fully-convolutional.js';
export { trainShapesDetector, detectionsSvg } from './shapes-demo.js';
export type { ShapesDetectorOptions, ShapesDetectorResult, DetectionsSvgOptions } from './shapes-demo.js';
export { landmarkHead, landmarkLoss } from './landmarks.js';
export type { LandmarkLossOptions } from './landmarks.js';
export * as augment from './augment.js';
