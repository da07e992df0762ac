import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { formatCost } from '../../../lib/format.ts';
import type { Me } from '../../../api-types.ts';
import { useBudgets } from '../api/get-budgets.ts';
import { useSaveAlert } from '../api/save-alert.ts';
import type { AlertMetric, AlertRule, BudgetInfo } from '../api/types.ts';
import {
  AGGREGATIONS, budgetKey, COMPARATORS, FILTER_FIELDS, GROUP_COLUMNS, inputOf, INTERVALS, isPercent, METRICS, SEVERITIES, TOKEN_KINDS, WINDOWS,
  type RuleForm,
} from '../lib/rule-form.ts';
import { AlertPreview } from './alert-preview.tsx';
import { ChannelFields } from './channel-fields.tsx';

const UNIT: Partial<Record<AlertMetric, string>> = { cost: '$', latency: 'ms', ttft: 'ms' };

function Section({ title, children }: { title: MessageKey; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <fieldset style={{ border: 0, padding: 0, margin: 0, display: 'flex', flexDirection: 'column', gap: 10 }}>
      <legend className="card-title" style={{ marginBottom: 8 }}>{t(title)}</legend>
      {children}
    </fieldset>
  );
}

export const budgetLabel = (b: BudgetInfo, t: ReturnType<typeof useI18n>['t']): string =>
  t('alerts.budget.option', {
    amount: formatCost(b.limit_usd), period: t(`alerts.budget.period.${b.period}`),
    match: Object.entries(b.match).map(([k, v]) => `${k}=${v}`).join(', ') || t('alerts.budget.everything'),
  });

/**
 * Creates or edits a rule: what to watch (metric, aggregation, filters in the request log's
 * terms, group-by), when to fire (comparator, threshold, window, minimum requests), how often
 * to look and remind, and where to send; a live preview beside it.
 */
export function AlertEditor({ initial, me, ruleId, onSaved, onCancel }: { initial: RuleForm; me: Me; ruleId?: string; onSaved: (rule: AlertRule) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const save = useSaveAlert();
  const budgets = useBudgets(form.metric === 'budget_used');
  const readOnly = me.role === 'viewer';
  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const built = useMemo(() => inputOf(form, budgets.data ?? []), [form, budgets.data]);
  const budget = budgets.data?.find((b) => budgetKey(b) === form.budget);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if ('error' in built) {
      setError(t(`alerts.error.${built.error}`));
      return;
    }
    setError(null);
    save.mutate({ id: ruleId, input: built.input }, { onSuccess: onSaved });
  };

  const changeMetric = (metric: AlertMetric) => setForm((f) => ({ ...f, metric, aggregation: AGGREGATIONS[metric][0]! }));
  const unit = isPercent(form.metric) ? '%' : UNIT[form.metric];

  return (
    <div style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1.1fr) minmax(0, 1fr)', gap: 16, alignItems: 'start' }} className="alert-editor">
      <form className="card card-body" onSubmit={submit} style={{ display: 'flex', flexDirection: 'column', gap: 18 }} data-testid="alert-editor">
        <Section title="alerts.section.rule">
          <div className="form-grid">
            <label className="field" style={{ gridColumn: 'span 2' }}>
              <span>{t('alerts.field.name')}</span>
              <input className="input" value={form.name} onChange={(e) => set('name', e.target.value)} required maxLength={200} disabled={readOnly} data-testid="alert-name" />
            </label>
            <label className="field">
              <span>{t('alerts.field.project')}</span>
              {me.projects ? (
                <select className="select" value={form.project} onChange={(e) => set('project', e.target.value)} disabled={readOnly} data-testid="alert-project">
                  {me.projects.map((p) => <option key={p} value={p}>{p}</option>)}
                </select>
              ) : (
                <input className="input" value={form.project} onChange={(e) => set('project', e.target.value)} placeholder={t('alerts.allProjects')} disabled={readOnly} data-testid="alert-project" />
              )}
            </label>
            <label className="field">
              <span>{t('alerts.field.severity')}</span>
              <select className="select" value={form.severity} onChange={(e) => set('severity', e.target.value as RuleForm['severity'])} disabled={readOnly}>
                {SEVERITIES.map((s) => <option key={s} value={s}>{t(`alerts.severity.${s}`)}</option>)}
              </select>
            </label>
            <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 8, alignSelf: 'end', height: 32 }}>
              <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} disabled={readOnly} />
              <span>{t('alerts.field.enabled')}</span>
            </label>
          </div>
        </Section>

        <Section title="alerts.section.watch">
          <div className="form-grid">
            <label className="field">
              <span>{t('alerts.field.metric')}</span>
              <select className="select" value={form.metric} onChange={(e) => changeMetric(e.target.value as AlertMetric)} disabled={readOnly} data-testid="alert-metric">
                {METRICS.map((m) => <option key={m} value={m}>{t(`alerts.metric.${m}`)}</option>)}
              </select>
            </label>
            {AGGREGATIONS[form.metric].length > 1 && (
              <label className="field">
                <span>{t('alerts.field.aggregation')}</span>
                <select className="select" value={form.aggregation} onChange={(e) => set('aggregation', e.target.value)} disabled={readOnly}>
                  {AGGREGATIONS[form.metric].map((a) => <option key={a} value={a}>{t(`alerts.agg.${a}` as MessageKey)}</option>)}
                </select>
              </label>
            )}
            {form.metric === 'tokens' && (
              <label className="field">
                <span>{t('alerts.field.tokenKind')}</span>
                <select className="select" value={form.tokenKind} onChange={(e) => set('tokenKind', e.target.value)} disabled={readOnly}>
                  {TOKEN_KINDS.map((k) => <option key={k} value={k}>{t(`alerts.tokenKind.${k}`)}</option>)}
                </select>
              </label>
            )}
            {form.metric === 'budget_used' && (
              <label className="field" style={{ gridColumn: 'span 2' }}>
                <span>{t('alerts.field.budget')}</span>
                <select className="select" value={form.budget} onChange={(e) => set('budget', e.target.value)} disabled={readOnly} data-testid="alert-budget">
                  <option value="">{budgets.data?.length === 0 ? t('alerts.budget.none') : '—'}</option>
                  {budgets.data?.map((b) => <option key={budgetKey(b)} value={budgetKey(b)}>{budgetLabel(b, t)}</option>)}
                </select>
              </label>
            )}
          </div>
          {form.metric !== 'budget_used' && (
            <>
              <div className="form-grid">
                {FILTER_FIELDS.map((name) => (
                  <label key={name} className="field">
                    <span>{t(`alerts.filter.${name}`)}</span>
                    <input className="input" value={form.filters[name]} onChange={(e) => set('filters', { ...form.filters, [name]: e.target.value })} disabled={readOnly} data-testid={`alert-filter-${name}`} />
                  </label>
                ))}
                <label className="field" style={{ gridColumn: 'span 2' }}>
                  <span title={t('alerts.field.propertiesHint')}>{t('alerts.field.properties')}</span>
                  <input className="input" value={form.properties} onChange={(e) => set('properties', e.target.value)} placeholder="team=search, env=prod" disabled={readOnly} />
                </label>
              </div>
              <div className="form-grid">
                <label className="field">
                  <span>{t('alerts.field.groupBy')}</span>
                  <select className="select" value={form.groupBy} onChange={(e) => set('groupBy', e.target.value)} disabled={readOnly} data-testid="alert-group-by">
                    <option value="">{t('alerts.groupBy.none')}</option>
                    {GROUP_COLUMNS.map((c) => <option key={c} value={c}>{t(`alerts.filter.${c}`)}</option>)}
                    <option value="property">{t('alerts.groupBy.property')}</option>
                  </select>
                </label>
                {form.groupBy === 'property' && (
                  <label className="field">
                    <span>{t('alerts.field.groupProperty')}</span>
                    <input className="input" value={form.groupProperty} onChange={(e) => set('groupProperty', e.target.value)} disabled={readOnly} />
                  </label>
                )}
              </div>
            </>
          )}
        </Section>

        <Section title="alerts.section.condition">
          <div className="form-grid">
            <label className="field">
              <span>{t('alerts.field.comparator')}</span>
              <select className="select" value={form.comparator} onChange={(e) => set('comparator', e.target.value as RuleForm['comparator'])} disabled={readOnly} data-testid="alert-comparator">
                {COMPARATORS.map((c) => <option key={c} value={c}>{c}</option>)}
              </select>
            </label>
            <label className="field">
              <span>{t('alerts.field.threshold')}{unit ? ` (${unit})` : ''}</span>
              <input className="input" type="number" step="any" value={form.threshold} onChange={(e) => set('threshold', e.target.value)} required disabled={readOnly} data-testid="alert-threshold" />
            </label>
            {form.metric !== 'budget_used' && (
              <label className="field">
                <span>{t('alerts.field.window')}</span>
                <input className="input" value={form.window} onChange={(e) => set('window', e.target.value)} list="alert-windows" required disabled={readOnly} data-testid="alert-window" />
                <datalist id="alert-windows">{WINDOWS.map((w) => <option key={w} value={w} />)}</datalist>
              </label>
            )}
            <label className="field">
              <span title={t('alerts.field.minRequestsHint')}>{t('alerts.field.minRequests')}</span>
              <input className="input" type="number" min="0" step="1" value={form.minRequests} onChange={(e) => set('minRequests', e.target.value)} disabled={readOnly} />
            </label>
          </div>
        </Section>

        <Section title="alerts.section.schedule">
          <div className="form-grid">
            <label className="field">
              <span>{t('alerts.field.interval')}</span>
              <input className="input" value={form.interval} onChange={(e) => set('interval', e.target.value)} list="alert-intervals" required disabled={readOnly} data-testid="alert-interval" />
              <datalist id="alert-intervals">{INTERVALS.map((w) => <option key={w} value={w} />)}</datalist>
            </label>
            <label className="field">
              <span title={t('alerts.field.resolveAfterHint')}>{t('alerts.field.resolveAfter')}</span>
              <input className="input" value={form.resolveAfter} onChange={(e) => set('resolveAfter', e.target.value)} placeholder={form.interval} disabled={readOnly} />
            </label>
            <label className="field">
              <span>{t('alerts.field.renotify')}</span>
              <input className="input" value={form.renotify} onChange={(e) => set('renotify', e.target.value)} placeholder={t('alerts.field.renotifyNever')} disabled={readOnly} />
            </label>
          </div>
        </Section>

        <Section title="alerts.section.channels">
          <ChannelFields channels={form.channels} onChange={(c) => set('channels', c)} disabled={readOnly} />
        </Section>

        {(error ?? save.error?.message) && <div className="form-error" role="alert" data-testid="alert-error">{error ?? save.error?.message}</div>}
        {!readOnly && (
          <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={onCancel}>{t('action.cancel')}</button>
            <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="save-alert">{ruleId ? t('action.save') : t('alerts.create')}</button>
          </div>
        )}
      </form>
      <AlertPreview input={'input' in built ? built.input : null} budget={budget} />
    </div>
  );
}
