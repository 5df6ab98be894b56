/**
 * vision.models: the classic CNNs with torchvision 0.14's module trees, so torchvision state
 * dicts (saved as safetensors) load with loadStateDict and give torchvision's outputs.
 */
export { Conv2dNormActivation, makeDivisible } from './common.js';
export type { ModelOptions, ConvNormActivationOptions } from './common.js';
export { AlexNet, alexnet, VGG, vggFeatures, vgg11, vgg13, vgg16, vgg19, vgg11Bn, vgg13Bn, vgg16Bn, vgg19Bn } from './vgg.js';
export type { ClassifierOptions, VGGConfig } from './vgg.js';
export { BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50, resnet101, resnet152 } from './resnet.js';
export type { ResNetOptions } from './resnet.js';
export { BasicConv2d, InceptionModule, InceptionAux, GoogLeNet, googlenet } from './googlenet.js';
export type { GoogLeNetOptions, GoogLeNetOutputs } from './googlenet.js';
export {
  DepthwiseSeparableConv, InvertedResidual, MobileNetV2, mobilenetV2, SqueezeExcitation, InvertedResidualV3, MobileNetV3,
  mobilenetV3Large, mobilenetV3Small,
} from './mobilenet.js';
export type { MobileNetV2Options, MobileNetV3Options } from './mobilenet.js';
export { LeNet5, lenet5 } from './lenet.js';
export type { LeNet5Options } from './lenet.js';
