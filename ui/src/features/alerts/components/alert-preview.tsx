import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { Chart } from '../../../components/chart.tsx';
import { ErrorState } from '../../../components/states.tsx';
import { useMetricSeries } from '../api/get-metric-series.ts';
import { useAlertPreview } from '../api/preview-alert.ts';
import type { AlertRuleInput, BudgetInfo } from '../api/types.ts';
import { budgetPeriodStart, previewOption } from '../lib/preview-option.ts';
import { durationMs, formatMetric, isAdditive, timeseriesMetricOf } from '../lib/rule-form.ts';

/** The input settles for this long before the preview asks again (typing a threshold). */
const DEBOUNCE_MS = 400;

function useDebounced<T>(value: T): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  // Keyed by content: a new object with the same fields is not a change.
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key]);
  return settled;
}

/**
 * The rule's metric over its window against the threshold (from the overview's time series,
 * same filters and grouping), and its value per group right now as the evaluator computes it.
 */
export function AlertPreview({ input, budget }: { input: AlertRuleInput | null; budget: BudgetInfo | undefined }) {
  const { t } = useI18n();
  const settled = useDebounced(input);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(timer);
  }, []);

  const series = useMemo(() => {
    if (!settled) return null;
    const metric = timeseriesMetricOf(settled);
    if (!metric) return null;
    const from = settled.metric === 'budget_used' ? (budget ? budgetPeriodStart(budget.period, now) : null) : now - (durationMs(settled.window ?? '') ?? 0);
    if (from === null || from >= now) return null;
    const filter = budget && settled.metric === 'budget_used'
      ? Object.fromEntries(Object.entries(budget.match).filter(([k, v]) => v !== '*' && k !== 'project').map(([k, v]) => [k === 'key' ? 'key_id' : k === 'user' ? 'user_id' : k, v]))
      : settled.filter;
    const project = budget?.match.project && budget.match.project !== '*' ? budget.match.project : settled.project;
    return { metric, from, to: now, filter, groupBy: settled.group_by, project };
  }, [settled, budget, now]);

  const chart = useMetricSeries(series);
  const current = useAlertPreview(settled);
  const metric = settled?.metric ?? 'cost';
  const format = (v: number | null) => formatMetric(metric, v);
  const option = useMemo(() => chart.data && series && settled && previewOption(chart.data, {
    threshold: settled.threshold, cumulative: isAdditive(settled.metric), scale: settled.metric === 'budget_used' && budget ? 1 / budget.limit_usd : 1,
    format, thresholdLabel: t('alerts.preview.threshold'),
  }, series),
  [chart.data, series, settled, budget, t]);

  return (
    <div className="card" data-testid="alert-preview">
      <div className="card-header"><span className="card-title">{t('alerts.preview.title')}</span></div>
      <div className="card-body" style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        {!settled ? <div className="muted">{t('alerts.preview.incomplete')}</div> : (
          <>
            {series === null ? <div className="muted" style={{ fontSize: 13 }}>{t('alerts.preview.noChart')}</div>
              : chart.isError ? <ErrorState error={chart.error} />
              : option ? <Chart option={option} ariaLabel={t('alerts.preview.title')} className="chart-box" />
              : <div className="chart-box" />}
            <div>
              <div className="field"><span>{t('alerts.preview.now')}</span></div>
              {current.isError ? <div className="form-error" role="alert">{current.error.message}</div>
                : !current.data ? <div className="muted">{t('state.loading')}</div>
                : current.data.groups.length === 0 ? <div className="muted" data-testid="preview-empty">{t('alerts.preview.noData')}</div>
                : (
                  <table className="simple static" data-testid="preview-groups">
                    <tbody>
                      {current.data.groups.slice(0, 10).map((g) => (
                        <tr key={g.group}>
                          <td>{g.group || (settled.group_by ? '(none)' : t('alerts.preview.all'))}</td>
                          <td className="right"><strong>{format(g.value)}</strong></td>
                          <td className="right muted">{t('alerts.preview.requests', { n: g.requests })}</td>
                          <td>{g.breaching ? <span className="badge bad">{t('alerts.preview.breaching')}</span> : <span className="badge good">{t('alerts.preview.within')}</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
            </div>
          </>
        )}
      </div>
    </div>
  );
}
