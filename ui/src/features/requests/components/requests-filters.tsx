import { useEffect, useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { updateSearch } from '../../../lib/router.tsx';
import { PROPERTY_PREFIX, type RequestFilters, type SimpleFilter } from '../../../lib/request-filters.ts';
import { useFilterValues } from '../../../api/get-filter-values.ts';
import { useProperties } from '../../../api/get-properties.ts';
import type { FilterField } from '../../../api-types.ts';
import { Icon } from '../../../components/icons.tsx';

/** Sets or clears one URL filter; a new history entry, so Back undoes it. */
export function setFilter(name: SimpleFilter, value: string, replace = false): void {
  updateSearch((p) => (value ? p.set(name, value) : p.delete(name)), { replace });
}

function removeProperty(key: string, value: string) {
  updateSearch((p) => {
    const rest = p.getAll(PROPERTY_PREFIX + key).filter((v) => v !== value);
    p.delete(PROPERTY_PREFIX + key);
    for (const v of rest) p.append(PROPERTY_PREFIX + key, v);
  });
}

/** A text input that changes the URL on Enter or blur, not on every keystroke. */
function CommitInput({ value, onCommit, ...rest }: { value: string; onCommit: (v: string) => void } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => draft.trim() !== value && onCommit(draft.trim());
  return (
    <input className="input" value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit}
      onKeyDown={(e) => e.key === 'Enter' && commit()} {...rest} />
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return <label className="field"><span>{label}</span>{children}</label>;
}

function ValueSelect({ field, name, label, window, value }: { field: FilterField; name: SimpleFilter; label: string; window: { from: number; to: number }; value: string }) {
  const { t } = useI18n();
  const values = useFilterValues(field, window);
  const options = values.data ?? [];
  return (
    <Field label={label}>
      <select className="select" value={value} onChange={(e) => setFilter(name, e.target.value)} data-filter={name}>
        <option value="">{t('filters.any')}</option>
        {value && !options.includes(value) && <option value={value}>{value}</option>}
        {options.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    </Field>
  );
}

export function FiltersPanel({ filters, window }: { filters: RequestFilters; window: { from: number; to: number } }) {
  const { t } = useI18n();
  const v = filters.values;
  const users = useFilterValues('user_id', window);
  const properties = useProperties(window);
  const [propKey, setPropKey] = useState('');
  const [propValue, setPropValue] = useState('');
  const usersList = useId();
  const valuesList = useId();
  const propValues = properties.data?.find((p) => p.key === propKey)?.values ?? [];

  const addProperty = () => {
    if (!propKey || !propValue) return;
    updateSearch((p) => p.append(PROPERTY_PREFIX + propKey, propValue));
    setPropValue('');
  };

  return (
    <div className="filters" role="group" aria-label={t('filters.title')} data-testid="filters-panel">
      <ValueSelect field="model" name="model" label={t('col.model')} window={window} value={v.model ?? ''} />
      <ValueSelect field="provider" name="provider" label={t('col.provider')} window={window} value={v.provider ?? ''} />
      <Field label={t('filters.statusClass')}>
        <select className="select" value={v.status_class ?? ''} onChange={(e) => setFilter('status_class', e.target.value)} data-filter="status_class">
          <option value="">{t('filters.any')}</option>
          <option value="2">2xx</option>
          <option value="4">4xx</option>
          <option value="5">5xx</option>
          <option value="0">{t('status.noResponse')}</option>
        </select>
      </Field>
      <Field label={t('filters.status')}>
        <CommitInput value={v.status ?? ''} onCommit={(x) => setFilter('status', x)} inputMode="numeric" placeholder="429" />
      </Field>
      <Field label={t('col.cache')}>
        <select className="select" value={v.cache_status ?? ''} onChange={(e) => setFilter('cache_status', e.target.value)} data-filter="cache_status">
          <option value="">{t('filters.any')}</option>
          <option value="hit">{t('cache.hit')}</option>
          <option value="miss">{t('cache.miss')}</option>
          <option value="bypass">{t('cache.bypass')}</option>
        </select>
      </Field>
      <Field label={t('col.user')}>
        <CommitInput value={v.user_id ?? ''} onCommit={(x) => setFilter('user_id', x)} list={usersList} placeholder={t('filters.userPlaceholder')} />
        <datalist id={usersList}>{(users.data ?? []).map((u) => <option key={u} value={u} />)}</datalist>
      </Field>
      <Field label={t('filters.session')}>
        <CommitInput value={v.session_id ?? ''} onCommit={(x) => setFilter('session_id', x)} placeholder={t('filters.sessionPlaceholder')} />
      </Field>
      <ValueSelect field="key_id" name="key_id" label={t('filters.key')} window={window} value={v.key_id ?? ''} />
      <Field label={t('filters.latency')}>
        <div className="range-pair">
          <CommitInput value={v.min_latency_ms ?? ''} onCommit={(x) => setFilter('min_latency_ms', x)} inputMode="numeric" placeholder={t('filters.min')} aria-label={t('filters.minLatency')} />
          <CommitInput value={v.max_latency_ms ?? ''} onCommit={(x) => setFilter('max_latency_ms', x)} inputMode="numeric" placeholder={t('filters.max')} aria-label={t('filters.maxLatency')} />
        </div>
      </Field>
      <div className="field" style={{ gridColumn: 'span 2' }}>
        <span>{t('filters.property')}</span>
        <div className="range-pair">
          <select className="select" value={propKey} onChange={(e) => setPropKey(e.target.value)} aria-label={t('filters.propertyKey')} data-filter="property-key" style={{ minWidth: 120 }}>
            <option value="">{t('filters.propertyKey')}</option>
            {(properties.data ?? []).map((p) => <option key={p.key} value={p.key}>{p.key}</option>)}
          </select>
          <input className="input" value={propValue} onChange={(e) => setPropValue(e.target.value)} list={valuesList} aria-label={t('filters.propertyValue')}
            placeholder={t('filters.propertyValue')} onKeyDown={(e) => e.key === 'Enter' && addProperty()} data-filter="property-value" />
          <datalist id={valuesList}>{propValues.map((x) => <option key={x} value={x} />)}</datalist>
          <button type="button" className="btn" onClick={addProperty} disabled={!propKey || !propValue}>{t('action.add')}</button>
        </div>
      </div>
    </div>
  );
}

const CHIP_LABELS: Record<SimpleFilter, MessageKey> = {
  model: 'col.model', provider: 'col.provider', status: 'filters.status', status_class: 'filters.statusClass', user_id: 'col.user',
  session_id: 'filters.session', cache_status: 'col.cache', key_id: 'filters.key', q: 'filters.search',
  min_latency_ms: 'filters.minLatency', max_latency_ms: 'filters.maxLatency',
};

/** The active filters as removable chips. */
export function FilterChips({ filters }: { filters: RequestFilters }) {
  const { t } = useI18n();
  const entries = Object.entries(filters.values) as [SimpleFilter, string][];
  if (entries.length === 0 && filters.properties.length === 0) return null;
  const display = (name: SimpleFilter, value: string) => (name === 'status_class' ? (value === '0' ? t('status.noResponse') : `${value}xx`) : value);
  return (
    <div className="filter-chips" aria-label={t('filters.active')} data-testid="filter-chips">
      {entries.map(([name, value]) => (
        <span key={name} className="chip">
          {t(CHIP_LABELS[name])}: <b className="truncate">{display(name, value)}</b>
          <button type="button" onClick={() => setFilter(name, '')} aria-label={t('filters.remove', { name: t(CHIP_LABELS[name]) })}><Icon name="x" /></button>
        </span>
      ))}
      {filters.properties.map(([k, v]) => (
        <span key={`${k}=${v}`} className="chip">
          {k} = <b className="truncate">{v}</b>
          <button type="button" onClick={() => removeProperty(k, v)} aria-label={t('filters.remove', { name: k })}><Icon name="x" /></button>
        </span>
      ))}
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => updateSearch((p) => {
        for (const k of [...p.keys()]) if (k in CHIP_LABELS || k.startsWith(PROPERTY_PREFIX)) p.delete(k);
      })}>{t('filters.clear')}</button>
    </div>
  );
}
