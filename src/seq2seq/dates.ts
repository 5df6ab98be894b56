/**
 * The course's date-translation data: human-readable dates in many formats ("3 may 1979",
 * "tuesday may 3 1979", "05/03/79", ...) paired with their ISO form "1979-05-03", drawn by a seeded
 * generator over real calendar dates from 1950-01-01 to 2049-12-31. Slashed dates are American
 * (month first), dotted ones European (day first); two-digit years 50-99 are 19xx, 00-49 20xx.
 * Text is lower case, as the course's preprocessing leaves it.
 */
import { checkOptionKeys } from '../ops/args.js';
import { Generator } from '../tensor/random.js';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const FIRST_DAY = Date.UTC(1950, 0, 1);
const DAYS = Math.round((Date.UTC(2050, 0, 1) - FIRST_DAY) / 86400000);

interface Parts {
  year: number;
  month: number; // 1-12
  day: number;
  weekday: number; // 0 = sunday
}

const two = (n: number): string => String(n).padStart(2, '0');
const yy = (p: Parts): string => two(p.year % 100);
const mon = (p: Parts): string => MONTHS[p.month - 1]!.slice(0, 3);
const month = (p: Parts): string => MONTHS[p.month - 1]!;
const wday = (p: Parts): string => WEEKDAYS[p.weekday]!;

/** The formats, each one function of a date's parts. */
export const DATE_FORMATS: readonly ((p: Parts) => string)[] = [
  (p) => `${p.day} ${month(p)} ${p.year}`, // 3 may 1979
  (p) => `${p.day} ${mon(p)} ${p.year}`, // 3 may 1979 (abbreviated month)
  (p) => `${two(p.day)} ${mon(p)} ${p.year}`, // 03 may 1979
  (p) => `${p.day} ${mon(p)}, ${p.year}`, // 3 may, 1979
  (p) => `${p.day} ${month(p)}, ${p.year}`,
  (p) => `${two(p.day)}, ${mon(p)} ${p.year}`,
  (p) => `${month(p)} ${p.day} ${p.year}`, // may 3 1979
  (p) => `${month(p)} ${p.day}, ${p.year}`, // may 3, 1979
  (p) => `${mon(p)} ${p.day}, ${p.year}`,
  (p) => `${wday(p)} ${month(p)} ${p.day} ${p.year}`, // thursday may 3 1979
  (p) => `${wday(p)}, ${month(p)} ${p.day}, ${p.year}`, // thursday, may 3, 1979
  (p) => `${wday(p)} ${p.day} ${month(p)} ${p.year}`, // thursday 3 may 1979
  (p) => `${p.month}/${p.day}/${yy(p)}`, // 5/3/79
  (p) => `${two(p.month)}/${two(p.day)}/${yy(p)}`, // 05/03/79
  (p) => `${two(p.month)}/${two(p.day)}/${p.year}`, // 05/03/1979
  (p) => `${two(p.day)}.${two(p.month)}.${yy(p)}`, // 03.05.79
  (p) => `${p.day} ${two(p.month)} ${yy(p)}`, // 3 05 79
  (p) => `${p.year}-${two(p.month)}-${two(p.day)}`, // already ISO
];

/** A pair of the date-translation task. */
export interface DatePair {
  human: string;
  machine: string;
}

/** The ISO form "YYYY-MM-DD" and the human form of day `index` after 1950-01-01 in format `format`. */
export function formatDate(index: number, format: number): DatePair {
  if (!Number.isInteger(index) || index < 0 || index >= DAYS) throw new Error(`formatDate: day index must be an integer in [0, ${DAYS}), got ${index}`);
  if (!Number.isInteger(format) || format < 0 || format >= DATE_FORMATS.length) {
    throw new Error(`formatDate: format must be an integer in [0, ${DATE_FORMATS.length}), got ${format}`);
  }
  const d = new Date(FIRST_DAY + index * 86400000);
  const p: Parts = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
  return { human: DATE_FORMATS[format]!(p), machine: `${p.year}-${two(p.month)}-${two(p.day)}` };
}

export interface HumanDatesOptions {
  /** Seed of the generator (default 0). */
  seed?: number;
  /** Dates to leave out (ISO strings), e.g. the training set's when drawing a held-out set. */
  exclude?: ReadonlySet<string>;
}

/** `count` random pairs: a uniformly drawn calendar date in a uniformly drawn format. */
export function humanDates(count: number, options: HumanDatesOptions = {}): DatePair[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`humanDates: count must be a non-negative integer, got ${count}`);
  checkOptionKeys('humanDates', options, ['seed', 'exclude']);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`humanDates: seed must be a non-negative integer, got ${seed}`);
  const exclude = options.exclude ?? new Set<string>();
  if (exclude.size >= DAYS) throw new Error('humanDates: every date is excluded');
  const gen = new Generator(seed);
  const out: DatePair[] = [];
  while (out.length < count) {
    const pair = formatDate(Math.floor(gen.nextDouble() * DAYS), Math.floor(gen.nextDouble() * DATE_FORMATS.length));
    if (!exclude.has(pair.machine)) out.push(pair);
  }
  return out;
}
