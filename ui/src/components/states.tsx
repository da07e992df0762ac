import type { CSSProperties, ReactNode } from 'react';
import { useI18n } from '../lib/i18n/index.tsx';
import { ApiError } from '../lib/api-client.ts';
import { Icon, type IconName } from './icons.tsx';

export function Skeleton({ width, height = 14, style }: { width?: number | string; height?: number | string; style?: CSSProperties }) {
  return <div className="skeleton" style={{ width: width ?? '100%', height, ...style }} aria-hidden="true" />;
}

/** Announced once to screen readers; the shimmering blocks are hidden from them. */
export function LoadingRegion({ children, label }: { children: ReactNode; label?: string }) {
  const { t } = useI18n();
  return (
    <div role="status" aria-busy="true" aria-live="polite">
      <span className="sr-only">{label ?? t('state.loading')}</span>
      {children}
    </div>
  );
}

/** Placeholder lines for a list or table while its first page loads. */
export function ListSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <LoadingRegion>
      <div style={{ padding: 16, display: 'flex', flexDirection: 'column', gap: 14 }}>
        {Array.from({ length: rows }, (_, i) => <Skeleton key={i} height={18} width={`${95 - (i % 4) * 6}%`} />)}
      </div>
    </LoadingRegion>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = error instanceof ApiError ? `${error.message} (${error.code}, HTTP ${error.status})` : error instanceof Error ? error.message : String(error);
  return (
    <div className="state" role="alert">
      <div className="state-icon bad"><Icon name="alert" /></div>
      <h3>{t('state.errorTitle')}</h3>
      <p className="mono">{message}</p>
      {onRetry && <button type="button" className="btn" onClick={onRetry}><Icon name="refresh" />{t('action.retry')}</button>}
    </div>
  );
}

export function EmptyState({ title, hint, icon = 'inbox', children }: { title: string; hint?: string; icon?: IconName; children?: ReactNode }) {
  return (
    <div className="state">
      <div className="state-icon"><Icon name={icon} /></div>
      <h3>{title}</h3>
      {hint && <p>{hint}</p>}
      {children}
    </div>
  );
}

/** What to do when nothing was logged yet: the base URL and the one header. */
export function FirstRequestHint() {
  const { t } = useI18n();
  const base = typeof window === 'undefined' ? 'http://127.0.0.1:8787' : window.location.origin;
  const snippet = [
    `curl ${base}/v1/chat/completions \\`,
    '  -H "Periscope-Auth: Bearer $PERISCOPE_KEY" \\',
    '  -H "Authorization: Bearer $OPENAI_API_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'`,
  ].join('\n');
  return (
    <EmptyState title={t('empty.noRequests')} hint={t('empty.firstRequestHint', { base: `${base}/v1` })}>
      <pre className="snippet mono">{snippet}</pre>
    </EmptyState>
  );
}
