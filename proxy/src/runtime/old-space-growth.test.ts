import { describe, expect, it } from 'vitest';
import { capOldSpaceGrowth } from './old-space-growth.ts';

// Its effect on the heap is tested where the gateway applies it, in a child process:
// server/src/http-server.test.ts, "gateway.old_space_growth_percent".
describe('capOldSpaceGrowth', () => {
  it('does nothing at 0, or when node was started with the flag', () => {
    expect(capOldSpaceGrowth(0)).toBe(false);
    expect(capOldSpaceGrowth(100, ['--heap_growing_percent=50'])).toBe(false);
    expect(capOldSpaceGrowth(100, ['--heap-growing-percent=50'])).toBe(false);
  });
});
