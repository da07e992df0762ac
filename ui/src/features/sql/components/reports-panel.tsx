import { useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { useReports } from '../api/get-reports.ts';
import { useTemplates } from '../api/get-templates.ts';
import type { ReportTemplate, SavedReport } from '../api/types.ts';

interface Props {
  selectedId: string | null;
  onTemplate: (t: ReportTemplate) => void;
  onReport: (r: SavedReport) => void;
}

/** Built-in templates and the saved reports of the caller's projects; a click opens one in the editor. */
export function ReportsPanel({ selectedId, onTemplate, onReport }: Props) {
  const { t } = useI18n();
  const [tab, setTab] = useState<'saved' | 'templates'>('saved');
  const templates = useTemplates();
  const reports = useReports();
  const query = tab === 'saved' ? reports : templates;
  return (
    <section className="sql-reports" aria-label={t('sql.reports')}>
      <div className="tabs" role="tablist">
        {(['saved', 'templates'] as const).map((id) => (
          <button key={id} type="button" role="tab" className="tab" aria-selected={tab === id} onClick={() => setTab(id)} data-testid={`sql-tab-${id}`}>
            {t(id === 'saved' ? 'sql.saved' : 'sql.templates')}
            {id === 'saved' && reports.data && <span className="count">{reports.data.length}</span>}
          </button>
        ))}
      </div>
      {query.isPending ? <ListSkeleton rows={4} />
        : query.isError ? <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        : tab === 'templates' ? (
          <ul className="sql-list" data-testid="sql-templates">
            {templates.data!.map((tpl) => (
              <li key={tpl.id}>
                <button type="button" className="btn-link" onClick={() => onTemplate(tpl)} title={tpl.description}>{tpl.name}</button>
              </li>
            ))}
          </ul>
        ) : reports.data!.length === 0 ? <p className="muted sql-empty">{t('sql.noSaved')}</p>
        : (
          <ul className="sql-list" data-testid="sql-saved">
            {reports.data!.map((r) => (
              <li key={r.id} aria-current={r.id === selectedId ? 'true' : undefined}>
                <button type="button" className="btn-link" onClick={() => onReport(r)} title={r.description || r.sql}>{r.name}</button>
                <span className="faint">{r.project}{r.schedule ? ` · ${r.schedule}` : ''}</span>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
