"""Writes tiny PNGs of every colour type and bit depth PNG allows, interlaced (Adam7) and not,
with every row filter, plus the pixel values they hold -> test/fixtures/png/ (*.png, expected.json),
and two tiny JPEGs (progressive, 4:2:0 and gray) for the fuzz tests -> test/fixtures/jpeg/.

The encoder is written here with zlib and struct, from the specification, so the expected values
are the pixels it was given; Pillow then reads every file back as an independent check.
Run: /usr/bin/python3 scripts/gen_png_fixtures.py
"""
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

from fixture_util import FIX

OUT = os.path.join(FIX, 'png')
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
DEPTHS = {0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    body = kind + data
    return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(values, depth):
    """One row of samples (a flat int array) as bytes, big-endian, packed below 8 bits."""
    if depth == 16:
        return b''.join(struct.pack('>H', int(v)) for v in values)
    if depth == 8:
        return bytes(int(v) for v in values)
    per = 8 // depth
    out = bytearray()
    for i in range(0, len(values), per):
        byte = 0
        for k in range(per):
            v = int(values[i + k]) if i + k < len(values) else 0
            byte |= v << (8 - depth * (k + 1))
        out.append(byte)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_rows(rows, bpp, first_filter):
    """Applies filter type (first_filter + y) % 5 to row y."""
    out = bytearray()
    prior = bytes(len(rows[0])) if rows else b''
    for y, row in enumerate(rows):
        kind = (first_filter + y) % 5
        filtered = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            filtered.append((x - pred) & 0xFF)
        out.append(kind)
        out += filtered
        prior = row
    return bytes(out)


def encode(samples, colour_type, depth, interlaced, palette=None, trns=None, plte_hint=None, first_filter=0):
    h, w, c = samples.shape
    bpp = max(1, depth * c // 8)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = b''
    for p, (x0, y0, dx, dy) in enumerate(passes):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row(sub[y].reshape(-1), depth) for y in range(sub.shape[0])]
        raw += filter_rows(rows, bpp, first_filter + p)
    png = b'\x89PNG\r\n\x1a\n'
    png += chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, colour_type, 0, 0, 1 if interlaced else 0))
    png += chunk(b'tEXt', b'Comment\x00nabla fixture')
    if palette is not None:
        png += chunk(b'PLTE', bytes(palette.reshape(-1).astype(np.uint8)))
    if plte_hint is not None:
        png += chunk(b'PLTE', bytes(plte_hint))  # a suggested palette: allowed for colour types 2 and 6
    if trns is not None:
        png += chunk(b'tRNS', trns)
    data = zlib.compress(raw, 9)
    # Several IDAT chunks: the stream continues across them.
    third = max(1, len(data) // 3)
    for i in range(0, len(data), third):
        png += chunk(b'IDAT', data[i:i + third])
    png += chunk(b'IEND', b'')
    return png


def pillow_check(path, expected, max_value):
    """Pillow's pixels for the file agree with ours (scaled to 8 bits where Pillow reduces)."""
    im = Image.open(path)
    mine = np.array(expected, dtype=np.float64)
    if im.mode == 'P':
        im = im.convert('RGBA' if mine.shape[2] == 4 else 'RGB')
    theirs = np.asarray(im).astype(np.float64)
    if theirs.ndim == 2:
        theirs = theirs[:, :, None]
    if theirs.shape[2] != mine.shape[2]:
        return f'skipped (Pillow mode {im.mode})'
    if im.mode == '1':
        theirs = theirs * 255
    their_max = {'I;16': 65535, 'I;16B': 65535, 'I': 65535}.get(im.mode, 255)
    if im.mode == 'L' and max_value in (3, 15):
        their_max = max_value if theirs.max() <= max_value else 255
    diff = np.abs(theirs / their_max - mine / max_value).max()
    assert diff < 1 / 255 + 1e-9, f'{path}: Pillow differs by {diff}'
    return f'Pillow agrees ({im.mode})'


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(18)
    expected = {}

    def add(name, png, pixels, max_value):
        path = os.path.join(OUT, name + '.png')
        with open(path, 'wb') as f:
            f.write(png)
        h, w, c = pixels.shape
        expected[name] = {'width': w, 'height': h, 'channels': c, 'maxValue': max_value,
                          'samples': [int(v) for v in pixels.reshape(-1)]}
        print(name, len(png), 'bytes,', pillow_check(path, pixels, max_value))

    for colour_type, depths in DEPTHS.items():
        for depth in depths:
            for interlaced in (False, True):
                w, h = 11, 7
                name = f'ct{colour_type}-d{depth}' + ('-adam7' if interlaced else '')
                if colour_type == 3:
                    entries = min(2 ** depth, 37)
                    palette = rng.integers(0, 256, size=(entries, 3))
                    index = rng.integers(0, entries, size=(h, w, 1))
                    alpha = bytes(rng.integers(0, 256, size=max(1, entries // 2)))  # shorter than PLTE: the rest is opaque
                    png = encode(index, 3, depth, interlaced, palette=palette, trns=alpha)
                    full_alpha = np.array(list(alpha) + [255] * (entries - len(alpha)), dtype=np.int64)
                    pixels = np.concatenate([palette[index[:, :, 0]], full_alpha[index[:, :, 0]][:, :, None]], axis=2)
                    add(name, png, pixels, 255)
                    continue
                top = 2 ** depth - 1
                pixels = rng.integers(0, top + 1, size=(h, w, CHANNELS[colour_type]))
                pixels[0, 0, :] = top
                pixels[0, 1, :] = 0
                hint = bytes(rng.integers(0, 256, size=3 * 4)) if colour_type in (2, 6) else None
                png = encode(pixels, colour_type, depth, interlaced, plte_hint=hint, first_filter=depth % 5)
                add(name, png, pixels, top)
    # Edge sizes: a 1x1 image and a 3x2 interlaced one (Adam7 passes with no pixels).
    for w, h in ((1, 1), (3, 2), (9, 1)):
        pixels = rng.integers(0, 256, size=(h, w, 3))
        add(f'rgb-{w}x{h}-adam7', encode(pixels, 2, 8, True), pixels, 255)
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')
    jpeg_dir = os.path.join(FIX, 'jpeg')
    os.makedirs(jpeg_dir, exist_ok=True)
    yy, xx = np.mgrid[0:12, 0:20]
    colour = np.stack([xx * 12, yy * 20, (xx + yy) * 8], axis=2).astype(np.uint8)
    Image.fromarray(colour).save(os.path.join(jpeg_dir, 'progressive.jpg'), quality=60, progressive=True, subsampling=2)
    Image.fromarray(colour[:, :, 0]).save(os.path.join(jpeg_dir, 'gray.jpg'), quality=60)


if __name__ == '__main__':
    main()
