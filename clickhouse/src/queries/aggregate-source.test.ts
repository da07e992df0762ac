import { describe, expect, it } from 'vitest';
import { aggregateSource, ALL_AGGREGATES, numberOrNull } from './aggregate-source.ts';
import { ROLLUP_LEVELS } from './rollup-segments.ts';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 10, 25, 10);

describe('aggregateSource', () => {
  it('reads rollups for aligned parts and the raw table for the edges, values only as parameters', () => {
    const { sql, params } = aggregateSource({
      filter: { projectIds: ['VAL_PROJECT'], model: 'VAL_MODEL', provider: 'VAL_PROVIDER', key_id: 'VAL_KEY', cache_status: 'bypass', statusClass: 5 },
      windows: [{ from: T + 1234, to: T + 2 * HOUR }],
      aggregates: ALL_AGGREGATES,
      levels: ROLLUP_LEVELS,
    });
    expect(sql.match(/FROM (\w+)/g)).toEqual(['FROM requests', 'FROM requests_rollup_1m', 'FROM requests_rollup_1h']);
    for (const value of ['VAL_PROJECT', 'VAL_MODEL', 'VAL_PROVIDER', 'VAL_KEY', "'bypass'"]) expect(sql).not.toContain(value);
    expect(params).toMatchObject({ projectIds: ['VAL_PROJECT'], model: 'VAL_MODEL', provider: 'VAL_PROVIDER', keyId: 'VAL_KEY', cacheStatus: 'bypass', statusClass: 5 });
    // Raw bounds in ms, rollup bounds in whole seconds.
    expect(params).toMatchObject({ s0From: T + 1234, s0To: T + 60_000, s1From: (T + 60_000) / 1000, s1To: (T + HOUR) / 1000, s2From: (T + HOUR) / 1000 });
  });

  it('reads only the raw table when a filter or the grouping is not in the rollups', () => {
    const window = { from: T, to: T + 3 * HOUR };
    for (const spec of [
      { filter: { projectIds: ['p'], user_id: 'VAL_USER' } },
      { filter: { projectIds: ['p'], session_id: 'VAL_SESSION' } },
      { filter: { projectIds: ['p'], properties: { VAL_KEY: 'VAL_VALUE' } } },
      { filter: { projectIds: ['p'] }, group: { sql: 'user_id', params: {}, inRollups: false } },
    ]) {
      const { sql } = aggregateSource({ ...spec, windows: [window], aggregates: ['requests'], levels: ROLLUP_LEVELS });
      expect(sql.match(/FROM (\w+)/g)).toEqual(['FROM requests']);
      expect(sql).not.toMatch(/VAL_/);
    }
  });

  it('tags each window and puts the group and bucket expressions in every part', () => {
    const { sql, params } = aggregateSource({
      filter: { projectIds: ['p'] },
      windows: [{ from: T, to: T + HOUR }, { from: T - HOUR, to: T }],
      bucketMs: HOUR,
      group: { sql: 'properties[{groupProperty:String}]', params: { groupProperty: 'VAL_PROP' }, inRollups: false },
      aggregates: ['requests', 'latency'],
      levels: ROLLUP_LEVELS,
    });
    expect(sql).toContain('quantilesTDigestState(0.5, 0.95)(latency_ms) AS latency');
    expect(sql).not.toContain('ttft');
    expect(sql).toContain('toUInt8(0) AS w');
    expect(sql).toContain('toUInt8(1) AS w');
    expect(sql.match(/AS g,/g)).toHaveLength(2);
    expect(params).toMatchObject({ groupProperty: 'VAL_PROP', bucketMs: HOUR });
  });
});

describe('numberOrNull', () => {
  it('reads quoted numbers and turns NaN and null into null', () => {
    expect(numberOrNull('12')).toBe(12);
    expect(numberOrNull(0)).toBe(0);
    expect(numberOrNull(null)).toBeNull();
    expect(numberOrNull(Number.NaN)).toBeNull();
    expect(numberOrNull(undefined)).toBeNull();
  });
});
