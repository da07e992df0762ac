import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EXPORT_FORMATS, type ExportFormat, type ReportRecord, type Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { exportLimits, resolveParams } from '@periscope/control-plane';

export interface ReportRunOptions {
  name: string;
  project?: string;
  format: string;
  /** `k=v` pairs from --param. */
  params: string[];
  out: Writable;
}

export class ReportRunError extends Error {}

/** `--param k=v` (repeatable) as parameter values; the value may itself hold "=". */
function parseParams(pairs: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new ReportRunError(`--param ${pair}: write it as name=value`);
    params[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return params;
}

function checkFormat(format: string): ExportFormat {
  if (!(format in EXPORT_FORMATS)) throw new ReportRunError(`--format must be one of ${Object.keys(EXPORT_FORMATS).join(', ')}`);
  return format as ExportFormat;
}

/** The one report called `name` (in `project` when given); two projects with that name is a question for the user. */
function pick<T extends { name: string; project: string }>(reports: T[], o: ReportRunOptions): T {
  const named = reports.filter((r) => r.name === o.name && (o.project === undefined || r.project === o.project));
  if (named.length === 0) throw new ReportRunError(`no report named "${o.name}"${o.project ? ` in project ${o.project}` : ''}`);
  if (named.length > 1) throw new ReportRunError(`reports named "${o.name}" exist in projects ${named.map((r) => r.project).join(', ')}: add --project`);
  return named[0]!;
}

/** `report run` through a running Periscope's API: the export streams from the server to `out`. */
export async function runReportViaApi(url: string, token: string, o: ReportRunOptions): Promise<void> {
  const format = checkFormat(o.format);
  const params = parseParams(o.params);
  const get = async (path: string) => {
    const res = await fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
      throw new ReportRunError(`the server refused: ${body.error?.message ?? res.status}`);
    }
    return res;
  };
  const list = (await (await get(`/api/reports${o.project ? `?project=${encodeURIComponent(o.project)}` : ''}`)).json()) as { data: { id: string; name: string; project: string }[] };
  const report = pick(list.data, o);
  const query = [`format=${format}`, ...Object.entries(params).map(([k, v]) => `param.${encodeURIComponent(k)}=${encodeURIComponent(v)}`)].join('&');
  const res = await get(`/api/reports/${encodeURIComponent(report.id)}/export?${query}`);
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), o.out);
}

/** `report run` on a store this process opened (a stopped server's data directory, or a ClickHouse server). */
export async function runReportOnStore(store: Store, config: PeriscopeConfig, o: ReportRunOptions): Promise<void> {
  const format = checkFormat(o.format);
  const params = parseParams(o.params);
  const reports = await store.listReports(o.project === undefined ? undefined : [o.project]);
  const record = pick(reports.map((r: ReportRecord) => Object.assign({}, r, { project: r.project_id })), o);
  const exp = await store.exportSql(
    { sql: record.sql, params: resolveParams(record.params, params, Date.now()), projectIds: [record.project_id] },
    format,
    exportLimits(config.reports),
  );
  await pipeline(Readable.from(exp, { objectMode: false }), o.out);
}
