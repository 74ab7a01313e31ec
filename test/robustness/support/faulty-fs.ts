/**
 * A checkpoint file-system layer that performs the real operations (node:fs) and counts them,
 * and on the k-th one fails instead: by throwing (a failed write, a full disk) or by killing
 * the whole process with SIGKILL (a power cut, as far as this process can tell).
 */
import type { CheckpointFs } from '../../../packages/cli/src/training/checkpoint-fs.js';
import { nodeCheckpointFs } from '../../../packages/cli/src/training/checkpoint-fs.js';

export function faultyFs(failAt: number, how: 'throw' | 'kill'): CheckpointFs & { operations: string[] } {
  const operations: string[] = [];
  const layer = { operations } as CheckpointFs & { operations: string[] };
  for (const [name, operation] of Object.entries(nodeCheckpointFs) as [
    keyof CheckpointFs,
    (...a: unknown[]) => unknown,
  ][]) {
    (layer as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const path = typeof args[0] === 'string' ? args[0].split('/').slice(-2).join('/') : '';
      operations.push(`${name} ${path}`.trim());
      if (operations.length === failAt) {
        if (how === 'kill') process.kill(process.pid, 'SIGKILL');
        throw new Error(`injected fault at operation ${failAt} (${name})`);
      }
      return operation(...args);
    };
  }
  return layer;
}
