import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatCost, formatDuration, formatInteger, formatPercent } from '../../../lib/format.ts';
import { updateSearch } from '../../../lib/router.tsx';
import { StatusBadge } from '../../../components/badges.tsx';
import type { RequestDetail } from '../../../api-types.ts';

/** Retries and fallbacks in order, each with its upstream model, status and time. */
export function AttemptsTimeline({ row }: { row: RequestDetail }) {
  const { t } = useI18n();
  const log = row.attempt_log ?? [];
  if (log.length === 0) return <p className="muted">{row.cache_status === 'hit' ? t('attempts.cacheHit') : t('attempts.none')}</p>;
  const longest = Math.max(1, ...log.map((a) => a.duration_ms));
  return (
    <ol className="attempts" style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="attempts">
      {log.map((a, i) => {
        const ok = a.status >= 200 && a.status < 300;
        const fallback = row.fallback_model !== '' && a.model === row.fallback_model;
        return (
          <li key={i} className="attempt">
            <span className={`attempt-dot ${ok ? 'good' : 'bad'}`} aria-hidden="true">{i + 1}</span>
            <div style={{ minWidth: 0 }}>
              <div style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
                <strong>{a.model}</strong>
                {a.upstream_model && a.upstream_model !== a.model && <span className="muted">→ {a.upstream_model}</span>}
                <span className="badge">{a.provider}</span>
                {fallback && <span className="badge warn">{t('attempts.fallback')}</span>}
                {a.error_type && <span className="badge bad">{a.error_type}</span>}
              </div>
              <div className="attempt-bar" style={{ width: `${Math.max(2, (a.duration_ms / longest) * 100)}%`, background: ok ? 'var(--good)' : 'var(--bad)' }} />
            </div>
            <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
              {a.status === 0 ? <span className="badge bad">{t('attempts.noAnswer')}</span> : <StatusBadge status={a.status} />}
              <span className="num muted">{formatDuration(a.duration_ms)}</span>
            </div>
          </li>
        );
      })}
    </ol>
  );
}

/** Tokens by kind, and what the call cost (or would have cost, when served from cache). */
export function CostBreakdown({ row }: { row: RequestDetail }) {
  const { t } = useI18n();
  const uncached = Math.max(0, row.prompt_tokens - row.cache_read_tokens - row.cache_write_tokens);
  const kinds: [string, number][] = [
    [t('cost.inputUncached'), uncached],
    [t('cost.cacheRead'), row.cache_read_tokens],
    [t('cost.cacheWrite'), row.cache_write_tokens],
    [t('cost.output'), row.completion_tokens - row.reasoning_tokens],
    [t('cost.reasoning'), row.reasoning_tokens],
  ];
  const total = row.prompt_tokens + row.completion_tokens;
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }} data-testid="cost-breakdown">
      <table className="simple" style={{ cursor: 'default' }}>
        <thead><tr><th>{t('cost.kind')}</th><th className="right">{t('col.tokens')}</th><th className="right">{t('cost.share')}</th></tr></thead>
        <tbody>
          {kinds.filter(([, n], i) => n > 0 || i === 0 || i === 3).map(([label, n]) => (
            <tr key={label} style={{ cursor: 'default' }}>
              <td>{label}</td>
              <td className="right num">{formatInteger(n)}</td>
              <td className="right"><div className="bar-cell"><div className="bar" style={{ width: `${total ? (n / total) * 80 : 0}px` }} /><span className="num muted">{formatPercent(total ? n / total : 0)}</span></div></td>
            </tr>
          ))}
          <tr style={{ cursor: 'default' }}><td><strong>{t('cost.total')}</strong></td><td className="right num"><strong>{formatInteger(total)}</strong></td><td /></tr>
        </tbody>
      </table>
      <dl className="kv">
        <dt>{t('col.cost')}</dt>
        <dd className="num"><strong>{row.cost_known ? formatCost(row.cost_usd) : t('cost.unknown')}</strong>{row.cost_known && total > 0 && row.cost_usd > 0 && <span className="muted"> · {t('cost.perMillion', { cost: formatCost((row.cost_usd / total) * 1e6) })}</span>}</dd>
        {row.cache_status === 'hit' && <><dt>{t('cost.saved')}</dt><dd className="num" style={{ color: 'var(--good)' }}><strong>{formatCost(row.cost_saved_usd)}</strong></dd></>}
        {row.cache_source_request_id && (
          <><dt>{t('cost.source')}</dt><dd><button type="button" className="btn btn-sm" onClick={() => updateSearch((p) => p.set('request', row.cache_source_request_id))}>{row.cache_source_request_id}</button></dd></>
        )}
      </dl>
    </div>
  );
}

/** Response cache and the provider's prompt cache, and why the latter missed. */
export function CacheInfo({ row }: { row: RequestDetail }) {
  const { t } = useI18n();
  const responseCache = row.cache_status === 'hit' ? t('cacheInfo.responseHit', { saved: formatCost(row.cost_saved_usd) })
    : row.cache_status === 'miss' ? t('cacheInfo.responseMiss') : t('cacheInfo.responseBypass');
  let prompt: { tone: 'good' | 'bad' | 'info'; text: string };
  if (row.prompt_cache_hit) prompt = { tone: 'good', text: t('cacheInfo.promptHit', { tokens: formatInteger(row.cache_read_tokens), share: formatPercent(row.prompt_tokens ? row.cache_read_tokens / row.prompt_tokens : 0) }) };
  else if (row.prompt_cache_expected) prompt = { tone: 'bad', text: t('cacheInfo.promptMissed') };
  else prompt = { tone: 'info', text: t('cacheInfo.promptNotExpected') };
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }} data-testid="cache-info">
      <section>
        <h3 className="card-title" style={{ margin: '0 0 6px' }}>{t('cacheInfo.responseTitle')}</h3>
        <div className={`notice ${row.cache_status === 'hit' ? 'good' : 'info'}`}>{responseCache}</div>
      </section>
      <section>
        <h3 className="card-title" style={{ margin: '0 0 6px' }}>{t('cacheInfo.promptTitle')}</h3>
        <div className={`notice ${prompt.tone}`}>{prompt.text}</div>
        {row.prompt_cache_expected && !row.prompt_cache_hit && (
          <dl className="kv" style={{ marginTop: 10 }}>
            <dt>{t('cacheInfo.why')}</dt><dd>{row.prompt_cache_miss_reason || t('cacheInfo.noReason')}</dd>
            {row.prompt_cache_diverged_at >= 0 && <><dt>{t('cacheInfo.divergedAt')}</dt><dd>{t('cacheInfo.divergedAtValue', { index: row.prompt_cache_diverged_at })}</dd></>}
          </dl>
        )}
        <dl className="kv" style={{ marginTop: 10 }}>
          <dt>{t('cost.cacheRead')}</dt><dd className="num">{formatInteger(row.cache_read_tokens)}</dd>
          <dt>{t('cost.cacheWrite')}</dt><dd className="num">{formatInteger(row.cache_write_tokens)}</dd>
        </dl>
      </section>
    </div>
  );
}
