import { useState, type FormEvent } from 'react';
import { useI18n, type MessageKey } from '../../../lib/i18n/index.tsx';
import { useCopy } from '../../../lib/use-copy.ts';
import { Dialog } from '../../../components/dialog.tsx';
import { Icon } from '../../../components/icons.tsx';
import { useCreateKey, type CreatedKey } from '../api/create-key.ts';
import { limitsFromFields, type LimitFields } from './key-limits.ts';

const DAY = 86_400_000;
const EXPIRY: { id: string; label: MessageKey; days: number | null }[] = [
  { id: 'never', label: 'keys.expires.never', days: null },
  { id: '7', label: 'keys.expires.7d', days: 7 },
  { id: '30', label: 'keys.expires.30d', days: 30 },
  { id: '90', label: 'keys.expires.90d', days: 90 },
  { id: '365', label: 'keys.expires.1y', days: 365 },
];

const LIMIT_FIELDS: { id: keyof LimitFields; label: MessageKey; step: string }[] = [
  { id: 'rpm', label: 'keys.field.rpm', step: '1' },
  { id: 'tpm', label: 'keys.field.tpm', step: '1' },
  { id: 'concurrency', label: 'keys.field.concurrency', step: '1' },
  { id: 'day', label: 'keys.field.budgetDay', step: '0.01' },
  { id: 'week', label: 'keys.field.budgetWeek', step: '0.01' },
  { id: 'month', label: 'keys.field.budgetMonth', step: '0.01' },
];

const NO_LIMITS: LimitFields = { rpm: '', tpm: '', concurrency: '', day: '', week: '', month: '' };

interface Props {
  onClose: () => void;
  /** Projects the caller may create keys in; null = any (admins), with these as suggestions. */
  projects: string[] | null;
  knownProjects: string[];
}

/** Creates a key and shows it once, with a copy button; closing forgets it. */
export function CreateKeyDialog({ onClose, projects, knownProjects }: Props) {
  const { t } = useI18n();
  const create = useCreateKey();
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [project, setProject] = useState(projects?.[0] ?? knownProjects[0] ?? '');
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('never');
  const [models, setModels] = useState('');
  const [limits, setLimits] = useState<LimitFields>(NO_LIMITS);
  const [copied, copy] = useCopy();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const days = EXPIRY.find((x) => x.id === expiry)?.days ?? null;
    create.mutate({
      project: project.trim(), name: name.trim(),
      expires_at: days === null ? null : Date.now() + days * DAY,
      allowed_models: models.split(/[\s,]+/).filter(Boolean),
      limits: limitsFromFields(limits),
    }, { onSuccess: setCreated });
  };

  return (
    <Dialog open onClose={onClose} labelledBy="create-key-title" variant="modal">
      <h2 id="create-key-title">{created ? t('keys.createdTitle') : t('keys.create')}</h2>
      {created ? (
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <div className="notice" role="status">{t('keys.shownOnce')}</div>
          <div className="secret-once" data-testid="new-key">{created.key}</div>
          <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={() => copy('key', created.key)} data-testid="copy-key">
              <Icon name="copy" />{copied === 'key' ? t('action.copied') : t('action.copy')}
            </button>
            <button type="button" className="btn btn-primary" onClick={onClose}>{t('action.done')}</button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          <div className="form-grid">
            <label className="field">
              <span>{t('keys.field.project')}</span>
              {projects ? (
                <select className="select" value={project} onChange={(e) => setProject(e.target.value)} required>
                  {projects.map((p) => <option key={p} value={p}>{p}</option>)}
                </select>
              ) : (
                <>
                  <input className="input" value={project} onChange={(e) => setProject(e.target.value)} required list="known-projects" />
                  <datalist id="known-projects">{knownProjects.map((p) => <option key={p} value={p} />)}</datalist>
                </>
              )}
            </label>
            <label className="field">
              <span>{t('keys.field.name')}</span>
              <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={200} placeholder={t('keys.field.namePlaceholder')} />
            </label>
            <label className="field">
              <span>{t('keys.field.expires')}</span>
              <select className="select" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
                {EXPIRY.map((x) => <option key={x.id} value={x.id}>{t(x.label)}</option>)}
              </select>
            </label>
          </div>
          <label className="field">
            <span>{t('keys.field.models')}</span>
            <input className="input" value={models} onChange={(e) => setModels(e.target.value)} placeholder="gpt-4o-mini, claude-haiku-*" />
          </label>
          <fieldset className="form-grid" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="muted" style={{ fontSize: 12, marginBottom: 6 }}>{t('keys.field.limits')}</legend>
            {LIMIT_FIELDS.map((f) => (
              <label key={f.id} className="field">
                <span>{t(f.label)}</span>
                <input className="input" type="number" min="0" step={f.step} value={limits[f.id]} onChange={(e) => setLimits({ ...limits, [f.id]: e.target.value })} />
              </label>
            ))}
          </fieldset>
          {create.error && <div className="form-error" role="alert">{create.error.message}</div>}
          <div className="toolbar" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={onClose}>{t('action.cancel')}</button>
            <button type="submit" className="btn btn-primary" disabled={create.isPending || !project.trim()}>{t('keys.create')}</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
