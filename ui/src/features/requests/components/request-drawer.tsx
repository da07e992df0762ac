import { useMemo, useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { Link, updateSearch } from '../../../lib/router.tsx';
import { formatCost, formatDateTime, formatDuration, formatInteger, formatRelativeTime } from '../../../lib/format.ts';
import { emptyFilters, requestsHref } from '../../../lib/request-filters.ts';
import { useCopy } from '../../../lib/use-copy.ts';
import { Dialog } from '../../../components/dialog.tsx';
import { CacheBadge, PropertyPill, StatusBadge } from '../../../components/badges.tsx';
import { ErrorState, LoadingRegion, Skeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { RequestDetail } from '../../../api-types.ts';
import { useRequest } from '../api/get-request.ts';
import { parseConversation } from '@periscope/contract/api';
import { buildCurl } from '../lib/curl.ts';
import { ChatMessages } from './chat-messages.tsx';
import { JsonView } from './json-view.tsx';
import { AttemptsTimeline, CacheInfo, CostBreakdown } from './request-sections.tsx';

const DAY = 86_400_000;

type Tab = 'conversation' | 'attempts' | 'cost' | 'cache' | 'raw';
const TABS: { id: Tab; label: MessageKey }[] = [
  { id: 'conversation', label: 'detail.tab.conversation' },
  { id: 'attempts', label: 'detail.tab.attempts' },
  { id: 'cost', label: 'detail.tab.cost' },
  { id: 'cache', label: 'detail.tab.cache' },
  { id: 'raw', label: 'detail.tab.raw' },
];

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return <div className="stat"><span>{label}</span><span>{children}</span></div>;
}

function DetailBody({ row }: { row: RequestDetail }) {
  const { t, lang } = useI18n();
  const [tab, setTab] = useState<Tab>('conversation');
  const [copied, copy] = useCopy();
  const conversation = useMemo(() => parseConversation(row.endpoint, row.request_body, row.response_body), [row]);
  const curl = useMemo(() => buildCurl(row, window.location.origin), [row]);
  const created = new Date(row.created_at).getTime();
  // The call's own second, so "requests around this one" is one click away.
  const around = requestsHref(emptyFilters({ from: created - 60_000, to: created + 60_000 }));

  return (
    <>
      <div className="drawer-header">
        <div className="drawer-title">
          <StatusBadge status={row.status} errorType={row.error_type} />
          <h2 id="request-drawer-title" className="truncate">{row.model || row.endpoint}</h2>
          {row.fallback_model && <span className="badge warn">↪ {row.fallback_model}</span>}
          <div style={{ marginLeft: 'auto', display: 'flex', gap: 6 }}>
            <button type="button" className="btn btn-sm" onClick={() => copy('curl', curl)} data-testid="copy-curl">
              <Icon name="terminal" />{copied === 'curl' ? t('action.copied') : t('detail.copyCurl')}
            </button>
            <button type="button" className="btn btn-sm" onClick={() => copy('id', row.request_id)} title={row.request_id}>
              <Icon name="copy" />{copied === 'id' ? t('action.copied') : t('detail.copyId')}
            </button>
            <button type="button" className="btn btn-sm btn-icon" onClick={() => updateSearch((p) => p.delete('request'))} aria-label={t('action.close')}>
              <Icon name="x" />
            </button>
          </div>
        </div>
        {row.error_message && <div className="notice bad" role="alert"><Icon name="alert" width={16} height={16} /><span><strong>{row.error_type}</strong> {row.error_message}</span></div>}
        <div className="stats">
          <Stat label={t('col.time')}><span title={formatDateTime(row.created_at, true)}>{formatRelativeTime(row.created_at, lang)}</span></Stat>
          <Stat label={t('col.latency')}>{formatDuration(row.latency_ms)}</Stat>
          <Stat label={t('col.ttft')}>{formatDuration(row.ttft_ms)}</Stat>
          <Stat label={t('col.tokens')}>{formatInteger(row.prompt_tokens)} → {formatInteger(row.completion_tokens)}</Stat>
          <Stat label={t('col.cost')}>{row.cost_known ? formatCost(row.cost_usd) : t('cost.unknown')}</Stat>
          <Stat label={t('col.cache')}><CacheBadge status={row.cache_status} /></Stat>
          <Stat label={t('col.provider')}>{row.provider}</Stat>
          <Stat label={t('detail.endpoint')}>{row.endpoint}{row.streamed ? ` · ${t('detail.streamed')}` : ''}</Stat>
        </div>
        <dl className="kv">
          <dt>{t('detail.requestId')}</dt><dd className="mono">{row.request_id} <Link to={around} className="muted" style={{ fontSize: 12 }}>{t('detail.around')}</Link></dd>
          {row.model_served && row.model_served !== row.model && <><dt>{t('detail.modelServed')}</dt><dd>{row.model_served}</dd></>}
          {row.user_id && <><dt>{t('col.user')}</dt><dd><Link to={requestsHref({ values: { user_id: row.user_id } })}>{row.user_id}</Link></dd></>}
          {row.session_id && (
            <><dt>{t('filters.session')}</dt><dd><Link to={`/sessions/${encodeURIComponent(row.session_id)}?from=${created - DAY}&to=${created + DAY}`}>{row.session_name || row.session_id}</Link>{row.session_path && <span className="mono muted"> {row.session_path}</span>}</dd></>
          )}
          {Object.keys(row.properties ?? {}).length > 0 && (
            <><dt>{t('col.properties')}</dt><dd style={{ display: 'flex', gap: 4, flexWrap: 'wrap' }}>
              {Object.entries(row.properties).map(([k, v]) => <Link key={k} to={requestsHref({ properties: [[k, v]] })}><PropertyPill name={k} value={v} /></Link>)}
            </dd></>
          )}
          {row.key_id && <><dt>{t('filters.key')}</dt><dd className="mono">{row.key_id}</dd></>}
          {row.upstream_request_id && <><dt>{t('detail.upstreamId')}</dt><dd className="mono">{row.upstream_request_id}</dd></>}
        </dl>
        <div className="tabs" role="tablist" aria-label={t('detail.sections')}>
          {TABS.map((x) => (
            <button key={x.id} type="button" role="tab" className="tab" id={`tab-${x.id}`} aria-selected={tab === x.id} aria-controls={`panel-${x.id}`} onClick={() => setTab(x.id)}>
              {t(x.label)}{x.id === 'attempts' && (row.attempt_log?.length ?? 0) > 1 && <span className="count">{row.attempt_log.length}</span>}
            </button>
          ))}
        </div>
      </div>
      <div className="drawer-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'conversation' && <ChatMessages conversation={conversation} requestTruncated={row.request_truncated} responseTruncated={row.response_truncated} />}
        {tab === 'attempts' && <AttemptsTimeline row={row} />}
        {tab === 'cost' && <CostBreakdown row={row} />}
        {tab === 'cache' && <CacheInfo row={row} />}
        {tab === 'raw' && (
          <>
            <h3 className="card-title" style={{ margin: 0 }}>{t('detail.requestBody')}</h3>
            <JsonView text={row.request_body} truncated={row.request_truncated} label={t('detail.requestBody')} />
            <h3 className="card-title" style={{ margin: 0 }}>{t('detail.responseBody')}</h3>
            <JsonView text={row.response_body} truncated={row.response_truncated} label={t('detail.responseBody')} />
            <h3 className="card-title" style={{ margin: 0 }}>curl</h3>
            <pre className="snippet mono" data-testid="curl-preview">{curl}</pre>
          </>
        )}
      </div>
    </>
  );
}

/** The detail of one logged call, opened by `?request=<id>` on any page. */
export function RequestDrawer({ id }: { id: string }) {
  const { t } = useI18n();
  const query = useRequest(id);
  const close = () => updateSearch((p) => p.delete('request'));
  return (
    <Dialog open onClose={close} labelledBy="request-drawer-title" variant="drawer">
      {query.isPending ? (
        <div className="drawer-body">
          <h2 id="request-drawer-title" className="sr-only">{t('detail.title')}</h2>
          <LoadingRegion><div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}><Skeleton height={24} width="40%" /><Skeleton height={60} /><Skeleton height={220} /></div></LoadingRegion>
        </div>
      ) : query.isError ? (
        <div className="drawer-body">
          <h2 id="request-drawer-title" className="page-title">{t('detail.title')}</h2>
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
          <button type="button" className="btn" onClick={close} style={{ alignSelf: 'center' }}>{t('action.close')}</button>
        </div>
      ) : (
        <DetailBody key={query.data.request_id} row={query.data} />
      )}
    </Dialog>
  );
}
