import { describe, expect, it } from 'vitest';
import { RecordingDriver } from '../testing/recording-driver.ts';
import { encodeCursor } from './cursor.ts';
import { clampLimit, listRequests } from './list-requests.ts';

describe('listRequests SQL', () => {
  it('carries every filter value as a parameter, none in the SQL text', async () => {
    const driver = new RecordingDriver();
    const values = ['VAL_PROJECT', 'VAL_MODEL', 'VAL_PROVIDER', 'VAL_USER', 'VAL_SESSION', 'VAL_PROP_KEY', 'VAL_PROP_VALUE', 'VAL_CURSOR_ID'];
    await listRequests(driver, {
      projectIds: ['VAL_PROJECT'],
      from: 1,
      to: 2,
      model: 'VAL_MODEL',
      provider: 'VAL_PROVIDER',
      status: 404,
      statusClass: 4,
      user_id: 'VAL_USER',
      session_id: 'VAL_SESSION',
      cache_status: 'bypass',
      properties: { VAL_PROP_KEY: 'VAL_PROP_VALUE' },
      limit: 10,
      cursor: encodeCursor({ createdAtMs: 3, requestId: 'VAL_CURSOR_ID', projectId: 'VAL_PROJECT' }),
    });
    const [call] = driver.calls;
    for (const value of [...values, 'bypass', '404']) expect(call?.sql).not.toContain(value);
    expect(Object.values(call?.params ?? {}).flat()).toEqual(expect.arrayContaining([...values, 'bypass', 404, 4, 1, 2, 3, 11]));
    expect(call?.sql).toContain('FROM requests FINAL');
    expect(call?.sql).not.toMatch(/request_body|response_body/);
  });

  it('asks nothing of the database for an empty project list', async () => {
    const driver = new RecordingDriver();
    expect(await listRequests(driver, { projectIds: [] })).toEqual({ data: [], next_cursor: null });
    expect(driver.calls).toEqual([]);
  });

  it('clamps the limit to 1..1000 with a default of 50', () => {
    expect(clampLimit(undefined)).toBe(50);
    expect(clampLimit(0)).toBe(1);
    expect(clampLimit(7.9)).toBe(7);
    expect(clampLimit(1e9)).toBe(1000);
    expect(() => clampLimit(Number.POSITIVE_INFINITY)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
});
