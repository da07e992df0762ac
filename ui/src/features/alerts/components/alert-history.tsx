import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatDateTime, formatRelativeTime } from '../../../lib/format.ts';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { useAlertHistory } from '../api/get-alert-history.ts';
import type { AlertEvent, AlertRule } from '../api/types.ts';
import { formatMetric } from '../lib/rule-form.ts';

const KIND_CLASS: Record<AlertEvent['kind'], string> = { firing: 'bad', renotify: 'warn', resolved: 'good', test: 'info' };

/** Every transition of the rule with the value observed, and what each channel did with it. */
export function AlertHistory({ rule }: { rule: AlertRule }) {
  const { t, lang } = useI18n();
  const history = useAlertHistory(rule.id);
  const events = history.data ?? [];
  return (
    <div className="card" data-testid="alert-history">
      <div className="card-header"><span className="card-title">{t('alerts.history.title')}</span></div>
      {history.isPending ? <ListSkeleton rows={3} />
        : history.isError ? <ErrorState error={history.error} onRetry={() => void history.refetch()} />
        : events.length === 0 ? <EmptyState icon="clock" title={t('alerts.history.empty')} />
        : (
          <table className="simple static">
            <thead>
              <tr>{(['alerts.history.col.time', 'alerts.history.col.event', 'alerts.history.col.group', 'alerts.history.col.value', 'alerts.history.col.delivery'] as const).map((h) => <th key={h} scope="col">{t(h)}</th>)}</tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-event-kind={e.kind}>
                  <td title={formatDateTime(e.at)}>{formatRelativeTime(e.at, lang)}</td>
                  <td><span className={`badge ${KIND_CLASS[e.kind]}`}>{t(`alerts.history.kind.${e.kind}`)}</span></td>
                  <td>{e.group || <span className="faint">{rule.group_by ? '(none)' : '—'}</span>}</td>
                  <td><strong>{formatMetric(rule.metric, e.value)}</strong> <span className="muted">{t('alerts.history.threshold', { threshold: formatMetric(rule.metric, e.threshold) })}</span></td>
                  <td style={{ fontSize: 12.5 }}>
                    {e.deliveries === null ? <span className="muted">{t('alerts.history.sending')}</span>
                      : e.deliveries.length === 0 ? <span className="faint">{t('alerts.history.noChannels')}</span>
                      : e.deliveries.map((d, i) => (
                        <div key={i} title={d.error ?? ''} style={{ color: d.ok ? undefined : 'var(--bad)' }}>
                          {d.ok ? '✓' : '✗'} {t(`alerts.channel.${d.channel}`)} · {d.target}{d.ok ? '' : ` — ${d.error ?? ''}`}
                        </div>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </div>
  );
}
