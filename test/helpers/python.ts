/**
 * Whether a Python has the packages a test needs, found without importing them: importing torch
 * costs seconds of CPU that a probe only deciding whether to skip would pay before the real run
 * imports it again. A package that is present but broken fails the test that uses it, not the probe.
 */
import { spawnSync } from 'node:child_process';

const lookUp = 'import importlib.util as u, sys; m = [n for n in sys.argv[1:] if u.find_spec(n) is None]; sys.exit("no module named " + ", ".join(m) if m else 0)';

/** Why `python` cannot run code that needs `packages` (the packages it lacks, or why it did not run); null when it can. */
export function missingPython(python: string, packages: readonly string[]): string | null {
  const probe = spawnSync(python, ['-c', lookUp, ...packages], { encoding: 'utf8' });
  if (probe.status === 0) return null;
  return (probe.error?.message ?? probe.stderr).trim().split('\n').pop() ?? `${python} exited ${probe.status}`;
}
