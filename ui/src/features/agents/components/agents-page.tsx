import { useMemo, useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { navigate, updateSearch, useSearchParams, withQuery } from '../../../lib/router.tsx';
import { timeParams, useTimeWindow } from '../../../lib/time-range.ts';
import { formatCost, formatDuration, formatInteger, formatPercent, formatTokens } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { BarValue, SimpleTable, type SimpleColumn } from '../../../components/simple-table.tsx';
import { EmptyState, ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { useAgentSessions, type AgentSession } from '../api/get-agent-sessions.ts';

/** Sessions of coding agents: by agent, user and day, the most expensive first on demand, two to compare. */
export function AgentsPage() {
  const { t } = useI18n();
  const { from, to } = useTimeWindow();
  const params = useSearchParams();
  const sort = params.get('sort') === 'cost' ? 'cost' : 'started';
  const agent = params.get('agent') ?? undefined;
  const query = useAgentSessions({ from, to, sort, agent });
  const rows = useMemo(() => query.data?.data ?? [], [query.data]);
  const [picked, setPicked] = useState<string[]>([]);
  const maxCost = Math.max(0, ...rows.map((r) => r.cost_usd));
  const groups = useMemo(() => {
    const byKey = new Map<string, { agent: string; user: string; day: string; sessions: number; cost: number }>();
    for (const r of rows) {
      const day = r.started_at.slice(0, 10);
      const key = `${r.agent}\u0000${r.user_id}\u0000${day}`;
      const g = byKey.get(key) ?? { agent: r.agent, user: r.user_id, day, sessions: 0, cost: 0 };
      g.sessions += 1;
      g.cost += r.cost_usd;
      byKey.set(key, g);
    }
    return [...byKey.values()].sort((a, b) => b.day.localeCompare(a.day) || b.cost - a.cost);
  }, [rows]);
  const open = (s: AgentSession) => navigate(withQuery(`/agents/${encodeURIComponent(s.session_id)}`, timeParams(params)));
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  const columns: SimpleColumn<AgentSession>[] = [
    { id: 'pick', header: '', cell: (s) => <input type="checkbox" aria-label={t('agents.pick')} checked={picked.includes(s.session_id)} onClick={(e) => e.stopPropagation()} onChange={() => toggle(s.session_id)} /> },
    { id: 'agent', header: t('agents.agent'), cell: (s) => <span><strong>{s.agent}</strong> <span className="faint">{s.agent_version}</span></span> },
    { id: 'session', header: t('sessions.session'), cell: (s) => <span className="mono">{s.session_id.slice(0, 13)}</span> },
    { id: 'user', header: t('col.user'), cell: (s) => s.user_id || <span className="faint">—</span> },
    { id: 'turns', header: t('agents.turns'), right: true, cell: (s) => formatInteger(s.requests) },
    { id: 'subagents', header: t('agents.subagents'), right: true, cell: (s) => formatInteger(s.subagents) },
    { id: 'tokens', header: t('col.tokens'), right: true, cell: (s) => formatTokens(s.prompt_tokens + s.completion_tokens) },
    { id: 'cache', header: t('agents.cacheHit'), right: true, cell: (s) => formatPercent(s.cache_hit_rate) },
    { id: 'cost', header: t('col.cost'), right: true, cell: (s) => <BarValue value={s.cost_usd} max={maxCost}>{formatCost(s.cost_usd)}</BarValue> },
    { id: 'uncached', header: t('agents.withoutCache'), right: true, cell: (s) => formatCost(s.cost_without_cache_usd) },
    { id: 'errors', header: t('sessions.errors'), right: true, cell: (s) => (s.errors ? <span className="badge bad">{s.errors}</span> : <span className="faint">0</span>) },
    { id: 'retries', header: t('agents.retries'), right: true, cell: (s) => formatInteger(s.retries) },
    { id: 'duration', header: t('sessions.duration'), right: true, cell: (s) => formatDuration(s.duration_ms) },
  ];

  return (
    <div className="page">
      <PageHeader title={t('nav.agents')} subtitle={t('agents.subtitle')}>
        <div className="segmented" role="radiogroup" aria-label={t('agents.sort')}>
          {(['started', 'cost'] as const).map((s) => (
            <button key={s} type="button" role="radio" aria-checked={sort === s} onClick={() => updateSearch((p) => p.set('sort', s))}>{t(s === 'cost' ? 'agents.mostExpensive' : 'agents.newest')}</button>
          ))}
        </div>
        <button type="button" className="btn btn-sm" disabled={picked.length !== 2} data-testid="compare"
          onClick={() => navigate(withQuery('/agents/compare', new URLSearchParams([...timeParams(params), ['a', picked[0]!], ['b', picked[1]!]])))}>
          {t('agents.compare')}
        </button>
      </PageHeader>
      <div className="card">
        {query.isPending ? <ListSkeleton />
          : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          : rows.length === 0 ? <EmptyState icon="sessions" title={t('agents.empty')} hint={t('agents.emptyHint')} />
          : <SimpleTable label={t('nav.agents')} columns={columns} rows={rows} rowKey={(s) => `${s.project_id}/${s.session_id}`} testId="agent-sessions" onOpen={open} />}
      </div>
      {groups.length > 0 && (
        <div className="card" style={{ marginTop: 16 }}>
          <h2 className="card-title">{t('agents.byAgentUserDay')}</h2>
          <SimpleTable label={t('agents.byAgentUserDay')} rows={groups} rowKey={(g) => `${g.agent}/${g.user}/${g.day}`} testId="agent-groups"
            onOpen={(g) => updateSearch((p) => p.set('agent', g.agent))}
            columns={[
              { id: 'agent', header: t('agents.agent'), cell: (g) => g.agent },
              { id: 'user', header: t('col.user'), cell: (g) => g.user || <span className="faint">—</span> },
              { id: 'day', header: t('agents.day'), cell: (g) => g.day },
              { id: 'sessions', header: t('nav.sessions'), right: true, cell: (g) => formatInteger(g.sessions) },
              { id: 'cost', header: t('col.cost'), right: true, cell: (g) => formatCost(g.cost) },
            ]} />
        </div>
      )}
    </div>
  );
}
