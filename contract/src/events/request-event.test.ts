import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/index.ts';
import { validateRequestEvent } from './request-event.ts';

const reasonFor = (overrides: Record<string, unknown>) => {
  const result = validateRequestEvent({ ...makeEvent(), ...overrides });
  return result.ok ? null : result.reason;
};

describe('validateRequestEvent', () => {
  it('accepts a well-formed event, including null ttft and the largest stored values', () => {
    expect(reasonFor({})).toBeNull();
    expect(reasonFor({ ttft_ms: null, status: 999, attempts: 65_535, latency_ms: 4_294_967_295, created_at: Date.UTC(2106, 1, 7, 6, 28, 15, 999) })).toBeNull();
  });

  it.each([
    [null, /not a JSON object/],
    [[], /not a JSON object/],
  ])('rejects %j', (value, reason) => {
    const result = validateRequestEvent(value);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it.each([
    [{ event_version: 3 }, /unsupported event version 3/],
    [{ inserted_at: '2300-01-01 00:00:00' }, /inserted_at is not an event field/],
    [{ request_id: '' }, /request_id must not be empty/],
    [{ project_id: '' }, /project_id must not be empty/],
    [{ model: 42 }, /model must be a string/],
    [{ status: 1000 }, /status must be an integer from 0 to 999/],
    [{ attempts: 65_536 }, /attempts must be an integer/],
    [{ prompt_tokens: 4_294_967_296 }, /prompt_tokens must be an integer/],
    [{ latency_ms: 1.5 }, /latency_ms must be an integer/],
    [{ streamed: 'yes' }, /streamed must be a boolean/],
    [{ created_at: -1 }, /created_at/],
    [{ created_at: Date.UTC(2300, 0, 1) }, /created_at/],
    [{ created_at: Date.UTC(2106, 1, 7, 6, 28, 16) }, /created_at must be epoch milliseconds up to 2106-02-07 06:28:15.999 UTC/],
    [{ ttft_ms: -3 }, /ttft_ms/],
    [{ cost_usd: Number.NaN }, /cost_usd/],
    [{ cost_usd: -0.01 }, /cost_usd/],
    [{ cache_status: 'stale' }, /cache_status/],
    [{ properties: [] }, /properties must be an object/],
    [{ properties: { team: 1 } }, /properties.team must be a string/],
  ])('rejects %j', (overrides, reason) => {
    expect(reasonFor(overrides)).toMatch(reason);
  });

  it('upgrades a version-1 event (from an older spool or topic) to the current version', () => {
    const { event_version: _v, request_id, ...rest } = makeEvent();
    const { attempt_log: _log, fallback_model: _fm, ...v1 } = rest;
    const result = validateRequestEvent({ v: 1, request_id, ...v1 });
    expect(result.ok && result.upgraded).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.event).slice(0, 2)).toEqual(['request_id', 'event_version']);
    expect(result.event).toMatchObject({ event_version: 2, attempt_log: [], fallback_model: '' });
    expect('v' in result.event).toBe(false);
  });
});
