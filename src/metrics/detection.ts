/** Bounding-box metrics. boxIou is vision.ops.boxIou itself (one function, torchvision's semantics). */
export { boxIou } from '../vision/ops/boxes.js';
