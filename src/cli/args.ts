/** A small argument parser for the CLI: positional words and --name value / --flag options. */

export interface ParsedArgs {
  positional: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) {
        options.set(arg.slice(2, eq), arg.slice(eq + 1));
      } else {
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) {
          options.set(arg.slice(2), next);
          i++;
        } else {
          options.set(arg.slice(2), true);
        }
      }
    } else {
      positional.push(arg);
    }
  }
  return { positional, options };
}

/** Reads option `name` as a string, with an error when given as a bare flag. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

/** Reads option `name` as a number within [min, max], integer if asked. */
export function numberOption(
  args: ParsedArgs,
  name: string,
  fallback: number,
  { integer = false, min = -Infinity, max = Infinity }: { integer?: boolean; min?: number; max?: number } = {},
): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw new Error(`--${name} must be ${kind} in [${min}, ${max}], got '${raw}'`);
  }
  return v;
}

/** Throws for options the command does not know, naming them and the ones it does. */
export function checkKnownOptions(args: ParsedArgs, command: string, known: readonly string[]): void {
  for (const key of args.options.keys()) {
    if (!known.includes(key)) {
      throw new Error(`${command}: unknown option --${key} (options: ${known.map((k) => `--${k}`).join(', ') || 'none'})`);
    }
  }
}
