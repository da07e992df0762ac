import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatPercent, relativeChange } from '../../../lib/format.ts';
import { Icon } from '../../../components/icons.tsx';
import { Skeleton } from '../../../components/states.tsx';

export type DeltaTone = 'good' | 'bad' | 'flat';

/** Direction and tone of a change: green when it moved the good way, red when the bad way. */
export function deltaTone(change: number | null, upIsGood: boolean | null): DeltaTone {
  if (change == null || Math.abs(change) < 0.0005 || upIsGood == null) return 'flat';
  return change > 0 === upIsGood ? 'good' : 'bad';
}

interface KpiTileProps {
  label: string;
  current: number | null | undefined;
  previous: number | null | undefined;
  format: (v: number | null) => string;
  upIsGood: boolean | null;
  loading?: boolean;
  onSelect?: () => void;
}

export function KpiTile({ label, current, previous, format, upIsGood, loading, onSelect }: KpiTileProps) {
  const { t } = useI18n();
  const change = relativeChange(current, previous);
  const tone = deltaTone(change, upIsGood);
  const direction = change == null || Math.abs(change) < 0.0005 ? 'flat' : change > 0 ? 'up' : 'down';
  const deltaText = change == null ? '—' : formatPercent(Math.abs(change));
  const deltaLabel = change == null
    ? t('kpi.noPrevious')
    : t(direction === 'up' ? 'kpi.up' : direction === 'down' ? 'kpi.down' : 'kpi.flat', { pct: deltaText });

  return (
    <button type="button" className="card kpi" onClick={onSelect} data-testid="kpi" data-metric-label={label}>
      <span className="kpi-label">{label}</span>
      {loading ? <Skeleton height={28} width="70%" /> : <span className="kpi-value" data-testid="kpi-value">{format(current ?? null)}</span>}
      {loading ? <Skeleton height={12} width="50%" /> : (
        <span className="kpi-foot">
          <span className={`kpi-delta ${tone}`} aria-label={deltaLabel} title={t('kpi.previousValue', { value: format(previous ?? null) })} data-testid="kpi-delta" data-tone={tone}>
            {direction === 'up' && <Icon name="up" width={12} height={12} />}
            {direction === 'down' && <Icon name="down" width={12} height={12} />}
            {deltaText}
          </span>
          <span>{t('kpi.vsPrevious')}</span>
        </span>
      )}
    </button>
  );
}
