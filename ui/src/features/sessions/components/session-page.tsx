import { useMemo, useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { Link, updateSearch, useSearchParams, withQuery } from '../../../lib/router.tsx';
import { formatCost, formatDateTime, formatDuration, formatInteger, formatTokens } from '../../../lib/format.ts';
import { requestsHref } from '../../../lib/request-filters.ts';
import { timeParams, useTimeWindow } from '../../../lib/time-range.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { StatusBadge } from '../../../components/badges.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { RequestRow } from '../../../api-types.ts';
import { useSessionDetail } from '../api/get-session-detail.ts';
import { buildSessionTree, flattenTree, type TreeNode } from '../lib/build-tree.ts';

const openRequest = (id: string) => updateSearch((p) => p.set('request', id));

function SessionTree({ root, selected }: { root: TreeNode; selected: string | null }) {
  const { t } = useI18n();
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const lines = flattenTree(root, collapsed);
  const toggle = (path: string) => setCollapsed((c) => {
    const next = new Set(c);
    if (next.has(path)) next.delete(path); else next.add(path);
    return next;
  });
  return (
    <div className="tree" role="tree" aria-label={t('sessions.tree')} data-testid="session-tree">
      <div className="tree-row" style={{ cursor: 'default', fontSize: 11.5, color: 'var(--faint)', fontWeight: 600, textTransform: 'uppercase' }} aria-hidden="true">
        <span>{t('sessions.path')}</span><span style={{ textAlign: 'right' }}>{t('col.cost')}</span><span style={{ textAlign: 'right' }}>{t('col.latency')}</span>
      </div>
      {lines.map((line) => {
        const pad = { paddingLeft: 14 + line.depth * 18 };
        if (line.kind === 'node') {
          const n = line.node;
          const open = !collapsed.has(n.path);
          const hasKids = n.children.length + n.requests.length > 0;
          return (
            <button key={`n${n.path}`} type="button" role="treeitem" aria-expanded={hasKids ? open : undefined} aria-level={line.depth + 1}
              className="tree-row" style={pad} onClick={() => hasKids && toggle(n.path)} data-testid="tree-node" data-path={n.path}>
              <span className="tree-label">
                <Icon name={open ? 'chevronDown' : 'chevronRight'} width={13} height={13} style={{ opacity: hasKids ? 0.7 : 0 }} />
                <span className="seg">{n.path === '/' ? t('sessions.root') : n.name}</span>
                <span className="badge">{n.count}</span>
                {n.errors > 0 && <span className="badge bad">{n.errors} ✕</span>}
              </span>
              <span className="num" style={{ textAlign: 'right' }}>{formatCost(n.cost)}</span>
              <span className="num muted" style={{ textAlign: 'right' }}>{formatDuration(n.latency)}</span>
            </button>
          );
        }
        const r = line.request;
        return (
          <button key={`r${r.request_id}`} type="button" role="treeitem" aria-level={line.depth + 1} aria-selected={selected === r.request_id}
            className="tree-row" style={pad} onClick={() => openRequest(r.request_id)} data-testid="tree-request">
            <span className="tree-label tree-req">
              <span className="guide">└</span>
              <StatusBadge status={r.status} errorType={r.error_type} />
              <span className="truncate">{r.model}</span>
            </span>
            <span className="num" style={{ textAlign: 'right' }}>{formatCost(r.cost_usd)}</span>
            <span className="num muted" style={{ textAlign: 'right' }}>{formatDuration(r.latency_ms)}</span>
          </button>
        );
      })}
    </div>
  );
}

function SessionTimeline({ rows, start, end }: { rows: RequestRow[]; start: number; end: number }) {
  const { t } = useI18n();
  const span = Math.max(1, end - start);
  return (
    <div className="gantt" data-testid="session-timeline">
      {rows.map((r) => {
        const s = Date.parse(r.created_at) - start;
        const tone = r.status === 0 || r.status >= 400 ? ' bad' : r.cache_status === 'hit' ? ' hit' : '';
        return (
          <button key={r.request_id} type="button" className="gantt-row" onClick={() => openRequest(r.request_id)}
            title={`${r.session_path || '/'} · ${r.model} · ${formatDuration(r.latency_ms)} · ${formatCost(r.cost_usd)}`}>
            <span className="truncate"><span className="mono faint">{r.session_path || '/'}</span> {r.model}</span>
            <span className="gantt-track">
              <span className={`gantt-bar${tone}`} style={{ left: `${(s / span) * 100}%`, width: `${(r.latency_ms / span) * 100}%` }} />
            </span>
          </button>
        );
      })}
      <div className="gantt-axis" aria-hidden="true">
        <div />
        <div><span>0</span><span>{formatDuration(span / 2)}</span><span>{formatDuration(span)}</span></div>
      </div>
      <div className="muted" style={{ fontSize: 12, display: 'flex', gap: 14 }}>
        <span><span className="dot" style={{ color: 'var(--accent)' }} /> {t('sessions.legendCall')}</span>
        <span><span className="dot" style={{ color: 'var(--good)' }} /> {t('cache.hit')}</span>
        <span><span className="dot" style={{ color: 'var(--bad)' }} /> {t('sessions.legendError')}</span>
      </div>
    </div>
  );
}

export function SessionPage({ id }: { id: string }) {
  const { t } = useI18n();
  const { range, from, to } = useTimeWindow();
  const query = useSessionDetail(id, { from, to });
  const params = useSearchParams();
  const selected = params.get('request');
  const rows = useMemo(() => query.data?.requests ?? [], [query.data]);
  const root = useMemo(() => buildSessionTree(rows), [rows]);
  const name = query.data?.session_name || id;
  const tokens = rows.reduce((s, r) => s + r.prompt_tokens + r.completion_tokens, 0);
  const users = [...new Set(rows.map((r) => r.user_id).filter(Boolean))];

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label={t('sessions.breadcrumbs')}>
        <Link to={withQuery('/sessions', timeParams(params))}>{t('nav.sessions')}</Link><span>/</span><span className="truncate">{name}</span>
      </nav>
      <PageHeader title={name} subtitle={<span className="mono">{id}</span>}>
        <Link className="btn" to={requestsHref({ range, values: { session_id: id } })}><Icon name="list" />{t('sessions.viewRequests')}</Link>
      </PageHeader>
      {query.isPending ? <div className="card"><ListSkeleton /></div>
        : query.isError ? <div className="card"><ErrorState error={query.error} onRetry={() => void query.refetch()} /></div>
        : rows.length === 0 ? <div className="card"><EmptyState icon="sessions" title={t('empty.sessionEmpty')} hint={t('empty.widenRange')} /></div>
        : (
          <>
            <div className="card card-body stats" data-testid="session-stats">
              <div className="stat"><span>{t('metric.requests')}</span><span>{formatInteger(root.count)}</span></div>
              <div className="stat"><span>{t('sessions.errors')}</span><span style={{ color: root.errors ? 'var(--bad)' : undefined }}>{root.errors}</span></div>
              <div className="stat"><span>{t('col.cost')}</span><span>{formatCost(root.cost)}</span></div>
              <div className="stat"><span>{t('col.tokens')}</span><span>{formatTokens(tokens)}</span></div>
              <div className="stat"><span>{t('sessions.duration')}</span><span>{formatDuration(root.end - root.start)}</span></div>
              <div className="stat"><span>{t('sessions.started')}</span><span title={formatDateTime(root.start, true)}>{formatDateTime(root.start).slice(5)}</span></div>
              <div className="stat"><span>{t('col.user')}</span><span>{users.length ? users.map((u, i) => <span key={u}>{i > 0 && ', '}<Link to={requestsHref({ range, values: { user_id: u } })}>{u}</Link></span>) : '—'}</span></div>
            </div>
            {query.data?.truncated && <div className="notice">{t('sessions.truncated', { count: rows.length })}</div>}
            <div className="split">
              <section className="card">
                <div className="card-header"><span className="card-title">{t('sessions.tree')}</span></div>
                <SessionTree root={root} selected={selected} />
              </section>
              <section className="card">
                <div className="card-header"><span className="card-title">{t('sessions.timeline')}</span></div>
                <SessionTimeline rows={rows} start={root.start} end={root.end} />
              </section>
            </div>
          </>
        )}
    </div>
  );
}
