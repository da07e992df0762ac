import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { coreBusyPercent, coreTimes } from './proc.ts';

describe('core readings', () => {
  it('reads one entry per core, busy within total', () => {
    const now = coreTimes();
    expect(now).toHaveLength(cpus().length);
    for (const c of now) expect(c.busy).toBeLessThanOrEqual(c.total);
  });

  it('gives each core its busy share between two readings, NaN where no time passed', () => {
    const before = [{ busy: 100, total: 1000 }, { busy: 0, total: 500 }, { busy: 7, total: 70 }];
    const after = [{ busy: 190, total: 1100 }, { busy: 25, total: 600 }, { busy: 7, total: 70 }];
    expect(coreBusyPercent(before, after)).toEqual([90, 25, NaN]);
  });
});
