import type { EChartsCoreOption } from 'echarts/core';
import type { SqlColumn, SqlResult } from '../api/types.ts';

const isNumeric = (c: SqlColumn) => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(c.type);
const isTime = (c: SqlColumn) => /^(Nullable\()?(Date|DateTime)/.test(c.type);
const MAX_SERIES = 10;

export interface ChartPlan {
  x: SqlColumn;
  /** A second text column whose values become the series (spend per model per day). */
  split: SqlColumn | null;
  values: SqlColumn[];
  kind: 'line' | 'bar';
}

/**
 * What one click can chart: the first column along the x axis (a time axis for dates), and
 * the numeric columns as series; or, when a text column sits between them, the first numeric
 * column split by that column's values. Null when there is nothing numeric to draw.
 */
export function chartPlan(meta: SqlColumn[]): ChartPlan | null {
  const [x, ...rest] = meta;
  if (!x) return null;
  const values = rest.filter(isNumeric);
  if (values.length === 0) return null;
  const split = rest.find((c) => !isNumeric(c)) ?? null;
  return { x, split, values: split ? values.slice(0, 1) : values, kind: isTime(x) ? 'line' : 'bar' };
}

/** ClickHouse prints DateTime as 'YYYY-MM-DD hh:mm:ss' in UTC. */
const timeOf = (v: unknown) => Date.parse(`${String(v).replace(' ', 'T')}${String(v).length <= 10 ? 'T00:00:00' : ''}Z`);

export function chartOption(result: SqlResult, plan: ChartPlan): EChartsCoreOption {
  const xValue = (row: Record<string, unknown>) => (plan.kind === 'line' ? timeOf(row[plan.x.name]) : String(row[plan.x.name]));
  let series: { name: string; points: [unknown, number][] }[];
  if (plan.split) {
    const split = plan.split.name;
    const value = plan.values[0]!.name;
    const totals = new Map<string, number>();
    for (const row of result.data) totals.set(String(row[split]), (totals.get(String(row[split])) ?? 0) + Number(row[value] ?? 0));
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SERIES).map(([k]) => k);
    series = top.map((name) => ({ name, points: result.data.filter((r) => String(r[split]) === name).map((r) => [xValue(r), Number(r[value] ?? 0)]) }));
  } else {
    series = plan.values.map((c) => ({ name: c.name, points: result.data.map((r) => [xValue(r), Number(r[c.name] ?? 0)]) }));
  }
  return {
    tooltip: { trigger: 'axis' },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 8, right: 16, top: 16, bottom: 36, containLabel: true },
    xAxis: plan.kind === 'line' ? { type: 'time' } : { type: 'category', data: [...new Set(result.data.map((r) => String(r[plan.x.name])))] },
    yAxis: { type: 'value' },
    series: series.map((s) => ({
      name: s.name,
      type: plan.kind,
      data: plan.kind === 'line' ? s.points : s.points.map(([, v]) => v),
      showSymbol: s.points.length < 50,
      ...(plan.split && plan.kind === 'bar' ? { stack: 'total' } : {}),
    })),
  };
}
