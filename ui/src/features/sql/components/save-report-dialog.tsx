import { useState, type FormEvent } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { Dialog } from '../../../components/dialog.tsx';
import { useSaveReport } from '../api/save-report.ts';
import type { ParamValues, SavedReport } from '../api/types.ts';

interface Props {
  sql: string;
  params: ParamValues;
  /** The report open in the editor: saving replaces it unless "save as new" is chosen. */
  current: SavedReport | null;
  projects: string[];
  defaultProject: string | undefined;
  onSaved: (report: SavedReport) => void;
  onClose: () => void;
}

/** Name and project of a report; its SQL and parameter values (the defaults) come from the console. */
export function SaveReportDialog({ sql, params, current, projects, defaultProject, onSaved, onClose }: Props) {
  const { t } = useI18n();
  const save = useSaveReport();
  const [name, setName] = useState(current?.name ?? '');
  const [description, setDescription] = useState(current?.description ?? '');
  const [project, setProject] = useState(current?.project ?? defaultProject ?? projects[0] ?? '');
  const [asNew, setAsNew] = useState(current === null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const draft = { ...(asNew || !current ? {} : { id: current.id }), project, name: name.trim(), description, sql, params };
    save.mutate({ draft, current: current ?? undefined }, { onSuccess: (report) => { onSaved(report); onClose(); } });
  };

  return (
    <Dialog open onClose={onClose} labelledBy="save-report-title" variant="modal">
      <h2 id="save-report-title">{t('sql.saveTitle')}</h2>
      <form onSubmit={submit} style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
        <label className="field">
          <span>{t('sql.reportName')}</span>
          <input className="input" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} data-testid="report-name" />
        </label>
        <label className="field">
          <span>{t('sql.reportProject')}</span>
          {projects.length > 0 ? (
            <select className="select" value={project} onChange={(e) => setProject(e.target.value)} disabled={!asNew && current !== null}>
              {projects.map((p) => <option key={p} value={p}>{p}</option>)}
            </select>
          ) : <input className="input" required value={project} onChange={(e) => setProject(e.target.value)} disabled={!asNew && current !== null} />}
        </label>
        <label className="field">
          <span>{t('sql.reportDescription')}</span>
          <textarea className="input" rows={2} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {current && (
          <label className="sidebar-row" style={{ gap: 8 }}>
            <input type="checkbox" checked={asNew} onChange={(e) => setAsNew(e.target.checked)} />
            <span>{t('sql.saveAsNew')}</span>
          </label>
        )}
        <p className="muted" style={{ margin: 0, fontSize: 12.5 }}>{t('sql.saveHint')}</p>
        {save.error && <div className="form-error" role="alert">{save.error.message}</div>}
        <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>{t('action.cancel')}</button>
          <button type="submit" className="btn btn-primary" disabled={save.isPending} data-testid="report-save">{t('action.save')}</button>
        </div>
      </form>
    </Dialog>
  );
}
