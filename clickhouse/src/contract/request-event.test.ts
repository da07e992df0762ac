import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/fixtures.ts';
import { validateRequestEvent } from './request-event.ts';

const reasonFor = (overrides: Record<string, unknown>) => {
  const result = validateRequestEvent({ ...makeEvent(), ...overrides });
  return result.ok ? null : result.reason;
};

describe('validateRequestEvent', () => {
  it('accepts a well-formed event, including null ttft and the largest stored values', () => {
    expect(reasonFor({})).toBeNull();
    expect(reasonFor({ ttft_ms: null, status: 999, attempts: 65_535, latency_ms: 4_294_967_295 })).toBeNull();
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
    [{ v: 2 }, /unsupported event version 2/],
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
    [{ ttft_ms: -3 }, /ttft_ms/],
    [{ cost_usd: Number.NaN }, /cost_usd/],
    [{ cost_usd: -0.01 }, /cost_usd/],
    [{ cache_status: 'stale' }, /cache_status/],
    [{ properties: [] }, /properties must be an object/],
    [{ properties: { team: 1 } }, /properties.team must be a string/],
  ])('rejects %j', (overrides, reason) => {
    expect(reasonFor(overrides)).toMatch(reason);
  });
});
