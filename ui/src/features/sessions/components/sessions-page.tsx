import { useMemo } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { navigate, useSearchParams, withQuery } from '../../../lib/router.tsx';
import { timeParams, useTimeWindow } from '../../../lib/time-range.ts';
import { formatCost, formatDateTime, formatDuration, formatInteger, formatRelativeTime, formatTokens } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { SimpleTable, BarValue, type SimpleColumn } from '../../../components/simple-table.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import type { SessionSummary } from '../../../api-types.ts';
import { useSessions } from '../api/get-sessions.ts';

export function SessionsPage() {
  const { t, lang } = useI18n();
  const { from, to } = useTimeWindow();
  const params = useSearchParams();
  const userId = params.get('user_id') ?? undefined;
  const query = useSessions({ from, to, user_id: userId });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.data) ?? [], [query.data]);
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd));

  const columns: SimpleColumn<SessionSummary>[] = [
    {
      id: 'name', header: t('sessions.session'),
      cell: (s) => <div style={{ display: 'flex', flexDirection: 'column' }}><strong>{s.session_name || s.session_id}</strong>{s.session_name && <span className="mono faint" style={{ fontSize: 11.5 }}>{s.session_id}</span>}</div>,
    },
    { id: 'user', header: t('col.user'), cell: (s) => s.user_id || <span className="faint">—</span> },
    { id: 'requests', header: t('metric.requests'), right: true, cell: (s) => formatInteger(s.requests) },
    { id: 'errors', header: t('sessions.errors'), right: true, cell: (s) => (s.errors ? <span className="badge bad">{s.errors}</span> : <span className="faint">0</span>) },
    { id: 'cost', header: t('col.cost'), right: true, cell: (s) => <BarValue value={s.cost_usd} max={maxCost}>{formatCost(s.cost_usd)}</BarValue> },
    { id: 'tokens', header: t('col.tokens'), right: true, cell: (s) => formatTokens(s.total_tokens) },
    { id: 'duration', header: t('sessions.duration'), right: true, cell: (s) => formatDuration(s.duration_ms) },
    { id: 'started', header: t('sessions.started'), cell: (s) => <span title={formatDateTime(s.started_at)}>{formatRelativeTime(s.started_at, lang)}</span> },
  ];

  return (
    <div className="page">
      <PageHeader title={t('nav.sessions')} subtitle={userId ? t('sessions.forUser', { user: userId }) : t('sessions.subtitle')} />
      <div className="card">
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : rows.length === 0 ? <EmptyState icon="sessions" title={t('empty.noSessions')} hint={t('empty.noSessionsHint')} />
          : (
            <>
              <SimpleTable label={t('nav.sessions')} columns={columns} rows={rows} rowKey={(s) => s.session_id} testId="sessions-table"
                onOpen={(s) => navigate(withQuery(`/sessions/${encodeURIComponent(s.session_id)}`, timeParams(params)))} />
              {query.hasNextPage && (
                <div className="table-foot">
                  <button type="button" className="btn btn-sm" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                    {query.isFetchingNextPage ? t('state.loadingMore') : t('action.loadMore')}
                  </button>
                </div>
              )}
            </>
          )}
      </div>
    </div>
  );
}
