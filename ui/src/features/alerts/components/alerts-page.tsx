import { useI18n, type MessageKey, type Translate } from '../../../lib/i18n/index.tsx';
import { Link, navigate } from '../../../lib/router.tsx';
import { PageHeader } from '../../../components/page-header.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { Me } from '../../../api-types.ts';
import { useAlerts } from '../api/get-alerts.ts';
import type { AlertRule } from '../api/types.ts';
import { formatMetric } from '../lib/rule-form.ts';
import { AlertStateBadge, SeverityBadge } from './alert-badges.tsx';

/** "Cost (sum) over 5m > $0.50, per model". */
export function describeCondition(rule: AlertRule, t: Translate): string {
  const what = `${t(`alerts.metric.${rule.metric}`)} (${t(`alerts.agg.${rule.aggregation}` as MessageKey)})`;
  const span = rule.budget ? t(`alerts.budget.period.${rule.budget.period}`) : t('alerts.overWindow', { window: rule.window });
  const group = rule.group_by ? `, ${t('alerts.perGroup', { group: rule.group_by })}` : '';
  return `${what} ${span} ${rule.comparator} ${formatMetric(rule.metric, rule.threshold)}${group}`;
}

/** Every rule the caller may read, firing ones first, each with where it stands now. */
export function AlertsPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const query = useAlerts();
  const rules = [...(query.data ?? [])].sort((a, b) => Number(b.state === 'firing') - Number(a.state === 'firing') || a.name.localeCompare(b.name));
  const writable = me.role !== 'viewer';

  return (
    <div className="page">
      <PageHeader title={t('nav.alerts')} subtitle={t('alerts.subtitle')} timeControls={false}>
        {writable && <Link to="/alerts/new" className="btn btn-primary" data-testid="new-alert"><Icon name="alert" />{t('alerts.new')}</Link>}
      </PageHeader>
      <div className="card" style={{ overflow: 'auto' }}>
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : rules.length === 0 ? <EmptyState icon="alert" title={t('alerts.empty')} hint={t('alerts.emptyHint')} />
          : (
            <table className="simple" aria-label={t('nav.alerts')} data-testid="alerts-table">
              <thead>
                <tr>
                  {(['alerts.col.name', 'alerts.col.state', 'alerts.col.condition', 'alerts.col.project', 'alerts.col.severity', 'alerts.col.channels'] as const).map((h) => <th key={h} scope="col">{t(h)}</th>)}
                </tr>
              </thead>
              <tbody>
                {rules.map((r) => {
                  const firing = r.groups.filter((g) => g.state === 'firing');
                  return (
                    <tr key={r.id} data-alert-id={r.id} onClick={() => navigate(`/alerts/${r.id}`)} style={r.enabled ? undefined : { opacity: 0.6 }}>
                      <td><Link to={`/alerts/${r.id}`} onClick={(e) => e.stopPropagation()}><strong>{r.name}</strong></Link></td>
                      <td>
                        {r.enabled ? <AlertStateBadge state={r.state} /> : <span className="badge">{t('alerts.disabled')}</span>}
                        {r.group_by && firing.length > 0 && <span className="muted" style={{ marginLeft: 6, fontSize: 12 }}>{firing.map((g) => g.group || '(none)').join(', ')}</span>}
                      </td>
                      <td style={{ fontSize: 13 }}>{describeCondition(r, t)}</td>
                      <td>{r.project ?? <span className="faint">{t('alerts.allProjects')}</span>}</td>
                      <td><SeverityBadge severity={r.severity} /></td>
                      <td className="muted">{r.channels.map((c) => t(`alerts.channel.${c.type}`)).join(', ') || '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
      </div>
    </div>
  );
}
