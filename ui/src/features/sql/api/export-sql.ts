import { ApiError } from '../../../lib/api-client.ts';
import { withProject, type SqlRun } from './run-sql.ts';
import type { ExportFormat } from './types.ts';

/**
 * Downloads the console's SQL as a file. The server streams it; the browser keeps it as a
 * blob until saved (the export row cap bounds it). A refused query answers JSON with the reason.
 */
export async function exportSql(run: SqlRun, format: ExportFormat): Promise<void> {
  const res = await fetch(withProject('/api/sql/export', run.project), {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'X-Periscope-CSRF': '1' },
    body: JSON.stringify({ sql: run.sql, params: run.params, format }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    throw new ApiError(res.status, body.error?.code ?? `http_${res.status}`, body.error?.message ?? res.statusText);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `periscope.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
