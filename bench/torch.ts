/**
 * PyTorch's side of the benchmark: bench/torch_worker.py, one Python process per contender and
 * workload, speaking the harness's protocol (bench/harness.ts). Each process is one configuration
 * of the grid: torch threads (`torch.set_num_threads`) x OpenBLAS threads (`OPENBLAS_NUM_THREADS`
 * in its environment: Debian's OpenBLAS keeps its own pool whatever torch.set_num_threads says).
 * OPENBLAS_CORETYPE=SkylakeX: Debian's OpenBLAS 0.3.21 misdetects Sapphire Rapids and falls back to
 * slow SSE3 kernels.
 */
import { fileURLToPath } from 'node:url';
import { ContenderProcess } from './harness.js';

export const PYTHON = '/usr/bin/python3';
export const OPENBLAS_CORETYPE = 'SkylakeX';

export interface TorchConfig {
  torchThreads: number;
  blasThreads: number;
}

/** Every configuration of torch threads 1..cores x OpenBLAS threads 1..cores. */
export function torchGrid(cores: number): TorchConfig[] {
  const grid: TorchConfig[] = [];
  for (let torchThreads = 1; torchThreads <= cores; torchThreads++) {
    for (let blasThreads = 1; blasThreads <= cores; blasThreads++) grid.push({ torchThreads, blasThreads });
  }
  return grid;
}

export const configName = (c: TorchConfig): string => `torch ${c.torchThreads} x OpenBLAS ${c.blasThreads}`;

export function startTorch(name: string, config: TorchConfig): ContenderProcess {
  const script = fileURLToPath(new URL('./torch_worker.py', import.meta.url));
  return new ContenderProcess(name, PYTHON, [script, String(config.torchThreads)], {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(config.blasThreads),
    OPENBLAS_CORETYPE,
    // One OpenMP pool of torch's size; torch.set_num_threads sets it too, this keeps other OpenMP users in line.
    OMP_NUM_THREADS: String(config.torchThreads),
  });
}
