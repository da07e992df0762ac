import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { formatCost, formatDateTime, formatDuration, formatRelativeTime, formatTokens } from '../../../lib/format.ts';
import type { SortField, SortOrder } from '../../../lib/request-filters.ts';
import type { RequestRow } from '../../../api-types.ts';
import { CacheBadge, PropertyPill, StatusBadge } from '../../../components/badges.tsx';
import { Icon } from '../../../components/icons.tsx';

interface Column {
  id: string;
  label: MessageKey;
  width: string;
  sort?: SortField;
  right?: boolean;
  cell: (r: RequestRow, lang: string) => ReactNode;
}

const COLUMNS: Column[] = [
  {
    id: 'time', label: 'col.time', width: '148px', sort: 'created_at',
    cell: (r, lang) => <span className="num" title={`${formatDateTime(r.created_at, true)} · ${formatRelativeTime(r.created_at, lang)}`}>{formatDateTime(r.created_at).slice(5)}</span>,
  },
  { id: 'status', label: 'col.status', width: '78px', sort: 'status', cell: (r) => <StatusBadge status={r.status} errorType={r.error_type} /> },
  {
    id: 'model', label: 'col.model', width: 'minmax(150px, 1.3fr)',
    cell: (r) => <span title={r.model_served && r.model_served !== r.model ? `${r.model} → ${r.model_served}` : r.model}>{r.model || '—'}{r.fallback_model ? <span className="badge warn" style={{ marginLeft: 6 }}>↪ {r.fallback_model}</span> : null}</span>,
  },
  { id: 'provider', label: 'col.provider', width: '96px', cell: (r) => <span className="muted">{r.provider}</span> },
  { id: 'latency', label: 'col.latency', width: '84px', sort: 'latency_ms', right: true, cell: (r) => <span className="num">{formatDuration(r.latency_ms)}</span> },
  { id: 'ttft', label: 'col.ttft', width: '76px', sort: 'ttft_ms', right: true, cell: (r) => <span className="num muted">{formatDuration(r.ttft_ms)}</span> },
  {
    id: 'tokens', label: 'col.tokens', width: '104px', sort: 'total_tokens', right: true,
    cell: (r) => <span className="num" title={`${r.prompt_tokens} → ${r.completion_tokens}`}>{formatTokens(r.prompt_tokens)} <span className="faint">→</span> {formatTokens(r.completion_tokens)}</span>,
  },
  { id: 'cost', label: 'col.cost', width: '104px', sort: 'cost_usd', right: true, cell: (r) => <span className="num">{r.cost_known ? formatCost(r.cost_usd) : <span className="faint" title="price unknown">?</span>}</span> },
  { id: 'cache', label: 'col.cache', width: '78px', cell: (r) => <CacheBadge status={r.cache_status} /> },
  { id: 'user', label: 'col.user', width: 'minmax(90px, 0.8fr)', cell: (r) => <span title={r.user_id}>{r.user_id || <span className="faint">—</span>}</span> },
  {
    id: 'properties', label: 'col.properties', width: 'minmax(140px, 1.4fr)',
    cell: (r) => <span style={{ display: 'flex', gap: 4 }}>{Object.entries(r.properties ?? {}).map(([k, v]) => <PropertyPill key={k} name={k} value={v} />)}</span>,
  },
];

const GRID = COLUMNS.map((c) => c.width).join(' ');
const ROW_HEIGHT = 40;

interface Props {
  rows: RequestRow[];
  sort: SortField;
  order: SortOrder;
  onSort: (field: SortField) => void;
  onOpen: (id: string) => void;
  selectedId: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

/** The log: virtualised rows, server-side sorting, the next page when the end comes into view. */
export function RequestsTable({ rows, sort, order, onSort, onOpen, selectedId, hasMore, loadingMore, loadMore }: Props) {
  const { t, lang } = useI18n();
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1200, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 1) loadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, loadMore]);

  const onRowKey = (e: KeyboardEvent<HTMLDivElement>, index: number, id: string) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen(id);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp' || e.key === 'j' || e.key === 'k') {
      e.preventDefault();
      const next = index + (e.key === 'ArrowDown' || e.key === 'j' ? 1 : -1);
      if (next < 0 || next >= rows.length) return;
      virtualizer.scrollToIndex(next);
      requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus());
    }
  };

  return (
    <div className="vtable" ref={scrollRef} role="table" aria-label={t('requests.tableLabel')} aria-rowcount={rows.length + 1} data-testid="requests-table">
      <div className="trow thead" role="row" style={{ gridTemplateColumns: GRID }}>
        {COLUMNS.map((c) => {
          const active = c.sort === sort;
          return (
            <div key={c.id} role="columnheader" className={`tcell${c.right ? ' right' : ''}`} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
              {c.sort ? (
                <button type="button" className="sort-btn" onClick={() => onSort(c.sort!)} title={t('requests.sortBy', { column: t(c.label) })}>
                  {t(c.label)}
                  {active ? <Icon name={order === 'asc' ? 'up' : 'down'} /> : null}
                </button>
              ) : t(c.label)}
            </div>
          );
        })}
      </div>
      <div className="tbody" role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((v) => {
          const r = rows[v.index];
          if (!r) {
            return (
              <div key="more" className="trow" role="row" style={{ top: v.start, height: ROW_HEIGHT, gridTemplateColumns: '1fr' }}>
                <div className="tcell muted" role="cell">{loadingMore ? t('state.loadingMore') : ''}</div>
              </div>
            );
          }
          return (
            <div key={r.request_id} className="trow" role="row" tabIndex={0} data-index={v.index} data-request-id={r.request_id}
              aria-selected={selectedId === r.request_id} aria-rowindex={v.index + 2}
              style={{ top: v.start, height: ROW_HEIGHT, gridTemplateColumns: GRID }}
              onClick={() => onOpen(r.request_id)} onKeyDown={(e) => onRowKey(e, v.index, r.request_id)}>
              {COLUMNS.map((c) => (
                <div key={c.id} role="cell" className={`tcell${c.right ? ' right' : ''}`} data-col={c.id}>{c.cell(r, lang)}</div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
