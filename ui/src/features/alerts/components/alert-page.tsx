import { useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { Link, navigate } from '../../../lib/router.tsx';
import { PageHeader } from '../../../components/page-header.tsx';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { ErrorState, ListSkeleton } from '../../../components/states.tsx';
import type { Me } from '../../../api-types.ts';
import { useDeleteAlert } from '../api/delete-alert.ts';
import { useAlert } from '../api/get-alert.ts';
import { useTestAlert } from '../api/test-alert.ts';
import type { AlertRule } from '../api/types.ts';
import { emptyForm, formatMetric, formOf } from '../lib/rule-form.ts';
import { AlertEditor } from './alert-editor.tsx';
import { AlertHistory } from './alert-history.tsx';
import { AlertStateBadge } from './alert-badges.tsx';

/** A new rule: the editor with defaults, in the caller's first project. */
export function NewAlertPage({ me }: { me: Me }) {
  const { t } = useI18n();
  return (
    <div className="page">
      <PageHeader title={t('alerts.new')} subtitle={<Link to="/alerts">{t('alerts.back')}</Link>} timeControls={false} />
      <AlertEditor initial={emptyForm(me.projects?.[0] ?? '')} me={me} onSaved={(rule) => navigate(`/alerts/${rule.id}`, { replace: true })} onCancel={() => navigate('/alerts')} />
    </div>
  );
}

function GroupStates({ rule }: { rule: AlertRule }) {
  const { t } = useI18n();
  if (rule.groups.length === 0) return null;
  return (
    <div className="card card-body" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' }} data-testid="alert-groups">
      {rule.groups.map((g) => (
        <span key={g.group} style={{ display: 'inline-flex', gap: 6, alignItems: 'center', marginRight: 12 }}>
          <AlertStateBadge state={g.state} />
          {rule.group_by && <strong>{g.group || '(none)'}</strong>}
          <span className="muted">{formatMetric(rule.metric, g.value)} · {t('alerts.since', { time: formatDateTime(g.since).slice(0, 16) })}</span>
        </span>
      ))}
    </div>
  );
}

/** One rule: where it stands per group, its editor with the preview, test send, delete, history. */
export function AlertPage({ id, me }: { id: string; me: Me }) {
  const { t } = useI18n();
  const query = useAlert(id);
  const remove = useDeleteAlert();
  const test = useTestAlert(id);
  const [confirming, setConfirming] = useState(false);
  const rule = query.data;
  const writable = me.role !== 'viewer';

  if (query.isPending) return <div className="page"><div className="card"><ListSkeleton rows={6} /></div></div>;
  if (query.isError || !rule) return <div className="page"><div className="card"><ErrorState error={query.error} onRetry={() => void query.refetch()} /></div></div>;
  const delivered = test.data?.deliveries.filter((d) => d.ok).length;

  return (
    <div className="page">
      <PageHeader
        title={<span style={{ display: 'inline-flex', gap: 10, alignItems: 'center' }}>{rule.name} {rule.enabled ? <AlertStateBadge state={rule.state} /> : <span className="badge">{t('alerts.disabled')}</span>}</span>}
        subtitle={<><Link to="/alerts">{t('alerts.back')}</Link> · {t('alerts.version', { version: rule.version, who: rule.updated_by, when: formatDateTime(rule.updated_at).slice(0, 16) })}</>}
        timeControls={false}
      >
        {writable && <button type="button" className="btn" onClick={() => test.mutate()} disabled={test.isPending} data-testid="test-alert">{t('alerts.test')}</button>}
        {writable && <button type="button" className="btn btn-danger" onClick={() => setConfirming(true)} data-testid="delete-alert">{t('action.delete')}</button>}
      </PageHeader>
      {test.data && <div className={`notice ${delivered === test.data.deliveries.length ? 'good' : 'bad'}`} role="status" style={{ marginBottom: 12 }}>{t('alerts.testSent', { ok: delivered ?? 0, n: test.data.deliveries.length })}</div>}
      {test.error && <div className="notice bad" role="alert" style={{ marginBottom: 12 }}>{test.error.message}</div>}
      <div style={{ display: 'flex', flexDirection: 'column', gap: 16 }}>
        <GroupStates rule={rule} />
        <AlertEditor key={rule.version} initial={formOf(rule)} me={me} ruleId={rule.id} onSaved={() => void query.refetch()} onCancel={() => navigate('/alerts')} />
        <AlertHistory rule={rule} />
      </div>
      <ConfirmDialog
        open={confirming}
        title={t('alerts.deleteTitle', { name: rule.name })}
        confirmLabel={t('action.delete')}
        pending={remove.isPending}
        error={remove.error?.message}
        onClose={() => setConfirming(false)}
        onConfirm={() => remove.mutate(rule.id, { onSuccess: () => navigate('/alerts') })}
      >
        {t('alerts.deleteBody')}
      </ConfirmDialog>
    </div>
  );
}
