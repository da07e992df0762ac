import { useState, type FormEvent } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatDateTime, formatRelativeTime } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { Dialog } from '../../../components/dialog.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { Account, Me, Role } from '../../../api-types.ts';
import { useAccounts } from '../api/get-accounts.ts';
import { useCreateAccount } from '../api/create-account.ts';
import { useUpdateAccount } from '../api/update-account.ts';
import { useDeleteAccount } from '../api/delete-account.ts';

const ROLES: Role[] = ['admin', 'member', 'viewer'];
const splitProjects = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Create, or edit an existing account's role, projects and (optionally) password. */
function AccountDialog({ account, onClose }: { account: Account | null; onClose: () => void }) {
  const { t } = useI18n();
  const create = useCreateAccount();
  const update = useUpdateAccount();
  const [email, setEmail] = useState('');
  const [name, setName] = useState(account?.name ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(account?.role ?? 'member');
  const [projects, setProjects] = useState(account?.project_ids.join(', ') ?? '');
  const mutation = account ? update : create;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (account) {
      update.mutate({ id: account.account_id, change: { name, role, projects: splitProjects(projects), ...(password ? { password } : {}) } }, { onSuccess: onClose });
    } else {
      create.mutate({ email: email.trim(), password, name, role, projects: splitProjects(projects) }, { onSuccess: onClose });
    }
  };

  return (
    <Dialog open onClose={onClose} labelledBy="account-dialog-title" variant="modal">
      <h2 id="account-dialog-title">{account ? t('accounts.editTitle', { email: account.email }) : t('accounts.create')}</h2>
      <form onSubmit={submit} style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <div className="form-grid">
          {!account && (
            <label className="field">
              <span>{t('signin.email')}</span>
              <input className="input" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />
            </label>
          )}
          <label className="field">
            <span>{t('accounts.col.name')}</span>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
          </label>
          <label className="field">
            <span>{t('accounts.col.role')}</span>
            <select className="select" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
            </select>
          </label>
        </div>
        <label className="field">
          <span>{t('accounts.col.projects')}</span>
          <input className="input" value={projects} onChange={(e) => setProjects(e.target.value)} disabled={role === 'admin'}
            placeholder={role === 'admin' ? t('accounts.allProjects') : 'team-a, team-b'} />
        </label>
        <label className="field">
          <span>{account ? t('accounts.newPassword') : t('signin.password')}</span>
          <input className="input" type="password" autoComplete="new-password" minLength={10} required={!account} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <p className="muted" style={{ margin: 0, fontSize: 12.5 }}>{t(`role.${role}.hint`)}</p>
        {mutation.error && <div className="form-error" role="alert">{mutation.error.message}</div>}
        <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>{t('action.cancel')}</button>
          <button type="submit" className="btn btn-primary" disabled={mutation.isPending}>{account ? t('action.save') : t('accounts.create')}</button>
        </div>
      </form>
    </Dialog>
  );
}

/** Admins only: who may sign in, with which role and in which projects. */
export function AccountsPage({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const query = useAccounts();
  const remove = useDeleteAccount();
  const [editing, setEditing] = useState<Account | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Account | null>(null);
  const accounts = query.data ?? [];

  return (
    <div className="page">
      <PageHeader title={t('nav.accounts')} subtitle={t('accounts.subtitle')} timeControls={false}>
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="create-account">
          <Icon name="users" />{t('accounts.create')}
        </button>
      </PageHeader>
      <div className="card" style={{ overflow: 'auto' }}>
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : accounts.length === 0 ? <EmptyState icon="users" title={t('accounts.empty')} hint={t('accounts.emptyHint')} />
          : (
            <table className="simple static" aria-label={t('nav.accounts')} data-testid="accounts-table">
              <thead>
                <tr>
                  {(['signin.email', 'accounts.col.name', 'accounts.col.role', 'accounts.col.projects', 'accounts.col.created'] as const).map((h) => <th key={h} scope="col">{t(h)}</th>)}
                  <th scope="col"><span className="sr-only">{t('accounts.actions')}</span></th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((a) => (
                  <tr key={a.account_id} data-account-id={a.account_id}>
                    <td><strong>{a.email}</strong>{a.account_id === me.account_id && <span className="badge accent" style={{ marginLeft: 6 }}>{t('accounts.you')}</span>}</td>
                    <td>{a.name}</td>
                    <td><span className="badge">{t(`role.${a.role}`)}</span></td>
                    <td>{a.role === 'admin' ? <span className="faint">{t('accounts.allProjects')}</span> : a.project_ids.join(', ') || <span className="faint">{t('accounts.noProjects')}</span>}</td>
                    <td title={formatDateTime(a.created_at)}>{formatRelativeTime(a.created_at, lang)}</td>
                    <td className="right" style={{ whiteSpace: 'nowrap' }}>
                      <button type="button" className="btn btn-sm" onClick={() => setEditing(a)}>{t('action.edit')}</button>{' '}
                      {a.account_id !== me.account_id && (
                        <button type="button" className="btn btn-sm btn-danger" onClick={() => { remove.reset(); setDeleting(a); }}>{t('action.delete')}</button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </div>
      {editing && <AccountDialog key={editing === 'new' ? 'new' : editing.account_id} account={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={deleting !== null}
        title={t('accounts.deleteTitle', { email: deleting?.email ?? '' })}
        confirmLabel={t('action.delete')}
        pending={remove.isPending}
        error={remove.error?.message}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.account_id, { onSuccess: () => setDeleting(null) })}
      >
        {t('accounts.deleteBody')}
      </ConfirmDialog>
    </div>
  );
}
