import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { renderWithProviders } from '../../../testing/render.tsx';
import { formatCost, formatCompact } from '../../../lib/format.ts';
import { deltaTone, KpiTile } from './kpi-tile.tsx';

const count = (v: number | null) => (v == null ? '—' : formatCompact(v));

describe('KPI tile', () => {
  it('shows the value and the change with an up arrow, green when up is good', () => {
    renderWithProviders(<KpiTile label="Requests" current={1500} previous={1000} format={count} upIsGood />);
    expect(screen.getByTestId('kpi-value').textContent).toBe('1.5k');
    const delta = screen.getByTestId('kpi-delta');
    expect(delta.textContent).toBe('50%');
    expect(delta.dataset.tone).toBe('good');
    expect(delta.getAttribute('aria-label')).toBe('Up 50% from the previous period');
    expect(delta.querySelector('svg')).not.toBeNull();
  });

  it('is red when a cost goes up, green when it goes down', () => {
    const { unmount } = renderWithProviders(<KpiTile label="Cost" current={2} previous={1} format={formatCost} upIsGood={false} />);
    expect(screen.getByTestId('kpi-delta').dataset.tone).toBe('bad');
    unmount();
    renderWithProviders(<KpiTile label="Cost" current={1} previous={4} format={formatCost} upIsGood={false} />, { lang: 'zh' });
    const delta = screen.getByTestId('kpi-delta');
    expect(delta.dataset.tone).toBe('good');
    expect(delta.textContent).toBe('75%');
    expect(delta.getAttribute('aria-label')).toBe('较上一周期下降 75%');
  });

  it('says so when there is no previous period to compare with', () => {
    renderWithProviders(<KpiTile label="TTFT" current={300} previous={null} format={count} upIsGood={false} />);
    expect(screen.getByTestId('kpi-delta').textContent).toBe('—');
    expect(screen.getByTestId('kpi-delta').getAttribute('aria-label')).toBe('No data in the previous period');
  });

  it('tones', () => {
    expect(deltaTone(0.1, null)).toBe('flat');
    expect(deltaTone(0, true)).toBe('flat');
    expect(deltaTone(-0.2, true)).toBe('bad');
  });
});
