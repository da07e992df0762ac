import { useMemo } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { parseSse } from '@periscope/contract/api';

const OPEN_DEPTH = 2;

function Value({ value, depth, name, last }: { value: unknown; depth: number; name?: string; last: boolean }) {
  const key = name !== undefined ? <><span className="j-key">{JSON.stringify(name)}</span>: </> : null;
  const comma = last ? '' : ',';
  if (value !== null && typeof value === 'object') {
    const isArray = Array.isArray(value);
    const entries = isArray ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return <div className="row">{key}{open}{close}{comma}</div>;
    return (
      <details open={depth < OPEN_DEPTH}>
        <summary>{key}{open}<span className="j-hint"> …{entries.length} </span></summary>
        {entries.map(([k, v], i) => <Value key={k} value={v} depth={depth + 1} name={isArray ? undefined : k} last={i === entries.length - 1} />)}
        <div>{close}{comma}</div>
      </details>
    );
  }
  const cls = typeof value === 'string' ? 'j-str' : typeof value === 'number' ? 'j-num' : 'j-lit';
  return <div className="row">{key}<span className={cls}>{JSON.stringify(value)}</span>{comma}</div>;
}

/**
 * A stored body, pretty and collapsible. SSE bodies show as their list of events; text that
 * is not JSON (a truncated body) shows as text with a note.
 */
export function JsonView({ text, truncated, label }: { text: string; truncated: boolean; label: string }) {
  const { t } = useI18n();
  const parsed = useMemo((): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      const events = parseSse(text);
      return events.length > 0 ? { ok: true, value: events.map((e) => (e.event ? { event: e.event, data: e.data } : e.data)) } : { ok: false };
    }
  }, [text]);

  if (!text) return <p className="muted">{t('detail.bodyNotStored')}</p>;
  return (
    <div aria-label={label}>
      {truncated && <div className="notice" style={{ marginBottom: 8 }}>{t('detail.truncated')}</div>}
      <div className="json">
        {parsed.ok ? <Value value={parsed.value} depth={0} last /> : <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{text}</pre>}
      </div>
    </div>
  );
}
