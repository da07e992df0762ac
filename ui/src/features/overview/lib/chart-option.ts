import type { EChartsCoreOption } from 'echarts/core';
import type { TimeseriesResponse } from '../../../api-types.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { OTHER_COLOR, SERIES_COLORS } from '../../../components/chart-colors.ts';
import type { MetricDef } from './metrics.ts';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const isOtherKey = (key: string) => key === 'other';

/**
 * One color per series key for the whole page, so a model has the same color in every chart
 * even though each chart orders its series by its own metric.
 */
const assigned = new Map<string, string>();
export function colorFor(key: string): string {
  if (isOtherKey(key)) return OTHER_COLOR;
  let color = assigned.get(key);
  if (!color) {
    color = SERIES_COLORS[assigned.size % SERIES_COLORS.length]!;
    assigned.set(key, color);
  }
  return color;
}

/**
 * One metric's chart: stacked bars for counts and money (the stack adds up to the KPI),
 * lines for rates and percentiles (they do not add up).
 */
export function buildChartOption(data: TimeseriesResponse, def: MetricDef, window: { from: number; to: number }, seriesLabel: (key: string) => string): EChartsCoreOption {
  const grouped = data.series.length > 1 || (data.series[0] !== undefined && !['', 'all', 'total'].includes(data.series[0].key));
  const bar = def.additive;
  const series = data.series.map((s) => {
    const color = colorFor(s.key);
    const points = s.points.map((p) => [Date.parse(p.t), p.v] as [number, number | null]);
    // Sparse lines (few buckets with data) need their dots, or a lone value draws nothing.
    const withData = points.filter((p) => p[1] != null).length;
    return bar
      ? { type: 'bar', name: s.key, stack: 'total', data: points, itemStyle: { color, borderRadius: 0 }, barMaxWidth: 28, barMinWidth: 4, emphasis: { focus: 'series' } }
      : {
          type: 'line', name: s.key, data: points, showSymbol: withData < 40, symbolSize: withData < 3 ? 8 : 5, connectNulls: false, smooth: 0.2,
          lineStyle: { width: 2, color }, itemStyle: { color },
          areaStyle: grouped ? undefined : { color, opacity: 0.12 }, emphasis: { focus: 'series' },
        };
  });

  return {
    animationDuration: 300,
    grid: { left: 8, right: 12, top: 16, bottom: grouped ? 34 : 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: bar ? 'shadow' : 'line' },
      confine: true,
      formatter: (params: { seriesName: string; value: [number, number | null]; color: string }[]) => {
        const list = [...params].filter((p) => p.value[1] != null).sort((a, b) => (b.value[1] ?? 0) - (a.value[1] ?? 0));
        const t = params[0]?.value[0];
        const head = t === undefined ? '' : `<div style="font-weight:600;margin-bottom:4px">${formatDateTime(t).slice(0, 16)}</div>`;
        const rows = list.slice(0, 12).map((p) => `<div style="display:flex;gap:14px;justify-content:space-between"><span><span style="display:inline-block;width:8px;height:8px;border-radius:2px;background:${p.color};margin-right:6px"></span>${escapeHtml(seriesLabel(p.seriesName))}</span><b>${escapeHtml(def.format(p.value[1]))}</b></div>`);
        return head + (rows.length ? rows.join('') : '<span style="opacity:.6">—</span>');
      },
    },
    legend: grouped ? { show: true, type: 'scroll', bottom: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10, formatter: seriesLabel } : { show: false },
    xAxis: { type: 'time', min: window.from, max: window.to },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => def.axis(v) }, splitNumber: 4 },
    series,
  };
}
