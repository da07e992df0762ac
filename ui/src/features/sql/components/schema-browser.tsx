import { useI18n } from '../../../lib/i18n/index.tsx';
import type { SqlViewSchema } from '../api/types.ts';

/** The views and their columns; a click puts the name into the editor. */
export function SchemaBrowser({ views, onInsert }: { views: SqlViewSchema[]; onInsert: (name: string) => void }) {
  const { t } = useI18n();
  return (
    <nav aria-label={t('sql.schema')} className="sql-schema" data-testid="sql-schema">
      {views.map((v) => (
        <details key={v.name} open={v.name === 'requests'}>
          <summary title={v.description}>
            <button type="button" className="btn-link mono" onClick={(e) => { e.preventDefault(); onInsert(v.name); }}>{v.name}</button>
          </summary>
          <ul>
            {v.columns.map((c) => (
              <li key={c.name} title={c.description}>
                <button type="button" className="btn-link mono" onClick={() => onInsert(c.name)}>{c.name}</button>
                <span className="faint mono">{c.type}</span>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </nav>
  );
}
