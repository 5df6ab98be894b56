/**
 * CSV tables: a header row, numeric feature columns and one label column, parsed into a float
 * feature matrix and a label vector. Quoted fields (RFC 4180) and CRLF line ends are handled.
 * The text is scanned by offsets: a row's cells become short-lived strings only while the row is
 * converted, so memory stays near the text plus the output (no array of every cell's string).
 */
import { Tensor } from '../tensor/tensor.js';
import { quoteShort } from '../util/untrusted.js';
import { checkOptionKeys } from '../ops/args.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

function checkDelimiter(delimiter: unknown): number {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`parseCsv: delimiter must be one character other than a quote or newline, got ${typeof delimiter === 'string' ? quoteShort(delimiter) : typeof delimiter}`);
  }
  return delimiter.charCodeAt(0);
}

/**
 * Walks CSV text: onField(start, end, quoted) for each field (for a quoted field, the characters
 * between the quotes, "" escapes still doubled), onRecord() at the end of each record.
 */
function scanCsv(text: string, delimiter: number, onField: (start: number, end: number, quoted: boolean) => void, onRecord: () => void): void {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // skip a byte-order mark
  let line = 1;
  for (;;) {
    if (i < n && text.charCodeAt(i) === QUOTE) {
      const openedOn = line;
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new Error(`parseCsv: a quoted field opened on line ${openedOn} is never closed`);
        const c = text.charCodeAt(j);
        if (c === QUOTE) {
          if (text.charCodeAt(j + 1) !== QUOTE) break;
          j++;
        } else if (c === LF) line++;
        j++;
      }
      onField(i + 1, j, true);
      i = j + 1;
      // Spaces or tabs may follow the closing quote (as Python's csv module allows); nothing else.
      while (i < n && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) && text.charCodeAt(i) !== delimiter) i++;
      if (i < n) {
        const c = text.charCodeAt(i);
        if (c !== delimiter && c !== LF && c !== CR) {
          throw new Error(`parseCsv: line ${line}: ${quoteShort(text.slice(i, i + 20))} follows a closing quote; a quoted field must end at the delimiter or the line end`);
        }
      }
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === delimiter || c === LF || c === CR) break;
        j++;
      }
      onField(i, j, false);
      i = j;
    }
    if (i >= n) {
      onRecord();
      return;
    }
    if (text.charCodeAt(i) === delimiter) {
      i++;
      continue;
    }
    if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i++;
    i++;
    line++;
    onRecord();
  }
}

/**
 * Calls onRow(fieldCount, value) for every non-blank record, where value(k) is the k-th field's
 * text; the strings exist only while onRow runs.
 */
function forEachRow(text: string, delimiter: number, onRow: (count: number, value: (k: number) => string) => void): void {
  const starts: number[] = [];
  const ends: number[] = [];
  const quoted: boolean[] = [];
  let count = 0;
  const value = (k: number): string => {
    const raw = text.slice(starts[k]!, ends[k]!);
    return quoted[k] ? raw.replaceAll('""', '"') : raw;
  };
  scanCsv(
    text,
    delimiter,
    (start, end, isQuoted) => {
      starts[count] = start;
      ends[count] = end;
      quoted[count] = isQuoted;
      count++;
    },
    () => {
      // A blank line is no record.
      if (!(count === 1 && starts[0] === ends[0])) onRow(count, value);
      count = 0;
    },
  );
}

/** Splits CSV text into rows of fields; quoted fields may hold the delimiter, quotes ("") and newlines. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const code = checkDelimiter(delimiter);
  const rows: string[][] = [];
  forEachRow(text, code, (count, value) => rows.push(Array.from({ length: count }, (_, k) => value(k))));
  return rows;
}

export interface CsvOptions {
  /** The first row names the columns (default true). */
  header?: boolean;
  /**
   * The label column: a header name, an index (negative counts from the end), or null for no
   * labels. Default: the last column.
   */
  labelColumn?: string | number | null;
  delimiter?: string;
  /** Feature dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /**
   * How labels are read. 'number': every label is a number (integers give int32 labels as they
   * are, fractions float32). 'class': every label is a class name, indexed in sorted order (names
   * that are numbers first, in numeric order). 'auto' (default): 'number' when most labels are
   * numbers, else 'class'; so one stray cell in a numeric column is an error, not a renumbering.
   */
  labelType?: 'auto' | 'number' | 'class';
  /**
   * The label given to rows whose label cell is empty or "nan" (e.g. -100, crossEntropy's default
   * ignoreIndex). Without it a missing label is an error naming its row and column.
   */
  missingLabel?: number;
}

export interface CsvTable {
  /** [rows, features] floats. */
  features: Tensor;
  /** [rows]: int32 for integer labels and class indices, float32 for fractional (regression) labels; null with labelColumn null. */
  labels: Tensor | null;
  /** Names of the feature columns (from the header, or "column 0", ...). */
  featureNames: string[];
  /** For class labels: the class names in index order. For numeric labels: null. */
  classNames: string[] | null;
}

const CSV_OPTIONS = ['header', 'labelColumn', 'delimiter', 'dtype', 'labelType', 'missingLabel'];
const FLOAT32_MAX = 3.4028234663852886e38;

/** A cell that stands for a missing value: empty or "nan" (any case), as pandas reads them. */
function isMissing(raw: string): boolean {
  return raw === '' || (raw.length === 3 && raw.toLowerCase() === 'nan');
}

/** Numbers first in numeric order, then other names in code-unit order. */
function compareClassNames(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  const xNumber = Number.isFinite(x);
  const yNumber = Number.isFinite(y);
  if (xNumber && yNumber && x !== y) return x - y;
  if (xNumber !== yNumber) return xNumber ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkCsvOptions(options: CsvOptions): void {
  checkOptionKeys('parseCsv', options, CSV_OPTIONS);
  const { labelType, missingLabel, dtype, header } = options;
  if (labelType !== undefined && labelType !== 'auto' && labelType !== 'number' && labelType !== 'class') {
    throw new Error(`parseCsv: labelType must be 'auto', 'number' or 'class', got ${typeof labelType === 'string' ? quoteShort(labelType) : typeof labelType}`);
  }
  if (missingLabel !== undefined && typeof missingLabel !== 'number') throw new Error(`parseCsv: missingLabel must be a number, got ${typeof missingLabel}`);
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') throw new Error(`parseCsv: dtype must be 'float32' or 'float64', got ${String(dtype).slice(0, 20)}`);
  if (header !== undefined && typeof header !== 'boolean') throw new Error(`parseCsv: header must be true or false, got ${typeof header}`);
}

/** Parses a CSV table of numeric features and a label column (numbers or class names). */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== 'string') throw new Error(`parseCsv: expected the CSV text as a string, got ${text === null ? 'null' : typeof text}`);
  checkCsvOptions(options);
  const delimiter = checkDelimiter(options.delimiter ?? ',');
  const hasHeader = options.header ?? true;
  // Pass 1: count the records and read the first (the header, or the width of the data).
  let records = 0;
  let first: string[] = [];
  forEachRow(text, delimiter, (count, value) => {
    if (records++ === 0) first = Array.from({ length: count }, (_, k) => value(k));
  });
  const rowCount = hasHeader ? records - 1 : records;
  if (rowCount <= 0) throw new Error('parseCsv: the CSV has no data rows');
  const width = first.length;
  const names = hasHeader ? first.map((s) => s.trim()) : Array.from({ length: width }, (_, i) => `column ${i}`);
  const labelIndex = findLabelColumn(options.labelColumn, names, hasHeader);
  const featureColumns = names.map((_, i) => i).filter((i) => i !== labelIndex);
  const featureCount = featureColumns.length;
  const dtype = options.dtype ?? 'float32';
  const features = dtype === 'float64' ? new Float64Array(rowCount * featureCount) : new Float32Array(rowCount * featureCount);
  const labelCells: string[] = [];
  const firstLine = hasHeader ? 2 : 1;
  const where = (row: number, column: number): string => `parseCsv: row ${row + firstLine}, column ${quoteShort(names[column]!)}`;
  // Pass 2: convert each record as it is scanned.
  let record = 0;
  forEachRow(text, delimiter, (count, value) => {
    if (hasHeader && record++ === 0) return;
    const row = hasHeader ? record - 2 : record++;
    if (count !== width) throw new Error(`parseCsv: row ${row + firstLine} has ${count} fields but the ${hasHeader ? 'header' : 'first row'} has ${width}`);
    for (let j = 0; j < featureCount; j++) {
      const column = featureColumns[j]!;
      const cell = value(column);
      const raw = cell.trim();
      const v = isMissing(raw) ? NaN : Number(raw);
      if (Number.isNaN(v) && !isMissing(raw)) throw new Error(`${where(row, column)}: ${quoteShort(cell)} is not a number`);
      if (dtype === 'float32' && Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX) {
        throw new Error(`${where(row, column)}: ${quoteShort(raw)} is beyond the float32 range; pass dtype: 'float64'`);
      }
      features[row * featureCount + j] = v;
    }
    if (labelIndex >= 0) labelCells.push(value(labelIndex).trim());
  });
  const { labels, classNames } = labelIndex >= 0 ? readLabels(labelCells, options, (row) => where(row, labelIndex)) : { labels: null, classNames: null };
  return {
    features: Tensor.fromData(features, [rowCount, featureCount], dtype),
    labels,
    featureNames: featureColumns.map((c) => names[c]!),
    classNames,
  };
}

function findLabelColumn(spec: CsvOptions['labelColumn'], names: readonly string[], hasHeader: boolean): number {
  const labelSpec = spec === undefined ? -1 : spec;
  if (labelSpec === null) return -1;
  const width = names.length;
  if (typeof labelSpec === 'string') {
    if (!hasHeader) throw new Error(`parseCsv: labelColumn ${quoteShort(labelSpec)} is a name, but the CSV has no header; give an index`);
    const index = names.indexOf(labelSpec);
    if (index < 0) {
      const listed = names.slice(0, 20).map((n) => quoteShort(n, 40)).join(', ');
      throw new Error(`parseCsv: no column named ${quoteShort(labelSpec)}; columns are ${listed}${width > 20 ? `, ... (${width} in all)` : ''}`);
    }
    return index;
  }
  if (typeof labelSpec !== 'number') throw new Error(`parseCsv: labelColumn must be a column name, an index or null, got ${typeof labelSpec}`);
  const index = labelSpec < 0 ? width + labelSpec : labelSpec;
  if (!Number.isInteger(labelSpec) || index < 0 || index >= width) throw new Error(`parseCsv: labelColumn ${labelSpec} is out of range for ${width} columns`);
  return index;
}

/** The label column's cells as numbers or class indices (see CsvOptions.labelType). */
function readLabels(cells: readonly string[], options: CsvOptions, where: (row: number) => string): { labels: Tensor; classNames: string[] | null } {
  const { missingLabel } = options;
  let present = 0;
  let numbers = 0;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    present++;
    if (Number.isFinite(Number(cell))) numbers++;
  }
  const labelType = options.labelType ?? 'auto';
  const numeric = labelType === 'number' || (labelType === 'auto' && numbers * 2 > present);
  const missing = (row: number): number => {
    if (missingLabel === undefined) {
      throw new Error(`${where(row)}: the label is missing; pass missingLabel (e.g. -100, crossEntropy's ignoreIndex) to give such rows a label`);
    }
    return missingLabel;
  };
  if (!numeric) {
    const classNames = [...new Set(cells.filter((c) => !isMissing(c)))].sort(compareClassNames);
    const index = new Map(classNames.map((c, i) => [c, i]));
    const values = cells.map((c, row) => (isMissing(c) ? missing(row) : index.get(c)!));
    if (!values.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) {
      throw new Error(`parseCsv: missingLabel must be an int32 integer for class labels, got ${missingLabel}`);
    }
    return { labels: Tensor.fromData(Int32Array.from(values), [cells.length], 'int32'), classNames };
  }
  const values = cells.map((cell, row) => {
    if (isMissing(cell)) return missing(row);
    const v = Number(cell);
    if (!Number.isFinite(v)) {
      const share = labelType === 'auto' ? ` (${numbers} of ${present} labels are numbers)` : '';
      throw new Error(
        `${where(row)}: ${quoteShort(cell)} is not a number, but the label column is numeric${share}; fix the cell, ` +
          "leave it empty and pass missingLabel, or pass labelType: 'class' to read every label as a class name",
      );
    }
    return v;
  });
  if (values.every(Number.isInteger)) {
    values.forEach((v, row) => {
      if (v < -2147483648 || v > 2147483647) {
        throw new Error(
          `${where(row)}: the label ${quoteShort(cells[row]!)} is outside the int32 range integer labels are stored in; ` +
            "pass labelType: 'class' to read the labels as class names",
        );
      }
    });
    return { labels: Tensor.fromData(Int32Array.from(values), [values.length], 'int32'), classNames: null };
  }
  values.forEach((v, row) => {
    if (Math.abs(v) > FLOAT32_MAX) throw new Error(`${where(row)}: the label ${quoteShort(cells[row]!)} is beyond the float32 range of fractional labels`);
  });
  return { labels: Tensor.fromData(Float32Array.from(values), [values.length], 'float32'), classNames: null };
}
