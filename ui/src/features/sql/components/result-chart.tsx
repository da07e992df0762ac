import { useMemo } from 'react';
import { Chart } from '../../../components/chart.tsx';
import { useI18n } from '../../../lib/i18n/index.tsx';
import type { SqlResult } from '../api/types.ts';
import { chartOption, type ChartPlan } from '../lib/chart-option.ts';

/** The one-click chart of a result (see chartPlan for what it draws). */
export function ResultChart({ result, plan }: { result: SqlResult; plan: ChartPlan }) {
  const { t } = useI18n();
  const option = useMemo(() => chartOption(result, plan), [result, plan]);
  return <Chart option={option} className="chart-box sql-chart" ariaLabel={t('sql.chartOf', { x: plan.x.name, y: plan.values.map((v) => v.name).join(', ') })} />;
}
