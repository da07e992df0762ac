import { useI18n } from '../../../lib/i18n/index.tsx';
import type { DeclaredParam, ParamValues } from '../api/types.ts';

/** One input per `{name:Type}` of the statement; times may be relative (today-7d, now). */
export function ParamsForm({ params, values, onChange }: { params: DeclaredParam[]; values: ParamValues; onChange: (values: ParamValues) => void }) {
  const { t } = useI18n();
  if (params.length === 0) return null;
  return (
    <fieldset className="form-grid sql-params" aria-label={t('sql.params')}>
      {params.map((p) => (
        <label key={p.name} className="field">
          <span>{p.name} <span className="faint mono">{p.type}</span></span>
          <input className="input mono" value={values[p.name] ?? ''} data-param={p.name}
            placeholder={/^Date/.test(p.type) ? 'today-7d · 2026-01-31 00:00:00' : ''}
            onChange={(e) => onChange({ ...values, [p.name]: e.target.value })} />
        </label>
      ))}
    </fieldset>
  );
}
