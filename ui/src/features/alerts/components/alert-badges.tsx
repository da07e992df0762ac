import { useI18n } from '../../../lib/i18n/index.tsx';
import type { AlertState, Severity } from '../api/types.ts';

const STATE_CLASS: Record<AlertState, string> = { firing: 'bad', resolved: 'good', ok: '' };
const SEVERITY_CLASS: Record<Severity, string> = { critical: 'bad', warning: 'warn', info: 'info' };

export function AlertStateBadge({ state }: { state: AlertState }) {
  const { t } = useI18n();
  return <span className={`badge ${STATE_CLASS[state]}`} data-alert-state={state}>{t(`alerts.state.${state}`)}</span>;
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useI18n();
  return <span className={`badge ${SEVERITY_CLASS[severity]}`}>{t(`alerts.severity.${severity}`)}</span>;
}
