import { useMemo, useRef, useState } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { formatInteger } from '../../../lib/format.ts';
import { PageHeader } from '../../../components/page-header.tsx';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';
import { ErrorState, ListSkeleton } from '../../../components/states.tsx';
import { Icon } from '../../../components/icons.tsx';
import type { Me } from '../../../api-types.ts';
import { useDeleteReport } from '../api/delete-report.ts';
import { exportSql } from '../api/export-sql.ts';
import { useReports } from '../api/get-reports.ts';
import { useSqlSchema } from '../api/get-schema.ts';
import { useRunSql } from '../api/run-sql.ts';
import { EXPORT_FORMATS, type ExportFormat, type ParamValues, type SavedReport } from '../api/types.ts';
import { chartPlan } from '../lib/chart-option.ts';
import { paramsIn, valuesFor } from '../lib/params.ts';
import { ParamsForm } from './params-form.tsx';
import { ReportsPanel } from './reports-panel.tsx';
import { ResultChart } from './result-chart.tsx';
import { ResultsGrid } from './results-grid.tsx';
import { SaveReportDialog } from './save-report-dialog.tsx';
import { SchemaBrowser } from './schema-browser.tsx';
import { SqlEditor, type SqlEditorHandle } from './sql-editor.tsx';

const STARTER = `SELECT model, count() AS requests, round(sum(cost_usd), 4) AS cost_usd
FROM requests
WHERE created_at >= {from:DateTime}
GROUP BY model
ORDER BY cost_usd DESC`;

/**
 * The SQL console: an editor over the report views (completion from the schema), a form for
 * the statement's parameters, the result as a grid or a chart, exports, built-in templates and
 * the project's saved reports. Queries run over the caller's projects, or the one chosen.
 */
export function SqlPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const schema = useSqlSchema();
  const reports = useReports();
  const run = useRunSql();
  const remove = useDeleteReport();
  const editor = useRef<SqlEditorHandle>(null);
  const [sql, setSql] = useState(STARTER);
  const [values, setValues] = useState<ParamValues>({});
  const [project, setProject] = useState('');
  const [view, setView] = useState<'table' | 'chart'>('table');
  const [current, setCurrent] = useState<SavedReport | null>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);

  const declared = useMemo(() => paramsIn(sql), [sql]);
  const params = valuesFor(declared, values);
  const plan = run.data ? chartPlan(run.data.meta) : null;
  const projects = me.projects ?? [...new Set((reports.data ?? []).map((r) => r.project))].sort();
  const writable = me.role !== 'viewer';
  const request = { sql, params, project: project || undefined };

  const execute = () => run.mutate(request);
  const open = (text: string, preset: ParamValues, report: SavedReport | null) => {
    setSql(text);
    setValues(preset);
    setCurrent(report);
    run.reset();
  };
  const download = (format: ExportFormat) => {
    setExportError(null);
    exportSql(request, format).catch((err: Error) => setExportError(err.message));
  };

  return (
    <div className="page sql-page">
      <PageHeader title={t('nav.sql')} subtitle={t('sql.subtitle')} timeControls={false}>
        <label className="field" style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
          <span>{t('sql.project')}</span>
          {me.projects ? (
            <select className="select" value={project} onChange={(e) => setProject(e.target.value)} data-testid="sql-project">
              <option value="">{t('sql.allProjects')}</option>
              {me.projects.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          ) : (
            <input className="input" value={project} onChange={(e) => setProject(e.target.value.trim())} placeholder={t('sql.allProjects')} list="sql-projects" data-testid="sql-project" />
          )}
          <datalist id="sql-projects">{projects.map((p) => <option key={p} value={p} />)}</datalist>
        </label>
      </PageHeader>
      <div className="sql-layout">
        <aside className="card sql-side">
          <ReportsPanel selectedId={current?.id ?? null} onTemplate={(tpl) => open(tpl.sql, {}, null)} onReport={(r) => open(r.sql, r.params, r)} />
          <h3 className="sql-side-title">{t('sql.schema')}</h3>
          {schema.isPending ? <ListSkeleton rows={6} /> : schema.isError ? <ErrorState error={schema.error} /> : <SchemaBrowser views={schema.data.views} onInsert={(name) => editor.current?.insert(name)} />}
        </aside>
        <section className="sql-main">
          <div className="card card-body" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
            {current && (
              <div className="toolbar">
                <strong data-testid="sql-current">{current.name}</strong>
                <span className="faint">{current.project}{current.schedule ? ` · ${t('sql.scheduled', { cron: current.schedule })}` : ''}</span>
              </div>
            )}
            {schema.data && <SqlEditor ref={editor} value={sql} onChange={setSql} onRun={execute} views={schema.data.views} ariaLabel={t('sql.editor')} />}
            <ParamsForm params={declared} values={params} onChange={setValues} />
            <div className="toolbar">
              <button type="button" className="btn btn-primary" onClick={execute} disabled={run.isPending} data-testid="sql-run">
                <Icon name="play" />{run.isPending ? t('sql.running') : t('sql.run')}<span className="kbd-hint">Ctrl ⏎</span>
              </button>
              {writable && <button type="button" className="btn" onClick={() => setSaving(true)} data-testid="sql-save">{t('sql.save')}</button>}
              {writable && current && <button type="button" className="btn btn-ghost" onClick={() => setDeleting(true)}>{t('action.delete')}</button>}
              <span className="spacer" />
              <span className="muted">{t('sql.export')}</span>
              {EXPORT_FORMATS.map((f) => (
                <button key={f} type="button" className="btn btn-sm" onClick={() => download(f)} data-testid={`sql-export-${f}`}>{f.toUpperCase()}</button>
              ))}
            </div>
            {exportError && <div className="form-error" role="alert">{exportError}</div>}
          </div>
          <div className="card sql-result">
            {run.isError ? <ErrorState error={run.error} />
              : run.isPending ? <ListSkeleton rows={6} />
              : !run.data ? <p className="muted sql-empty">{t('sql.hint')}</p>
              : (
                <>
                  <div className="toolbar card-header">
                    <span data-testid="sql-summary">{t('sql.summary', { rows: formatInteger(run.data.rows), ms: run.data.statistics.elapsed_ms })}</span>
                    {run.data.truncated && <span className="badge warn">{t('sql.truncated', { rows: formatInteger(run.data.rows) })}</span>}
                    <span className="spacer" />
                    <div className="segmented" role="radiogroup" aria-label={t('sql.view')}>
                      <button type="button" role="radio" aria-checked={view === 'table'} onClick={() => setView('table')}>{t('sql.table')}</button>
                      <button type="button" role="radio" aria-checked={view === 'chart'} onClick={() => setView('chart')} disabled={!plan} title={plan ? undefined : t('sql.noChart')} data-testid="sql-chart">
                        {t('sql.chart')}
                      </button>
                    </div>
                  </div>
                  {view === 'chart' && plan ? <ResultChart result={run.data} plan={plan} /> : <ResultsGrid result={run.data} />}
                </>
              )}
          </div>
        </section>
      </div>
      {saving && (
        <SaveReportDialog sql={sql} params={params} current={current} projects={projects} defaultProject={project || undefined}
          onSaved={setCurrent} onClose={() => setSaving(false)} />
      )}
      <ConfirmDialog open={deleting && current !== null} title={t('sql.deleteTitle', { name: current?.name ?? '' })} confirmLabel={t('action.delete')}
        pending={remove.isPending} error={remove.error?.message} onClose={() => setDeleting(false)}
        onConfirm={() => current && remove.mutate(current.id, { onSuccess: () => { setDeleting(false); setCurrent(null); } })}>
        {t('sql.deleteBody')}
      </ConfirmDialog>
    </div>
  );
}
