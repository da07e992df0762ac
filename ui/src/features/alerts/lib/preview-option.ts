import type { EChartsCoreOption } from 'echarts/core';
import type { TimeseriesResponse } from '../../../api-types.ts';
import { SERIES_COLORS } from '../../../components/chart-colors.ts';

export interface PreviewSpec {
  threshold: number;
  /** Sums: drawn as the running total over the window, the number the rule compares. */
  cumulative: boolean;
  /** Multiplies every value (a budget's spend → the fraction of the budget). */
  scale: number;
  format: (v: number) => string;
  thresholdLabel: string;
}

/**
 * The rule's metric over its window, one line per group, against the threshold as a dashed
 * line: where a line crosses it, the rule would fire.
 */
export function previewOption(data: TimeseriesResponse, spec: PreviewSpec, window: { from: number; to: number }): EChartsCoreOption {
  const series = data.series.map((s, i) => {
    let total = 0;
    const points = s.points.map((p) => {
      const v = p.v === null ? null : p.v * spec.scale;
      if (!spec.cumulative) return [Date.parse(p.t), v];
      total += v ?? 0;
      return [Date.parse(p.t) + data.interval_ms, total];
    });
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    return { type: 'line', name: s.key, data: points, showSymbol: points.length < 40, symbolSize: 5, connectNulls: false, lineStyle: { width: 2, color }, itemStyle: { color } };
  });
  const threshold = {
    type: 'line', name: spec.thresholdLabel, data: [[window.from, spec.threshold], [window.to, spec.threshold]], showSymbol: false,
    lineStyle: { type: 'dashed', width: 1.5, color: '#dc2626' }, itemStyle: { color: '#dc2626' }, silent: true,
  };
  return {
    animation: false,
    grid: { left: 8, right: 12, top: 16, bottom: 34, containLabel: true },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v: number | null) => (v == null ? '—' : spec.format(v)) },
    legend: { show: true, type: 'scroll', bottom: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10 },
    xAxis: { type: 'time', min: window.from, max: window.to },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => spec.format(v) }, splitNumber: 4 },
    series: [...series, threshold],
  };
}

/** The start of a budget's calendar period in UTC, as the proxy counts it. */
export function budgetPeriodStart(period: 'day' | 'week' | 'month', now: number): number {
  const d = new Date(now);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'day') return day;
  if (period === 'week') return day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}
