import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { mockApi, renderWithProviders } from '../../../testing/render.tsx';
import type { Summary, TimeseriesResponse } from '../../../api-types.ts';
import { OverviewPage } from './overview-page.tsx';

const summary = (requests: number, cost: number): Summary => ({
  requests, cost_usd: cost, prompt_tokens: 9000, completion_tokens: 3000, total_tokens: 12_000, errors: 3, error_rate: 3 / requests,
  latency_p50_ms: 420, latency_p95_ms: 1900, ttft_p95_ms: 310, cache_hits: 10, cache_hit_rate: 10 / requests,
  prompt_cache_read_tokens: 4500, prompt_cache_hit_rate: 0.5, cost_saved_usd: 0.25,
});

function series(metric: string, groupBy: string): TimeseriesResponse {
  const t0 = Date.now() - 3 * 3600_000;
  const pts = (vals: number[]) => vals.map((v, i) => ({ t: new Date(t0 + i * 3600_000).toISOString(), v }));
  const keys = groupBy === 'model' ? ['gpt-4o-mini', 'claude-haiku-4-5'] : ['all'];
  return {
    metric: metric as TimeseriesResponse['metric'], interval_ms: 3600_000, from: new Date(t0).toISOString(), to: new Date().toISOString(),
    series: keys.map((key, i) => ({ key, total: metric === 'requests' ? [60, 40][i]! : 1, points: pts([10, 20, 30].map((v) => v * (i + 1))) })),
  };
}

describe('overview', () => {
  it('shows KPI tiles with changes, one chart per metric, and chart totals that add up', async () => {
    const { calls } = mockApi({
      '/api/metrics/summary': () => ({ body: { from: '', to: '', current: summary(100, 1.5), previous: summary(80, 2) } }),
      '/api/metrics/timeseries': ({ url }) => ({ body: series(url.searchParams.get('metric')!, url.searchParams.get('group_by')!) }),
      '/api/properties': () => ({ body: { data: [{ key: 'team', values: ['search'] }] } }),
    });
    renderWithProviders(<OverviewPage />, { url: '/?range=6h' });
    await waitFor(() => expect(screen.getAllByTestId('kpi-value')[0]!.textContent).toBe('100'));
    const tiles = screen.getAllByTestId('kpi');
    expect(tiles).toHaveLength(10);
    const requests = tiles[0]!;
    expect(within(requests).getByTestId('kpi-delta').textContent).toBe('25%');
    expect(within(requests).getByTestId('kpi-delta').dataset.tone).toBe('good');
    const cost = tiles[1]!;
    expect(within(cost).getByTestId('kpi-value').textContent).toBe('$1.50');
    expect(within(cost).getByTestId('kpi-delta').dataset.tone).toBe('good');

    const cards = await screen.findAllByTestId('chart-card');
    expect(cards.map((c) => c.dataset.metric)).toEqual(['requests', 'cost', 'tokens', 'error_rate', 'latency_p50', 'latency_p95', 'ttft_p95', 'cache_hit_rate', 'prompt_cache_hit_rate', 'cost_saved']);
    await waitFor(() => expect(within(cards[0]!).getByTestId('chart-total').textContent).toBe('60'));
    // Rates show the KPI, not a sum of per-bucket rates.
    expect(within(cards[3]!).getByTestId('chart-total').textContent).toBe('3%');
    // ECharts drew SVG into each chart.
    await waitFor(() => expect(cards[0]!.querySelector('svg path')).not.toBeNull());

    const ts = calls.filter((c) => c.url.pathname === '/api/metrics/timeseries');
    expect(new Set(ts.map((c) => c.url.searchParams.get('metric'))).size).toBe(10);
    expect(ts.every((c) => c.url.searchParams.get('group_by') === 'none' && c.url.searchParams.get('interval') === 'auto')).toBe(true);

    fireEvent.change(screen.getByTestId('group-by'), { target: { value: 'property:team' } });
    expect(new URLSearchParams(window.location.search).get('group_by')).toBe('property:team');
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('group_by') === 'property:team')).toBe(true));
  });

  it('shows how to send the first request when nothing was logged', async () => {
    mockApi({
      '/api/metrics/summary': () => ({ body: { from: '', to: '', current: summary(0, 0), previous: summary(0, 0) } }),
      '/api/properties': () => ({ body: { data: [] } }),
    });
    renderWithProviders(<OverviewPage />, { url: '/' });
    expect(await screen.findByText('No requests yet')).toBeTruthy();
    expect(screen.queryAllByTestId('chart-card')).toHaveLength(0);
  });
});
