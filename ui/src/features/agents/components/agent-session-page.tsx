import { useI18n } from '../../../lib/i18n/index.tsx';
import { useTimeWindow } from '../../../lib/time-range.ts';
import { formatCost, formatDuration, formatInteger, formatPercent, formatTokens } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { SimpleTable } from '../../../components/simple-table.tsx';
import { ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { updateSearch } from '../../../lib/router.tsx';
import { useAgentSession, type AgentSessionDetail } from '../api/get-agent-session.ts';

/** One agent session turn by turn: tool calls, tokens by kind, prompt-cache hits and why they missed, cost with and without caching. */
export function AgentSessionPage({ id }: { id: string }) {
  const { t } = useI18n();
  const window = useTimeWindow();
  const query = useAgentSession(id, window);
  return (
    <div className="page">
      <PageHeader title={`${t('sessions.session')} ${id.slice(0, 13)}`} subtitle={query.data?.summary ? `${query.data.summary.agent} ${query.data.summary.agent_version}` : undefined} />
      {query.isPending ? <div className="card"><ListSkeleton /></div>
        : query.isError ? <div className="card"><ErrorState error={query.error} onRetry={() => void query.refetch()} /></div>
        : (
          <>
            <SessionTotals detail={query.data} />
            <div className="card" style={{ marginTop: 16 }}>
              <SimpleTable label={t('agents.turns')} rows={query.data.turns} rowKey={(r) => r.request_id} testId="agent-turns"
                onOpen={(r) => updateSearch((p) => p.set('request', r.request_id))}
                columns={[
                  { id: 'n', header: '#', right: true, cell: (r) => String(query.data.turns.indexOf(r) + 1) },
                  { id: 'path', header: t('sessions.path'), cell: (r) => <span className="mono">{r.session_path || '/'}</span> },
                  { id: 'model', header: t('col.model'), cell: (r) => r.model },
                  { id: 'tools', header: t('agents.toolCalls'), right: true, cell: (r) => formatInteger(r.tool_calls) },
                  { id: 'in', header: t('agents.input'), right: true, cell: (r) => formatTokens(r.prompt_tokens) },
                  { id: 'out', header: t('agents.output'), right: true, cell: (r) => formatTokens(r.completion_tokens) },
                  { id: 'read', header: t('agents.cacheRead'), right: true, cell: (r) => formatTokens(r.cache_read_tokens) },
                  { id: 'write', header: t('agents.cacheWrite'), right: true, cell: (r) => formatTokens(r.cache_write_tokens) },
                  { id: 'hit', header: t('agents.cacheHit'), right: true, cell: (r) => <span title={r.prompt_cache_miss_reason || undefined}>{formatPercent(r.cache_hit_rate)}</span> },
                  { id: 'miss', header: t('agents.missReason'), cell: (r) => (r.prompt_cache_miss_reason ? <span className="badge warn" title={r.prompt_cache_miss_reason}>{r.prompt_cache_miss_reason.slice(0, 48)}</span> : <span className="faint">—</span>) },
                  { id: 'cost', header: t('col.cost'), right: true, cell: (r) => formatCost(r.cost_usd) },
                  { id: 'uncached', header: t('agents.withoutCache'), right: true, cell: (r) => formatCost(r.cost_without_cache_usd) },
                  { id: 'latency', header: t('col.latency'), right: true, cell: (r) => formatDuration(r.latency_ms) },
                  { id: 'status', header: t('col.status'), right: true, cell: (r) => <span className={r.status >= 400 || r.status === 0 ? 'badge bad' : undefined}>{r.status}{r.attempts > 1 ? ` ×${r.attempts}` : ''}</span> },
                ]} />
            </div>
          </>
        )}
    </div>
  );
}

/** The headline numbers of a session (also the two columns of a comparison). */
export function SessionTotals({ detail }: { detail: AgentSessionDetail }) {
  const { t } = useI18n();
  const s = detail.summary;
  const tools = detail.turns.reduce((n, r) => n + r.tool_calls, 0);
  const items: Array<[string, string]> = [
    [t('agents.turns'), formatInteger(detail.turns.length)],
    [t('agents.toolCalls'), formatInteger(tools)],
    [t('col.cost'), formatCost(s?.cost_usd ?? 0)],
    [t('agents.withoutCache'), formatCost(s?.cost_without_cache_usd)],
    [t('agents.cacheHit'), formatPercent(s?.cache_hit_rate ?? 0)],
    [t('agents.input'), formatTokens(s?.prompt_tokens ?? 0)],
    [t('agents.output'), formatTokens(s?.completion_tokens ?? 0)],
    [t('agents.cacheRead'), formatTokens(s?.cache_read_tokens ?? 0)],
    [t('agents.cacheWrite'), formatTokens(s?.cache_write_tokens ?? 0)],
    [t('sessions.errors'), formatInteger(s?.errors ?? 0)],
    [t('agents.retries'), formatInteger(s?.retries ?? 0)],
    [t('sessions.duration'), formatDuration(s?.duration_ms ?? 0)],
  ];
  return (
    <div className="card" data-testid="agent-totals">
      <dl style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))', gap: 12, margin: 0 }}>
        {items.map(([k, v]) => <div key={k}><dt className="faint">{k}</dt><dd style={{ margin: 0 }} className="num">{v}</dd></div>)}
      </dl>
    </div>
  );
}
