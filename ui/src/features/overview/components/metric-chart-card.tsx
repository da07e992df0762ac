import { useCallback, useMemo } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { Link, navigate } from '../../../lib/router.tsx';
import { Chart, type ChartClick } from '../../../components/chart.tsx';
import { ErrorState, Skeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import { emptyFilters, requestsHref } from '../../../lib/request-filters.ts';
import type { GroupBy } from '../../../api-types.ts';
import { useTimeseries } from '../api/get-timeseries.ts';
import { buildChartOption, colorFor, isOtherKey } from '../lib/chart-option.ts';
import { bucketHref } from '../lib/drilldown.ts';
import type { MetricDef } from '../lib/metrics.ts';

interface Props {
  def: MetricDef;
  groupBy: GroupBy;
  window: { from: number; to: number };
  /** The KPI value, shown for metrics whose series do not add up (rates, percentiles). */
  summaryValue: number | null | undefined;
}

export function MetricChartCard({ def, groupBy, window, summaryValue }: Props) {
  const { t } = useI18n();
  const query = useTimeseries({ metric: def.metric, groupBy, interval: 'auto', from: window.from, to: window.to });
  const data = query.data;

  const title = t(def.label);
  const seriesLabel = useCallback((key: string) => (isOtherKey(key) ? t('chart.other') : key === '' || key === '(none)' ? t('chart.none') : key === 'all' ? title : key), [t, title]);
  const option = useMemo(() => (data ? buildChartOption(data, def, window, seriesLabel) : undefined), [data, def, window, seriesLabel]);
  // Which color each series got: for people reading the DOM, and for the browser test.
  const colors = useMemo(() => JSON.stringify(Object.fromEntries((data?.series ?? []).map((s) => [s.key, colorFor(s.key)]))), [data]);

  const total = data && def.additive ? data.series.reduce((sum, s) => sum + (s.total ?? 0), 0) : summaryValue ?? null;
  const hasPoints = data?.series.some((s) => s.points.some((p) => p.v != null && p.v !== 0)) ?? false;

  const onClick = useCallback((e: ChartClick) => {
    if (!data) return;
    const value = e.value as [number, number | null] | undefined;
    const start = Array.isArray(value) ? value[0] : undefined;
    if (typeof start !== 'number') return;
    navigate(bucketHref(groupBy, e.seriesName ?? '', start, data.interval_ms));
  }, [data, groupBy]);

  return (
    <section className="card chart-card" id={`chart-${def.metric}`} aria-labelledby={`chart-title-${def.metric}`} data-testid="chart-card" data-metric={def.metric} data-colors={colors}>
      <div className="card-header">
        <span className="card-title" id={`chart-title-${def.metric}`}>{title}</span>
        <Link to={requestsHref(emptyFilters(window))} className="btn btn-ghost btn-sm" title={t('chart.viewRequests')}>
          <Icon name="external" />
          <span className="sr-only">{t('chart.viewRequests')}</span>
        </Link>
        <span className="chart-total" data-testid="chart-total" data-value={total ?? ''}>{query.isPending ? <Skeleton width={60} height={16} /> : def.format(total)}</span>
      </div>
      {query.isPending ? (
        <div className="chart-box"><Skeleton height="100%" /></div>
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : !hasPoints ? (
        <div className="chart-box state" style={{ padding: 0 }}><p>{t('chart.noData')}</p></div>
      ) : (
        <Chart className="chart-box" option={option!} onClick={onClick} ariaLabel={t('chart.aria', { metric: title })} />
      )}
    </section>
  );
}
