/**
 * A small zip reader and writer for the containers torch.save writes (browser-safe).
 *
 * Reading: zip files are untrusted input, so every offset, size and count in the end-of-central-
 * directory record (zip64 too), the central directory and each local header is checked against
 * the file before a byte is read; entries are stored or deflated, and each one's CRC-32 is
 * verified when it is extracted (as torch's reader does). Writing: stored entries whose data start
 * on 64-byte boundaries (torch pads the local header's extra field the same way, so storages can
 * be memory-mapped), with CRC-32s, no zip64 (archives up to 4 GiB).
 */
import { inflateSync } from 'fflate';
import { crc32 } from '../util/crc32.js';

/** One entry of the central directory, validated against the file. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Byte offset of the entry's (compressed) data in the file. */
  dataStart: number;
}

export interface ZipArchive {
  entries: Map<string, ZipEntry>;
  /** An entry's uncompressed bytes (a view into the file for stored entries), CRC-checked. */
  read(entry: ZipEntry): Uint8Array;
}

type Fail = (why: string) => never;

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const END_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
/** Deflated entries may expand at most this much (deflate's own limit is about 1032:1). */
const MAX_INFLATE_RATIO = 1100;

export { crc32 };

function readU64(view: DataView, at: number, what: string, fail: Fail): number {
  const value = view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
  if (!Number.isSafeInteger(value)) fail(`the zip's ${what} (${value}) is too large`);
  return value;
}

/** The end-of-central-directory values, from the classic record or its zip64 counterpart. */
function findCentralDirectory(bytes: Uint8Array, view: DataView, fail: Fail): { count: number; offset: number; size: number; end: number } {
  const lowest = Math.max(0, bytes.length - END_SIZE - 0xffff);
  let end = -1;
  for (let at = bytes.length - END_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === SIG_END && at + END_SIZE + view.getUint16(at + 20, true) === bytes.length) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no zip end-of-central-directory record found; the file is truncated or not a zip archive');
  let count = view.getUint16(end + 10, true);
  let size = view.getUint32(end + 12, true);
  let offset = view.getUint32(end + 16, true);
  let directoryEnd = end;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== SIG_LOCATOR64) fail('the zip needs a zip64 end record but has no zip64 locator');
    const end64 = readU64(view, locator + 8, 'zip64 end record offset', fail);
    if (end64 + 56 > locator || view.getUint32(end64, true) !== SIG_END64) fail(`the zip64 end record offset ${end64} does not point at a zip64 end record`);
    count = readU64(view, end64 + 32, 'entry count', fail);
    size = readU64(view, end64 + 40, 'central directory size', fail);
    offset = readU64(view, end64 + 48, 'central directory offset', fail);
    directoryEnd = end64;
  }
  if (offset + size > directoryEnd) {
    fail(`the central directory [${offset}, ${offset + size}) runs past its end record at ${directoryEnd}; the file is truncated or corrupt`);
  }
  if (count * CENTRAL_SIZE > size) fail(`the zip claims ${count} entries but its central directory has only ${size} bytes`);
  return { count, offset, size, end: directoryEnd };
}

/** Replaces 0xffffffff sizes/offsets by the values of the zip64 extra field (id 1). */
function applyZip64Extra(
  view: DataView,
  extraStart: number,
  extraEnd: number,
  values: { size: number; compressedSize: number; localOffset: number },
  fail: Fail,
): void {
  let at = extraStart;
  while (at + 4 <= extraEnd) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    const next = at + 4 + length;
    if (next > extraEnd) fail('a central directory extra field runs past its entry');
    if (id === 1) {
      let field = at + 4;
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (values[key] !== 0xffffffff) continue;
        if (field + 8 > next) fail('a zip64 extra field is too short for the values it must hold');
        values[key] = readU64(view, field, `zip64 ${key}`, fail);
        field += 8;
      }
      return;
    }
    at = next;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and validates a zip archive's directory; `fail` prefixes errors with the caller's format. */
export function readZip(bytes: Uint8Array, fail: Fail): ZipArchive {
  if (bytes.length < END_SIZE) fail(`the file has ${bytes.length} bytes, too few for a zip archive`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const directory = findCentralDirectory(bytes, view, fail);
  const entries = new Map<string, ZipEntry>();
  const directoryEnd = directory.offset + directory.size;
  let at = directory.offset;
  for (let i = 0; i < directory.count; i++) {
    if (at + CENTRAL_SIZE > directoryEnd || view.getUint32(at, true) !== SIG_CENTRAL) fail(`zip central directory entry ${i} at byte ${at} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > directoryEnd) fail(`zip central directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength));
    } catch {
      fail(`zip entry ${i} has a name that is not valid UTF-8`);
    }
    const values = { size: view.getUint32(at + 24, true), compressedSize: view.getUint32(at + 20, true), localOffset: view.getUint32(at + 42, true) };
    applyZip64Extra(view, at + CENTRAL_SIZE + nameLength, at + CENTRAL_SIZE + nameLength + extraLength, values, fail);
    if (flags & 1) fail(`zip entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8) fail(`zip entry '${name}' uses compression method ${method}; only stored (0) and deflated (8) entries are supported`);
    if (method === 0 && values.size !== values.compressedSize) {
      fail(`zip entry '${name}' is stored but its sizes differ (${values.compressedSize} vs ${values.size})`);
    }
    if (method === 8 && values.size > values.compressedSize * MAX_INFLATE_RATIO + 1024) {
      fail(`zip entry '${name}' claims to inflate ${values.compressedSize} bytes to ${values.size}, more than deflate can`);
    }
    const local = values.localOffset;
    if (local + LOCAL_SIZE > directory.offset || view.getUint32(local, true) !== SIG_LOCAL) {
      fail(`zip entry '${name}' points at byte ${local}, where there is no local file header`);
    }
    const dataStart = local + LOCAL_SIZE + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + values.compressedSize > directory.offset) {
      fail(`zip entry '${name}' data [${dataStart}, ${dataStart + values.compressedSize}) runs past the entries into the central directory; the file is truncated or corrupt`);
    }
    if (entries.has(name)) fail(`the zip holds two entries named '${name}'`);
    entries.set(name, { name, method, crc32: view.getUint32(at + 16, true), compressedSize: values.compressedSize, size: values.size, dataStart });
    at = next;
  }
  return {
    entries,
    read(entry: ZipEntry): Uint8Array {
      const raw = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
      let data = raw;
      if (entry.method === 8) {
        try {
          data = inflateSync(raw, { out: new Uint8Array(entry.size) });
        } catch (e) {
          fail(`zip entry '${entry.name}' does not inflate (${(e as Error).message})`);
        }
        if (data.length !== entry.size) fail(`zip entry '${entry.name}' inflates to ${data.length} bytes, not the ${entry.size} its header says`);
      }
      if (crc32(data) !== entry.crc32) fail(`zip entry '${entry.name}' fails its CRC-32 check; the file is corrupt`);
      return data;
    },
  };
}

/** Data offsets are multiples of this, as in torch's writer. */
const ALIGNMENT = 64;

/** Writes a zip of stored entries, each one's data 64-byte aligned; names are UTF-8. */
export function writeZip(files: readonly { name: string; data: Uint8Array }[], fail: Fail): Uint8Array {
  const encoder = new TextEncoder();
  const names = files.map((f) => encoder.encode(f.name));
  const layout: { local: number; extra: number; crc: number }[] = [];
  let position = 0;
  files.forEach((file, i) => {
    const headerEnd = position + LOCAL_SIZE + names[i]!.length;
    // An extra field needs at least its 4-byte tag; pad up to the next aligned offset after that.
    const extra = headerEnd % ALIGNMENT === 0 ? 0 : ((ALIGNMENT - ((headerEnd + 4) % ALIGNMENT)) % ALIGNMENT) + 4;
    layout.push({ local: position, extra, crc: crc32(file.data) });
    position = headerEnd + extra + file.data.length;
  });
  const directoryStart = position;
  const directorySize = names.reduce((s, n) => s + CENTRAL_SIZE + n.length, 0);
  const total = directoryStart + directorySize + END_SIZE;
  if (total > 0xffffffff || files.length > 0xffff) fail(`the archive would have ${total} bytes in ${files.length} entries; over 4 GiB or 65535 entries is not supported`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const common = (at: number, i: number): void => {
    view.setUint16(at, 20, true); // version needed: 2.0
    view.setUint16(at + 2, 0x0800, true); // UTF-8 names
    view.setUint16(at + 4, 0, true); // stored
    view.setUint32(at + 6, 0, true); // time, date
    view.setUint32(at + 10, layout[i]!.crc, true);
    view.setUint32(at + 14, files[i]!.data.length, true);
    view.setUint32(at + 18, files[i]!.data.length, true);
    view.setUint16(at + 22, names[i]!.length, true);
  };
  files.forEach((file, i) => {
    const { local, extra } = layout[i]!;
    view.setUint32(local, SIG_LOCAL, true);
    common(local + 4, i);
    view.setUint16(local + 28, extra, true);
    out.set(names[i]!, local + LOCAL_SIZE);
    if (extra > 0) {
      const tag = local + LOCAL_SIZE + names[i]!.length;
      view.setUint16(tag, 0x4246, true); // 'FB', the id torch uses for its padding field
      view.setUint16(tag + 2, extra - 4, true);
    }
    out.set(file.data, local + LOCAL_SIZE + names[i]!.length + extra);
  });
  let at = directoryStart;
  files.forEach((_, i) => {
    view.setUint32(at, SIG_CENTRAL, true);
    view.setUint16(at + 4, 20, true); // made by: 2.0
    common(at + 6, i);
    view.setUint32(at + 42, layout[i]!.local, true);
    out.set(names[i]!, at + CENTRAL_SIZE);
    at += CENTRAL_SIZE + names[i]!.length;
  });
  view.setUint32(at, SIG_END, true);
  view.setUint16(at + 8, files.length, true);
  view.setUint16(at + 10, files.length, true);
  view.setUint32(at + 12, directorySize, true);
  view.setUint32(at + 16, directoryStart, true);
  return out;
}
