import { useMemo } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { updateSearch, useSearchParams } from '../../../lib/router.tsx';
import { useTimeWindow } from '../../../lib/time-range.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { ErrorState, FirstRequestHint } from '../../../components/states.tsx';
import { useProperties } from '../../../api/get-properties.ts';
import type { GroupBy } from '../../../api-types.ts';
import { useSummary } from '../api/get-summary.ts';
import { METRIC_DEFS } from '../lib/metrics.ts';
import { KpiTile } from './kpi-tile.tsx';
import { MetricChartCard } from './metric-chart-card.tsx';

const BASE_GROUPS = ['none', 'model', 'provider', 'key_id', 'user_id', 'status_class'] as const;

export function OverviewPage() {
  const { t } = useI18n();
  const params = useSearchParams();
  const { from, to } = useTimeWindow();
  const window = useMemo(() => ({ from, to }), [from, to]);
  const groupBy = (params.get('group_by') || 'none') as GroupBy;
  const summary = useSummary(window);
  const properties = useProperties(window);

  const setGroupBy = (value: string) => updateSearch((p) => (value === 'none' ? p.delete('group_by') : p.set('group_by', value)));
  const focusChart = (metric: string) => {
    const el = document.getElementById(`chart-${metric}`);
    el?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  };

  const current = summary.data?.current ?? undefined;
  // A previous period without traffic has nothing to compare with (not "0% change").
  const previous = (summary.data?.previous?.requests ?? 0) > 0 ? summary.data!.previous : undefined;
  const nothingYet = summary.isSuccess && current?.requests === 0 && !previous;

  return (
    <div className="page">
      <PageHeader title={t('nav.overview')} subtitle={t('overview.subtitle')} />

      {summary.isError ? (
        <div className="card"><ErrorState error={summary.error} onRetry={() => void summary.refetch()} /></div>
      ) : (
        <div className="kpis" aria-busy={summary.isPending}>
          {METRIC_DEFS.map((d) => (
            <KpiTile key={d.metric} label={t(d.label)} loading={summary.isPending} format={d.format} upIsGood={d.upIsGood}
              current={current ? d.value(current) : null} previous={previous ? d.value(previous) : null} onSelect={() => focusChart(d.metric)} />
          ))}
        </div>
      )}

      {nothingYet ? (
        <div className="card"><FirstRequestHint /></div>
      ) : (
        <>
          <div className="toolbar">
            <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
              <span>{t('overview.groupBy')}</span>
              <select className="select" value={groupBy} onChange={(e) => setGroupBy(e.target.value)} data-testid="group-by">
                {BASE_GROUPS.map((g) => <option key={g} value={g}>{t(`group.${g}`)}</option>)}
                {(properties.data ?? []).length > 0 && (
                  <optgroup label={t('group.properties')}>
                    {properties.data!.map((p) => <option key={p.key} value={`property:${p.key}`}>{p.key}</option>)}
                  </optgroup>
                )}
              </select>
            </label>
            <span className="spacer" />
            <span className="muted" style={{ fontSize: 12.5 }}>{t('overview.clickHint')}</span>
          </div>
          <div className="charts">
            {METRIC_DEFS.map((d) => (
              <MetricChartCard key={d.metric} def={d} groupBy={groupBy} window={window} summaryValue={current ? d.value(current) : null} />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
