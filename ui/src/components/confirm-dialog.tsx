import type { ReactNode } from 'react';
import { useI18n } from '../lib/i18n/index.tsx';
import { Dialog } from './dialog.tsx';

interface Props {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  error?: string;
  onConfirm: () => void;
  onClose: () => void;
}

/** Asks before something that cannot be undone; the confirming button says what happens. */
export function ConfirmDialog({ open, title, children, confirmLabel, pending, error, onConfirm, onClose }: Props) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} labelledBy="confirm-title" variant="modal">
      <h2 id="confirm-title">{title}</h2>
      <div className="muted" style={{ fontSize: 13.5 }}>{children}</div>
      {error && <div className="form-error" role="alert" style={{ marginTop: 10 }}>{error}</div>}
      <div className="toolbar" style={{ justifyContent: 'flex-end', marginTop: 16 }}>
        <button type="button" className="btn" onClick={onClose}>{t('action.cancel')}</button>
        <button type="button" className="btn btn-danger" disabled={pending} onClick={onConfirm} data-testid="confirm">{confirmLabel}</button>
      </div>
    </Dialog>
  );
}
