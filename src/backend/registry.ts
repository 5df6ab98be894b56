/**
 * Which backend runs the kernels. A faster backend registers the kernels it has; anything it
 * lacks falls through to the reference CPU backend, kernel by kernel.
 */
import { cpuBackend } from './cpu/index.js';
import type { Backend, FusedKernels } from './types.js';

const registered = new Map<string, Partial<Backend>>([['cpu', cpuBackend]]);
let active: Backend = cpuBackend;
let activeName = 'cpu';
/** Kernels the active backend provides itself (the rest come from 'cpu'). */
let ownKernels: readonly string[] = Object.keys(cpuBackend).filter((k) => k !== 'name');

/** Adds a backend; `makeDefault` switches to it at once. */
export function registerBackend(name: string, kernels: Partial<Backend>, makeDefault = false): void {
  registered.set(name, kernels);
  if (makeDefault) setBackend(name);
}

export function setBackend(name: string): void {
  const kernels = registered.get(name);
  if (kernels === undefined) {
    throw new Error(`setBackend: unknown backend '${name}' (registered: ${[...registered.keys()].join(', ')})`);
  }
  active = { ...cpuBackend, ...kernels, name };
  activeName = name;
  ownKernels = Object.keys(kernels).filter((k) => k !== 'name');
}

/** The backend in use and the kernels it runs itself. */
export function getBackend(): { name: string; kernels: readonly string[] } {
  return { name: activeName, kernels: ownKernels };
}

export function listBackends(): string[] {
  return [...registered.keys()];
}

/** The active kernel table (hot path: no lookup beyond a module variable). */
export function kernels(): Backend {
  return active;
}

/**
 * The active backend's fused kernel `name`, or undefined where it has none: callers then take the
 * composed path (as they do when the kernel declines a call).
 */
export function fused<K extends keyof FusedKernels>(name: K): FusedKernels[K] | undefined {
  const table: Partial<FusedKernels> = active;
  return table[name];
}
