import { useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatDateTime, formatRelativeTime } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { GatewayKey, Me } from '../../../api-types.ts';
import { useKeys } from '../api/get-keys.ts';
import { useRevokeKey } from '../api/revoke-key.ts';
import { CreateKeyDialog } from './create-key-dialog.tsx';
import { describeLimits } from './key-limits.ts';

function KeyStatus({ k, now }: { k: GatewayKey; now: number }) {
  const { t } = useI18n();
  if (k.revoked_at !== null) return <span className="badge bad">{t('keys.status.revoked')}</span>;
  if (k.expires_at !== null && k.expires_at <= now) return <span className="badge warn">{t('keys.status.expired')}</span>;
  return <span className="badge good">{t('keys.status.active')}</span>;
}

/**
 * Gateway keys of the caller's projects: who made what, what each may do, when it was last
 * used; members and admins create (the key is shown once) and revoke (after a confirmation).
 */
export function KeysPage({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const query = useKeys();
  const revoke = useRevokeKey();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<GatewayKey | null>(null);
  const keys = query.data ?? [];
  const writable = me.role !== 'viewer';
  const now = Date.now();
  const knownProjects = [...new Set(keys.map((k) => k.project_id))].sort();

  const when = (ms: number | null, never: string) => (ms === null ? <span className="faint">{never}</span>
    : <span title={formatDateTime(ms)}>{formatRelativeTime(ms, lang, now)}</span>);

  return (
    <div className="page">
      <PageHeader title={t('nav.keys')} subtitle={t('keys.subtitle')} timeControls={false}>
        {writable && (
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="create-key">
            <Icon name="lock" />{t('keys.create')}
          </button>
        )}
      </PageHeader>
      <div className="card" style={{ overflow: 'auto' }}>
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : keys.length === 0 ? <EmptyState icon="lock" title={t('keys.empty')} hint={t('keys.emptyHint')} />
          : (
            <table className="simple static" aria-label={t('nav.keys')} data-testid="keys-table">
              <thead>
                <tr>
                  {(['keys.col.name', 'keys.col.project', 'keys.col.prefix', 'keys.col.created', 'keys.col.expires', 'keys.col.lastUsed', 'keys.col.access', 'keys.col.status'] as const).map((h) => <th key={h} scope="col">{t(h)}</th>)}
                  {writable && <th scope="col"><span className="sr-only">{t('keys.revoke')}</span></th>}
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => {
                  const limits = describeLimits(k.limits, t);
                  const live = k.revoked_at === null && (k.expires_at === null || k.expires_at > now);
                  return (
                    <tr key={k.key_id} data-key-id={k.key_id} style={live ? undefined : { opacity: 0.6 }}>
                      <td><strong>{k.name || <span className="faint">{t('keys.unnamed')}</span>}</strong></td>
                      <td>{k.project_id}</td>
                      <td><code>{k.prefix}…</code></td>
                      <td>{when(k.created_at, '')}</td>
                      <td>{k.expires_at === null ? <span className="faint">{t('keys.expires.never')}</span> : formatDateTime(k.expires_at)}</td>
                      <td>{when(k.last_used_at, t('keys.neverUsed'))}</td>
                      <td style={{ fontSize: 12.5 }}>
                        {k.allowed_models.length > 0 && <div title={k.allowed_models.join(', ')}>{t('keys.models', { models: k.allowed_models.join(', ') })}</div>}
                        {limits && <div className="muted">{limits}</div>}
                        {k.allowed_models.length === 0 && !limits && <span className="faint">{t('keys.unrestricted')}</span>}
                      </td>
                      <td><KeyStatus k={k} now={now} /></td>
                      {writable && (
                        <td className="right">
                          {k.revoked_at === null && (
                            <button type="button" className="btn btn-sm btn-danger" onClick={() => { revoke.reset(); setRevoking(k); }} data-testid="revoke-key">{t('keys.revoke')}</button>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
      </div>
      {creating && <CreateKeyDialog onClose={() => setCreating(false)} projects={me.projects} knownProjects={knownProjects} />}
      <ConfirmDialog
        open={revoking !== null}
        title={t('keys.revokeTitle', { name: revoking?.name || revoking?.prefix || '' })}
        confirmLabel={t('keys.revoke')}
        pending={revoke.isPending}
        error={revoke.error?.message}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.key_id, { onSuccess: () => setRevoking(null) })}
      >
        {t('keys.revokeBody')}
      </ConfirmDialog>
    </div>
  );
}
