/// <reference types="node" />
/** `nabla demo detect`: TinyYolo on synthetic shapes, mAP on held-out images, an SVG of the detections. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vision } from '../index.js';
import { saveSafetensors } from '../io/node.js';
import { checkKnownOptions, numberOption, stringOption, type ParsedArgs } from './args.js';

export async function demoDetect(args: ParsedArgs, log: (line: string) => void): Promise<vision.detection.ShapesDetectorResult> {
  checkKnownOptions(args, 'nabla demo detect', ['epochs', 'train', 'test', 'out', 'seed']);
  const seed = numberOption(args, 'seed', 0, { integer: true, min: 0 });
  const epochs = numberOption(args, 'epochs', 8, { integer: true, min: 1, max: 1000 });
  const trainImages = numberOption(args, 'train', 1200, { integer: true, min: 32 });
  const testImages = numberOption(args, 'test', 200, { integer: true, min: 1 });
  const outDir = stringOption(args, 'out') ?? 'nabla-out/detect';
  log(`Synthetic shapes: ${trainImages} training and ${testImages} held-out images of 64x64 pixels (circle, square, triangle; 1-3 per image).`);
  const result = await vision.detection.trainShapesDetector({
    epochs,
    trainImages,
    testImages,
    seed,
    onEpoch: (epoch, loss, seconds) => log(`Epoch ${epoch}/${epochs}: YOLO loss ${loss.toFixed(4)} (${seconds.toFixed(1)} s)`),
  });
  log(`Anchors (k-means, 1 - IoU; width x height of the image): ${result.anchors.map(([w, h]) => `${w.toFixed(3)} x ${h.toFixed(3)}`).join(', ')}`);
  log(`Held-out mAP@0.5 (VOC all-point): ${result.map50.toFixed(4)}`);
  log(`Per class AP@0.5: ${[...result.perClass].map(([c, ap]) => `${result.classNames[c]} ${ap.toFixed(4)}`).join(', ')}`);
  log(`Held-out mAP@[.5:.95] (COCO): ${result.mapCoco.toFixed(4)}`);
  log(`Time: ${result.seconds.toFixed(1)} s`);
  mkdirSync(outDir, { recursive: true });
  const shown = Math.min(8, testImages);
  const svg = vision.detection.detectionsSvg(result.test.images.slice(0, 0, shown), result.test.detections.slice(0, shown), { classNames: result.classNames });
  writeFileSync(join(outDir, 'detections.svg'), svg);
  saveSafetensors(join(outDir, 'tiny-yolo.safetensors'), result.model.stateDict());
  writeFileSync(join(outDir, 'anchors.json'), JSON.stringify(result.anchors));
  log(`Wrote ${join(outDir, 'detections.svg')}, tiny-yolo.safetensors and anchors.json`);
  return result;
}
