import { describe, expect, it } from 'vitest';
import { bucketHref, groupFilters } from './drilldown.ts';

describe('drill-down from a chart', () => {
  it('filters to the clicked group', () => {
    expect(groupFilters('model', 'gpt-4o-mini')).toEqual({ values: { model: 'gpt-4o-mini' }, properties: [] });
    expect(groupFilters('status_class', '5xx')).toEqual({ values: { status_class: '5' }, properties: [] });
    expect(groupFilters('property:team', 'search')).toEqual({ values: {}, properties: [['team', 'search']] });
  });

  it('does not filter on the rest, the ungrouped series or the empty value', () => {
    for (const key of ['other', 'all', '(none)']) expect(groupFilters('model', key)).toEqual({ values: {}, properties: [] });
    expect(groupFilters('none', 'all')).toEqual({ values: {}, properties: [] });
  });

  it('links to the bucket time range', () => {
    expect(bucketHref('model', 'claude-haiku-4-5', 1_000, 60_000)).toBe('/requests?from=1000&to=61000&model=claude-haiku-4-5');
  });
});
