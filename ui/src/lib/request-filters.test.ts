import { describe, expect, it } from 'vitest';
import { emptyFilters, parseRequestFilters, requestFiltersToApi, requestsHref, writeRequestFilters, type RequestFilters } from './request-filters.ts';

describe('request filters in the URL', () => {
  const full: RequestFilters = {
    range: { from: 1_700_000_000_000, to: 1_700_000_360_000 },
    values: {
      model: 'gpt-4o-mini', provider: 'openai', status: '429', status_class: '4', user_id: 'alice', session_id: 's-1',
      cache_status: 'hit', key_id: 'key_9', q: 'refund policy', min_latency_ms: '100', max_latency_ms: '5000',
    },
    properties: [['team', 'search'], ['env', 'prod & test']],
    sort: 'latency_ms',
    order: 'asc',
  };

  it('round-trips every filter through the query string', () => {
    const qs = writeRequestFilters(new URLSearchParams(), full).toString();
    expect(parseRequestFilters(new URLSearchParams(qs))).toEqual(full);
  });

  it('round-trips a preset range and leaves defaults out of the URL', () => {
    const f = { ...emptyFilters({ preset: '7d' }), values: { model: 'claude-sonnet-4-5' } };
    const qs = writeRequestFilters(new URLSearchParams(), f).toString();
    expect(qs).toBe('range=7d&model=claude-sonnet-4-5');
    expect(parseRequestFilters(new URLSearchParams(qs))).toEqual(f);
    expect(writeRequestFilters(new URLSearchParams(), emptyFilters()).toString()).toBe('');
  });

  it('keeps unrelated parameters (the open drawer) and replaces old filters', () => {
    const params = new URLSearchParams('request=abc&model=old&property.team=x');
    writeRequestFilters(params, { ...emptyFilters(), values: { provider: 'anthropic' } });
    expect(params.get('request')).toBe('abc');
    expect(params.get('model')).toBeNull();
    expect(params.get('property.team')).toBeNull();
    expect(params.get('provider')).toBe('anthropic');
  });

  it('ignores unknown sorts and bad ranges', () => {
    const f = parseRequestFilters(new URLSearchParams('sort=DROP TABLE&from=5&to=1&range=nope'));
    expect(f.sort).toBe('created_at');
    expect(f.range).toEqual({ preset: '24h' });
  });

  it('turns into API parameters with the resolved window', () => {
    const api = requestFiltersToApi(full, { from: 1, to: 2 });
    expect(api.get('from')).toBe('1');
    expect(api.get('to')).toBe('2');
    expect(api.get('q')).toBe('refund policy');
    expect(api.getAll('property.env')).toEqual(['prod & test']);
    expect(api.get('sort')).toBe('latency_ms');
    expect(api.get('order')).toBe('asc');
  });

  it('builds drill-down links', () => {
    expect(requestsHref({ values: { user_id: 'bob' } })).toBe('/requests?user_id=bob');
    expect(requestsHref({ range: { from: 10, to: 20 }, properties: [['team', 'a b']] })).toBe('/requests?from=10&to=20&property.team=a+b');
  });
});
