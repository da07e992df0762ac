import { useCallback, useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { updateSearch, useSearchParams } from '../../../lib/router.tsx';
import { useTimeWindow } from '../../../lib/time-range.ts';
import { countActiveFilters, parseRequestFilters, requestFiltersToApi, type SortField } from '../../../lib/request-filters.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { EmptyState, ErrorState, FirstRequestHint, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import { formatInteger } from '../../../lib/format.ts';
import { useRequests } from '../api/get-requests.ts';
import { RequestsTable } from './requests-table.tsx';
import { FilterChips, FiltersPanel, setFilter } from './requests-filters.tsx';

/** Body text search: the URL changes once typing pauses, replacing the entry meanwhile. */
function SearchBox({ value }: { value: string }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const id = setTimeout(() => setFilter('q', draft.trim(), true), 350);
    return () => clearTimeout(id);
  }, [draft, value]);
  return (
    <div className="search" role="search">
      <Icon name="search" />
      <input className="input" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} data-shortcut="search"
        placeholder={t('requests.searchPlaceholder')} aria-label={t('filters.search')}
        onKeyDown={(e) => { if (e.key === 'Enter') setFilter('q', draft.trim()); if (e.key === 'Escape') (e.target as HTMLInputElement).blur(); }} />
      <span className="kbd" aria-hidden="true">/</span>
    </div>
  );
}

export function RequestsPage() {
  const { t } = useI18n();
  const params = useSearchParams();
  const { from, to } = useTimeWindow();
  const filters = useMemo(() => parseRequestFilters(params), [params]);
  const apiParams = useMemo(() => requestFiltersToApi(filters, { from, to }), [filters, from, to]);
  const query = useRequests(apiParams);
  const [showFilters, setShowFilters] = useState(() => countActiveFilters(filters) > (filters.values.q ? 1 : 0));
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.data) ?? [], [query.data]);
  const selected = params.get('request');
  const window = useMemo(() => ({ from, to }), [from, to]);
  const active = countActiveFilters(filters);

  const onSort = (field: SortField) => updateSearch((p) => {
    const order = filters.sort === field ? (filters.order === 'desc' ? 'asc' : 'desc') : 'desc';
    if (field === 'created_at') p.delete('sort'); else p.set('sort', field);
    if (order === 'desc') p.delete('order'); else p.set('order', order);
  });
  const onOpen = useCallback((id: string) => updateSearch((p) => p.set('request', id)), []);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  return (
    <div className="page" style={{ overflow: 'hidden' }}>
      <PageHeader title={t('nav.requests')} subtitle={t('requests.subtitle')} />
      <div className="card table-card">
        <div className="card-header" style={{ flexWrap: 'wrap' }}>
          <SearchBox value={filters.values.q ?? ''} />
          <button type="button" className="btn" aria-expanded={showFilters} aria-pressed={showFilters} onClick={() => setShowFilters((s) => !s)} data-testid="toggle-filters">
            <Icon name="filter" />{t('filters.title')}{active > 0 && <span className="badge accent">{active}</span>}
          </button>
          <FilterChips filters={filters} />
        </div>
        {showFilters && <FiltersPanel filters={filters} window={window} />}
        {query.isPending ? (
          <ListSkeleton rows={10} />
        ) : query.isError && rows.length === 0 ? (
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        ) : rows.length === 0 ? (
          active > 0 || 'from' in filters.range
            ? <EmptyState icon="filter" title={t('empty.noMatches')} hint={t('empty.noMatchesHint')} />
            : <FirstRequestHint />
        ) : (
          <>
            <RequestsTable rows={rows} sort={filters.sort} order={filters.order} onSort={onSort} onOpen={onOpen} selectedId={selected}
              hasMore={Boolean(hasNextPage)} loadingMore={isFetchingNextPage} loadMore={loadMore} />
            <div className="table-foot" aria-live="polite">
              <span data-testid="row-count">{t('requests.shown', { count: formatInteger(rows.length) })}{hasNextPage ? '+' : ''}</span>
              {query.isError && <span className="form-error">{t('state.pageFailed')}</span>}
              <span style={{ marginLeft: 'auto' }}>{t('requests.keyboardHint')}</span>
            </div>
          </>
        )}
      </div>
    </div>
  );
}
