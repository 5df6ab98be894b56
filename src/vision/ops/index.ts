/** vision.ops: torchvision.ops' box geometry, IoU losses, NMS and RoI pooling. */
export {
  boxConvert, boxArea, boxIou, generalizedBoxIou, distanceBoxIou, completeBoxIou, clipBoxesToImage, removeSmallBoxes, masksToBoxes,
} from './boxes.js';
export type { BoxesLike, BoxFormat } from './boxes.js';
export { generalizedBoxIouLoss, distanceBoxIouLoss, completeBoxIouLoss, sigmoidFocalLoss } from './losses.js';
export type { BoxLossOptions, FocalLossOptions } from './losses.js';
export { nms, batchedNms } from './nms.js';
export { roiAlign, roiPool } from './roi.js';
export type { RoiOptions, RoiAlignOptions } from './roi.js';
