import { useI18n } from '../lib/i18n/index.tsx';

export function statusTone(status: number): 'good' | 'warn' | 'bad' | '' {
  if (status >= 200 && status < 300) return 'good';
  if (status >= 400 && status < 500) return 'warn';
  if (status >= 500 || status === 0) return 'bad';
  return '';
}

export function StatusBadge({ status, errorType }: { status: number; errorType?: string }) {
  const { t } = useI18n();
  const label = status === 0 ? t('status.noResponse') : String(status);
  return (
    <span className={`badge ${statusTone(status)}`} title={errorType || undefined} data-testid="status">
      <span className="dot" />{label}
    </span>
  );
}

export function CacheBadge({ status }: { status: string }) {
  const { t } = useI18n();
  if (status === 'hit') return <span className="badge good">{t('cache.hit')}</span>;
  if (status === 'miss') return <span className="badge">{t('cache.miss')}</span>;
  return <span className="faint" title={t('cache.bypass')}>—</span>;
}

export function PropertyPill({ name, value }: { name: string; value: string }) {
  return <span className="prop" title={`${name}=${value}`}><b>{name}</b><span>{value}</span></span>;
}
