/**
 * The thread pool's hand-offs: a worker polls for the next round only where the host said one
 * follows at once (a product's packing round, then its compute round), and otherwise sleeps as
 * soon as the chunks run out. A worker that polled ~130 us after every round took the core from
 * the calling thread whenever both shared one, and the caller paid the poll inside Atomics.notify.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmRuntime } from '../../src/backend/wasm/runtime.js';

/** A packing task over zero columns: every chunk returns at once, so a round is pure hand-off. */
function emptyTask(runtime: WasmRuntime): number {
  runtime.beginCall('test');
  const offsets = runtime.alloc(16);
  const task = runtime.alloc(24 * 4);
  const words = runtime.i32;
  const t = task >>> 2;
  words.fill(0, t, t + 24);
  words[t] = 6; // TASK_PACK_B
  words[t + 3] = 4; // K
  words[t + 16] = offsets;
  words[t + 19] = 1;
  words[t + 20] = 1;
  return task;
}

/** Blocks this thread (without using CPU) for `ms` milliseconds. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function cpuMicroseconds(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const runtime = WasmRuntime.create();

test('workers sleep after a round that nothing follows, and poll for one that follows', { skip: runtime?.pool === undefined && 'no WebAssembly threads here' }, async () => {
  if (runtime?.pool === undefined) return;
  runtime.setThreadCount(2);
  await runtime.pool.ready();
  const task = emptyTask(runtime);
  const rounds = 100;
  /** Process CPU (every thread) over `rounds` rounds, each followed by 2 ms of sleep on this thread. */
  const cpuOver = (round: () => void): number => {
    const start = cpuMicroseconds();
    for (let i = 0; i < rounds; i++) {
      round();
      sleep(2);
    }
    return (cpuMicroseconds() - start) / rounds;
  };
  const unfollowed = (): void => runtime.run(task, 2, true, false);
  cpuOver(unfollowed);
  const sleepOnly = cpuOver(() => {});
  const idle = cpuOver(unfollowed) - sleepOnly;
  const polling = cpuOver(() => runtime.run(task, 2, true, true)) - sleepOnly;
  // A hand-off costs ~10-30 us of CPU; a worker polling after it ~130-500 us more (by the load).
  assert.ok(idle < 100, `workers used ${idle.toFixed(0)} us of CPU per round that nothing followed`);
  assert.ok(polling > idle + 50, `a followed round polled ${polling.toFixed(0)} us, an unfollowed one ${idle.toFixed(0)} us`);
});
