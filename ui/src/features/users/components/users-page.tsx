import { useI18n } from '../../../lib/i18n/index.tsx';
import { Link, navigate, useSearchParams } from '../../../lib/router.tsx';
import { timeParams, useTimeWindow } from '../../../lib/time-range.ts';
import { formatCost, formatDateTime, formatInteger, formatPercent, formatRelativeTime, formatTokens } from '../../../lib/format.ts';
import { requestsHref } from '../../../lib/request-filters.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { BarValue, SimpleTable, type SimpleColumn } from '../../../components/simple-table.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import type { UserSummary } from '../../../api-types.ts';
import { useUsers } from '../api/get-users.ts';

export function UsersPage() {
  const { t, lang } = useI18n();
  const { range, from, to } = useTimeWindow();
  const params = useSearchParams();
  const query = useUsers({ from, to });
  const rows = query.data ?? [];
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd));
  const maxRequests = Math.max(0, ...rows.map((r) => r.requests));

  const columns: SimpleColumn<UserSummary>[] = [
    { id: 'user', header: t('col.user'), cell: (u) => <strong>{u.user_id || <span className="faint">{t('users.anonymous')}</span>}</strong> },
    { id: 'requests', header: t('metric.requests'), right: true, cell: (u) => <BarValue value={u.requests} max={maxRequests}>{formatInteger(u.requests)}</BarValue> },
    { id: 'errors', header: t('metric.errorRate'), right: true, cell: (u) => <span style={{ color: u.errors ? 'var(--bad)' : undefined }}>{formatPercent(u.requests ? u.errors / u.requests : 0)}</span> },
    { id: 'cost', header: t('col.cost'), right: true, cell: (u) => <BarValue value={u.cost_usd} max={maxCost}>{formatCost(u.cost_usd)}</BarValue> },
    { id: 'tokens', header: t('col.tokens'), right: true, cell: (u) => formatTokens(u.total_tokens) },
    { id: 'last', header: t('users.lastSeen'), cell: (u) => <span title={formatDateTime(u.last_seen)}>{formatRelativeTime(u.last_seen, lang)}</span> },
    {
      id: 'sessions', header: '', cell: (u) => u.user_id && (
        <Link to={`/sessions?${new URLSearchParams([...timeParams(params), ['user_id', u.user_id]])}`} onClick={(e) => e.stopPropagation()}>{t('nav.sessions')}</Link>
      ),
    },
  ];

  return (
    <div className="page">
      <PageHeader title={t('nav.users')} subtitle={t('users.subtitle')} />
      <div className="card">
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : rows.length === 0 ? <EmptyState icon="users" title={t('empty.noUsers')} hint={t('empty.noUsersHint')} />
          : <SimpleTable label={t('nav.users')} columns={columns} rows={rows} rowKey={(u) => u.user_id} testId="users-table"
              onOpen={(u) => navigate(requestsHref({ range, values: { user_id: u.user_id } }))} />}
      </div>
    </div>
  );
}
