import { useI18n } from '../../../lib/i18n/index.tsx';
import { useSearchParams } from '../../../lib/router.tsx';
import { useTimeWindow } from '../../../lib/time-range.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { useAgentSession } from '../api/get-agent-session.ts';
import { SessionTotals } from './agent-session-page.tsx';

function Column({ id }: { id: string }) {
  const window = useTimeWindow();
  const query = useAgentSession(id, window);
  return (
    <div style={{ flex: 1, minWidth: 0 }}>
      <h2 className="card-title mono">{id.slice(0, 13)} {query.data?.summary ? `· ${query.data.summary.agent}` : ''}</h2>
      {query.isPending ? <div className="card"><ListSkeleton /></div>
        : query.isError ? <div className="card"><ErrorState error={query.error} onRetry={() => void query.refetch()} /></div>
        : <SessionTotals detail={query.data} />}
    </div>
  );
}

/** Two agent sessions side by side (`?a=` and `?b=`). */
export function AgentComparePage() {
  const { t } = useI18n();
  const params = useSearchParams();
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  return (
    <div className="page">
      <PageHeader title={t('agents.compare')} />
      <div style={{ display: 'flex', gap: 16 }} data-testid="agent-compare"><Column id={a} /><Column id={b} /></div>
    </div>
  );
}
