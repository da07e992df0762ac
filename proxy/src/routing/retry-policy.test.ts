import { describe, expect, it } from 'vitest';
import { backoffDelayMs, classifyBadRequest, matchesTrigger, retryAfterMs } from './retry-policy.ts';

const retry = { attempts: 3, on: [], base_delay_ms: 100, max_delay_ms: 1000, max_retry_after_ms: 5000 };

describe('retry policy', () => {
  it('reads retry-after-ms first, then Retry-After in seconds or as a date', () => {
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '7' })).toBe(250);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.5' })).toBe(500);
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(retryAfterMs({ 'retry-after': 'Wed, 25 Nov 2026 12:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({})).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
  });

  it('backs off with full jitter under an exponential ceiling', () => {
    expect(backoffDelayMs(0, retry, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, retry, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, retry, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, retry, () => 0)).toBe(0);
  });

  it('matches statuses, timeouts, connection errors and classified 400s', () => {
    expect(matchesTrigger({ kind: 'status', status: 503 }, [503])).toBe(true);
    expect(matchesTrigger({ kind: 'status', status: 400 }, [429, 500])).toBe(false);
    expect(matchesTrigger({ kind: 'timeout' }, ['timeout'])).toBe(true);
    expect(matchesTrigger({ kind: 'connection' }, [500])).toBe(false);
    expect(matchesTrigger({ kind: 'status', status: 400, subtype: 'context_length' }, ['context_length'])).toBe(true);
  });

  it('recognises context-length and content-policy refusals in provider error texts', () => {
    expect(classifyBadRequest(`{"error":{"message":"This model's maximum context length is 128000 tokens.","code":"context_length_exceeded"}}`)).toBe('context_length');
    expect(classifyBadRequest('{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}')).toBe('context_length');
    expect(classifyBadRequest('{"error":{"code":"content_filter","message":"The response was filtered due to the prompt triggering content management policy"}}')).toBe('content_policy');
    expect(classifyBadRequest('{"error":{"message":"Invalid value for temperature"}}')).toBeUndefined();
  });
});
