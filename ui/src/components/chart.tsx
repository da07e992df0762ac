import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption, ECElementEvent } from 'echarts/core';
import { useTheme, type Theme } from '../lib/theme.ts';
import { SERIES_COLORS } from './chart-colors.ts';

// SVG: crisp at any zoom, cheap for the few hundred points a dashboard draws, and the DOM it
// draws can be inspected by tests.
echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, MarkAreaComponent, SVGRenderer]);


const THEMES: Record<Theme, { text: string; muted: string; line: string; split: string; tooltipBg: string; tooltipBorder: string }> = {
  light: { text: '#111827', muted: '#6b7280', line: '#e5e7eb', split: '#f1f2f4', tooltipBg: '#ffffff', tooltipBorder: '#e5e7eb' },
  dark: { text: '#e6e9ef', muted: '#9199a8', line: '#2a3242', split: '#1c2230', tooltipBg: '#161b26', tooltipBorder: '#2f3849' },
};

// ECharts measures text itself: a concrete font (not "inherit") keeps legends from overlapping.
const CHART_FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';

for (const [name, c] of Object.entries(THEMES)) {
  echarts.registerTheme(`periscope-${name}`, {
    color: SERIES_COLORS,
    backgroundColor: 'transparent',
    textStyle: { color: c.text, fontFamily: CHART_FONT },
    legend: { textStyle: { color: c.muted } },
    tooltip: { backgroundColor: c.tooltipBg, borderColor: c.tooltipBorder, textStyle: { color: c.text, fontSize: 12 } },
    timeAxis: { axisLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted }, splitLine: { show: false }, axisTick: { show: false } },
    categoryAxis: { axisLine: { lineStyle: { color: c.line } }, axisLabel: { color: c.muted }, axisTick: { show: false } },
    valueAxis: { axisLine: { show: false }, axisLabel: { color: c.muted }, splitLine: { lineStyle: { color: c.split } } },
  });
}

export type ChartClick = ECElementEvent;

interface ChartProps {
  option: EChartsCoreOption;
  onClick?: (event: ChartClick) => void;
  className?: string;
  ariaLabel: string;
}

/** The only ECharts component: owns init, theme, resize and disposal. */
export function Chart({ option, onClick, className, ariaLabel }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<echarts.ECharts | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;
  const { theme } = useTheme();

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = echarts.init(el, `periscope-${theme}`, { renderer: 'svg' });
    chartRef.current = chart;
    chart.on('click', (e) => clickRef.current?.(e as ECElementEvent));
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => chart.resize());
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      chart.dispose();
      chartRef.current = null;
    };
  }, [theme]);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true });
  }, [option, theme]);

  return <div ref={ref} className={className} role="img" aria-label={ariaLabel} style={{ cursor: onClick ? 'pointer' : undefined }} />;
}
