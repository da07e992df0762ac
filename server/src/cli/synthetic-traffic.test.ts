import { describe, expect, it } from 'vitest';
import { validateRequestEvent } from '@periscope/contract';
import { syntheticTraffic } from './synthetic-traffic.ts';

const END = Date.UTC(2026, 10, 25, 12);

describe('syntheticTraffic', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => i).map(syntheticTraffic({ project: 'demo', end: END, days: 7 }));

  it('writes valid events inside the time range, the same for the same seed', () => {
    for (const e of rows) {
      expect(validateRequestEvent(e)).toEqual({ ok: true, event: e, upgraded: false });
      expect(e.created_at).toBeGreaterThanOrEqual(END - 7 * 86_400_000);
      expect(e.created_at).toBeLessThan(END);
    }
    const again = syntheticTraffic({ project: 'demo', end: END, days: 7 });
    expect(again(0)).toEqual(rows[0]);
    expect(syntheticTraffic({ project: 'demo', end: END, days: 7, seed: 7 })(0)).not.toEqual(rows[0]);
  });

  it('has what the overview shows: errors, cache hits and savings, prompt-cache reads, sessions, Chinese teams', () => {
    const share = (f: (e: (typeof rows)[number]) => boolean) => rows.filter(f).length / rows.length;
    expect(share((e) => e.status >= 400 || e.status === 0)).toBeGreaterThan(0.02);
    expect(share((e) => e.cache_status === 'hit' && e.cost_saved_usd > 0)).toBeGreaterThan(0.05);
    expect(share((e) => e.cache_read_tokens > 0)).toBeGreaterThan(0.01);
    expect(share((e) => e.session_id !== '' && e.session_path !== '')).toBeGreaterThan(0.2);
    expect(share((e) => e.ttft_ms !== null)).toBeGreaterThan(0.3);
    expect(new Set(rows.map((e) => e.model)).size).toBe(6);
    expect(rows.some((e) => e.properties.team === '研发')).toBe(true);
    expect(rows.some((e) => e.cost_known && e.cost_usd > 0)).toBe(true);
  });
});
