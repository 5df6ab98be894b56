/**
 * "What are deep ConvNets learning?" (the course, after Zeiler and Fergus 2013 and Simonyan et al.
 * 2013): saliency maps, the image patches that most activate a unit, first-layer filters as an
 * image, and an SVG grid of images (PNG data URIs). Browser-safe: images are tensors and bytes.
 */
import { checkOptionKeys } from '../ops/args.js';
import { cat, data, nn, noGrad, oneHot, ones, tensor, Tensor, zeros } from '../index.js';
import { featureExtractor, withEvalMode, withFrozenParameters } from './features.js';
import { receptiveField } from './receptive-field.js';

function describe(x: unknown): string {
  return x instanceof Tensor ? `a Tensor of shape [${x.shape.join(', ')}]` : x === null ? 'null' : typeof x;
}

function checkModel(op: string, model: unknown): nn.Module {
  if (!(model instanceof nn.Module)) throw new Error(`${op}: expected an nn.Module, got ${describe(model)}`);
  return model;
}

function checkImages(op: string, images: unknown): Tensor {
  if (!(images instanceof Tensor) || images.ndim !== 4 || !(images.dtype === 'float32' || images.dtype === 'float64')) {
    throw new Error(`${op}: images must be a float tensor [N, C, H, W], got ${describe(images)}`);
  }
  return images;
}

export interface SaliencyResult {
  /** max over channels of |d score / d pixel|, [N, H, W]. */
  saliency: Tensor;
  /** d score / d image, [N, C, H, W]. */
  gradient: Tensor;
  /** The class whose score was differentiated, per image. */
  classes: number[];
}

/**
 * Saliency maps (Simonyan et al. 2013): the gradient of each image's class score (the model's
 * output before any softmax) with respect to its pixels; the map is the largest absolute value over
 * the channels. `classes`: one class for all images, one per image, or the predicted class (default).
 * The model runs in eval mode (its modes are restored after); its parameters get no gradients.
 */
export function saliencyMap(model: nn.Module, images: Tensor, classes?: number | readonly number[]): SaliencyResult {
  const op = 'saliencyMap';
  checkModel(op, model);
  checkImages(op, images);
  const input = images.detach().requiresGrad_(true);
  const scores = withEvalMode(model, () => withFrozenParameters(model, () => (model.forward as (x: Tensor) => unknown)(input)));
  if (!(scores instanceof Tensor) || scores.ndim !== 2 || scores.shape[0] !== images.shape[0]) {
    throw new Error(`${op}: the model must return class scores [N, classes] for N = ${images.shape[0]} images, got ${describe(scores)}`);
  }
  const n = scores.shape[0]!;
  const numClasses = scores.shape[1]!;
  const chosen =
    classes === undefined
      ? [...noGrad(() => scores.argmax(1)).toTypedArray()].map(Number)
      : typeof classes === 'number'
        ? new Array<number>(n).fill(classes)
        : [...classes];
  if (chosen.length !== n || !chosen.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses)) {
    throw new Error(`${op}: classes must be one class index or ${n} of them, each in [0, ${numClasses}), got ${JSON.stringify(classes)}`);
  }
  const mask = noGrad(() => oneHot(tensor(Int32Array.from(chosen)), numClasses).to(scores.dtype));
  scores.mul(mask).sum().backward();
  const gradient = input.grad!;
  return { saliency: noGrad(() => gradient.abs().amax(1)), gradient, classes: chosen };
}

export interface Patch {
  /** Which image of the batch. */
  image: number;
  /** The unit's position in the layer's output map. */
  row: number;
  col: number;
  activation: number;
  /** The receptive field in input pixels, [top, left] inclusive to [bottom, right] exclusive (may reach past the image). */
  box: [number, number, number, number];
  /** The receptive field's pixels, [C, R, R]; parts outside the image are 0. */
  pixels: Tensor;
}

export interface TopPatchesOptions {
  /** How many patches (default 9). */
  k?: number;
  /** Images per forward pass (default 64). */
  batchSize?: number;
}

/**
 * The k image patches that most activate one unit (a channel of a layer; every position of the
 * map shares its filter): runs the images through the model up to `layer` (a module name, as
 * featureExtractor takes; a conv, pool or activation layer), finds the k largest activations of
 * `channel` over all images and positions, and crops each position's receptive field (from
 * receptiveField) from its image. Patches are sorted by activation, largest first. The model runs
 * in eval mode (its modes are restored after).
 */
export function topActivatingPatches(model: nn.Module, layer: string, channel: number, images: Tensor, options: TopPatchesOptions = {}): Patch[] {
  const op = 'topActivatingPatches';
  checkModel(op, model);
  checkImages(op, images);
  checkOptionKeys(op, options, ['k', 'batchSize']);
  const { k = 9, batchSize = 64 } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${op}: k must be an integer >= 1, got ${String(k)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${op}: batchSize must be an integer >= 1, got ${String(batchSize)}`);
  const [n, c, h, w] = images.shape as [number, number, number, number];
  const table = receptiveField(model, [h, w], { inChannels: c, allLayers: true });
  const row = table.rows.find((r) => r.name === layer);
  if (row === undefined) {
    throw new Error(`${op}: no layer '${layer}' with a 2-D output map; layers: ${table.rows.map((r) => r.name).join(', ')}`);
  }
  const channels = row.outputShape[0]!;
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new Error(`${op}: channel must be an integer in [0, ${channels}) for layer '${layer}', got ${String(channel)}`);
  }
  const extractor = featureExtractor(model, { [layer]: 'map' });
  const [mapH, mapW] = [row.outputShape[1]!, row.outputShape[2]!];
  const candidates: { image: number; position: number; activation: number }[] = [];
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const maps = withEvalMode(model, () => extractor.forward(images.narrow(0, start, size))).map!.select(1, channel).reshape([size, -1]);
      const top = maps.topk(Math.min(k, mapH * mapW), 1);
      const values = top.values.toTypedArray();
      const indices = top.indices.toTypedArray();
      const per = top.values.shape[1]!;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < per; j++) candidates.push({ image: start + i, position: Number(indices[i * per + j]), activation: values[i * per + j]! });
      }
    }
  });
  candidates.sort((a, b) => b.activation - a.activation || a.image - b.image || a.position - b.position);
  const [rfH, rfW] = row.receptiveField as [number, number];
  return candidates.slice(0, k).map(({ image, position, activation }) => {
    const r = Math.floor(position / mapW);
    const col = position % mapW;
    // Unit centres are at start + index * jump in pixel-centre coordinates (first pixel at 0.5).
    const top = Math.round(row.start[0]! + r * row.jump[0]! - rfH / 2);
    const left = Math.round(row.start[1]! + col * row.jump[1]! - rfW / 2);
    const box: [number, number, number, number] = [top, left, top + rfH, left + rfW];
    return { image, row: r, col, activation, box, pixels: crop(images.select(0, image), box) };
  });
}

/** The pixels of box from an image [C, H, W], zero outside the image. */
function crop(image: Tensor, [top, left, bottom, right]: [number, number, number, number]): Tensor {
  const [c, h, w] = image.shape as [number, number, number];
  const out = zeros([c, bottom - top, right - left], { dtype: image.dtype });
  const [y0, y1, x0, x1] = [Math.max(0, top), Math.min(h, bottom), Math.max(0, left), Math.min(w, right)];
  if (y1 <= y0 || x1 <= x0) return out;
  const inside = image.narrow(1, y0, y1 - y0).narrow(2, x0, x1 - x0);
  noGrad(() => out.narrow(1, y0 - top, y1 - y0).narrow(2, x0 - left, x1 - x0).copy_(inside));
  return out;
}

/** Scales values to [0, 1] by their own min and max (a constant tensor becomes 0.5). */
export function normalizeImage(image: Tensor): Tensor {
  return noGrad(() => {
    const lo = image.min().item();
    const hi = image.max().item();
    return hi > lo ? image.sub(lo).div(hi - lo) : image.mul(0).add(0.5);
  });
}

export interface GridOptions {
  /** Images per row (default: the ceiling of the square root of the count). */
  columns?: number;
  /** Pixels between images (default 1), filled with `background` (default 1: white). */
  padding?: number;
  background?: number;
  /** Each image is enlarged by this integer factor, pixels repeated (default 1). */
  scale?: number;
}

function gridLayout(op: string, count: number, options: GridOptions): { columns: number; rows: number; padding: number; scale: number; background: number } {
  checkOptionKeys(op, options, ['columns', 'padding', 'background', 'scale']);
  const { columns = Math.ceil(Math.sqrt(count)), padding = 1, background = 1, scale = 1 } = options;
  for (const [name, v, min] of [['columns', columns, 1], ['padding', padding, 0], ['scale', scale, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  }
  return { columns, rows: Math.ceil(count / columns), padding, scale, background };
}

function enlarge(image: Tensor, scale: number): Tensor {
  if (scale === 1) return image;
  const [c, h, w] = image.shape as [number, number, number];
  return image.reshape([c, h, 1, w, 1]).expand([c, h, scale, w, scale]).reshape([c, h * scale, w * scale]);
}

/** Tiles images [C, H, W] of one size (or a batch [N, C, H, W]) into one image [C, H', W'] for encodePng. */
export function imageGrid(images: readonly Tensor[] | Tensor, options: GridOptions = {}): Tensor {
  const list = images instanceof Tensor ? (images.ndim === 4 ? images.unbind(0) : [images]) : [...images];
  if (list.length === 0) throw new Error('imageGrid: no images');
  const first = list[0]!;
  for (const im of list) {
    if (!(im instanceof Tensor) || im.ndim !== 3 || im.shape.join() !== first.shape.join()) {
      throw new Error(`imageGrid: every image must be [C, H, W] of the first one's shape [${first.shape.join(', ')}], got ${describe(im)}`);
    }
  }
  const { columns, rows, padding, scale, background } = gridLayout('imageGrid', list.length, options);
  const [c, h, w] = first.shape as [number, number, number];
  const filler = (height: number, width: number): Tensor => ones([c, height, width], { dtype: first.dtype }).mul(background);
  const blank = filler(h * scale, w * scale);
  const lines: Tensor[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: Tensor[] = [];
    for (let col = 0; col < columns; col++) {
      if (col > 0 && padding > 0) cells.push(filler(h * scale, padding));
      const im = list[r * columns + col];
      cells.push(im === undefined ? blank : enlarge(im.detach(), scale));
    }
    if (r > 0 && padding > 0) lines.push(filler(padding, columns * w * scale + (columns - 1) * padding));
    lines.push(cat(cells, 2));
  }
  return cat(lines, 1);
}

/**
 * First-layer filters as one image: the weight [out, in, kH, kW] of a Conv2d (or the layer itself),
 * each filter scaled to [0, 1] by its own min and max, shown in colour when in = 3 and as gray
 * otherwise (the input channels side by side), tiled by imageGrid (default scale 4).
 */
export function filterGrid(weight: Tensor | nn.Conv2d, options: GridOptions = {}): Tensor {
  const w = weight instanceof nn.Conv2d ? weight.weight : weight;
  if (!(w instanceof Tensor) || w.ndim !== 4) throw new Error(`filterGrid: expected a Conv2d or its weight [out, in, kH, kW], got ${describe(weight)}`);
  const [, inChannels, kh, kw] = w.shape as [number, number, number, number];
  const filters = noGrad(() =>
    w.unbind(0).map((f) => {
      const scaled = normalizeImage(f);
      return inChannels === 3 ? scaled : scaled.reshape([inChannels, 1, kh, kw]).permute([1, 2, 0, 3]).reshape([1, kh, inChannels * kw]);
    }),
  );
  return imageGrid(filters, { scale: 4, ...options });
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export interface SvgGridOptions {
  columns?: number;
  /** Each image is drawn this many times larger (default 1; pixels stay sharp). */
  scale?: number;
  /** A caption under each image. */
  labels?: readonly string[];
  title?: string;
}

/**
 * An SVG page showing images ([C, H, W] or [1, C, H, W], values in [0, 1]; sizes may differ) in a
 * grid, each embedded as a PNG data URI, with optional captions and a title.
 */
export function svgImageGrid(images: readonly Tensor[], options: SvgGridOptions = {}): string {
  if (!Array.isArray(images) || images.length === 0) throw new Error('svgImageGrid: expected a non-empty array of images');
  checkOptionKeys('svgImageGrid', options, ['columns', 'scale', 'labels', 'title']);
  const { columns = Math.ceil(Math.sqrt(images.length)), scale = 1, labels, title } = options;
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`svgImageGrid: columns must be an integer >= 1, got ${String(columns)}`);
  if (!(scale > 0)) throw new Error(`svgImageGrid: scale must be > 0, got ${String(scale)}`);
  if (labels !== undefined && labels.length !== images.length) throw new Error(`svgImageGrid: ${labels.length} labels for ${images.length} images`);
  const sizes = images.map((im) => {
    const png = data.encodePng(im);
    return { png, h: im.shape[im.ndim - 2]! * scale, w: im.shape[im.ndim - 1]! * scale };
  });
  const cellW = Math.max(...sizes.map((s) => s.w)) + 8;
  const caption = labels === undefined ? 0 : 14;
  const cellH = Math.max(...sizes.map((s) => s.h)) + 8 + caption;
  const top = title === undefined ? 0 : 22;
  const rows = Math.ceil(images.length / columns);
  const width = columns * cellW;
  const height = top + rows * cellH;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`, `<rect width="${width}" height="${height}" fill="white"/>`];
  if (title !== undefined) parts.push(`<text x="${width / 2}" y="16" text-anchor="middle" font-family="sans-serif" font-size="14">${escapeXml(title)}</text>`);
  sizes.forEach((s, i) => {
    const x = (i % columns) * cellW + 4;
    const y = top + Math.floor(i / columns) * cellH + 4;
    parts.push(`<image x="${x}" y="${y}" width="${s.w}" height="${s.h}" style="image-rendering:pixelated" href="data:image/png;base64,${base64(s.png)}"/>`);
    if (labels !== undefined) parts.push(`<text x="${x + s.w / 2}" y="${y + s.h + 12}" text-anchor="middle" font-family="sans-serif" font-size="10">${escapeXml(labels[i]!)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
