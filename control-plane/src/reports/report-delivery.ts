import { EXPORT_FORMATS, type ExportFormat, type ReportRecord, type SqlLimits, type Store } from '@periscope/clickhouse';
import { sendNotification, type ChannelContext } from '../alerts/channels/index.ts';
import { type Delivery, type Notification } from '@periscope/contract';
import type { ReportInput } from './report.ts';
import type { ReportLinks } from './signed-links.ts';

export interface DeliveryOptions {
  store: Store;
  links: ReportLinks;
  /** The UI's base URL, for download links. */
  publicUrl: string;
  limits: SqlLimits;
  /** Larger exports go as a link. */
  maxAttachmentBytes: number;
  linkTtlMs: number;
  channels: ChannelContext;
}

export interface DeliveryOutcome {
  ok: boolean;
  rows: number;
  bytes: number;
  error: string;
  deliveries: Delivery[];
}

/**
 * One run of a report for its channels: the export, kept in memory only up to the
 * attachment limit (past it the recipients get a signed link instead), then one
 * notification per channel. A query that fails is delivered too, as the failure.
 */
export async function deliverReport(record: ReportRecord, report: ReportInput, params: Record<string, string>, at: number, o: DeliveryOptions): Promise<DeliveryOutcome> {
  const { format } = report.delivery;
  let output: { content: Buffer | null; bytes: number; rows: number } | null = null;
  let error = '';
  try {
    output = await produce(record, params, format, o);
  } catch (err) {
    error = (err as Error).message;
  }
  const link = o.links.url(o.publicUrl, { reportId: record.report_id, format, params, expires: at + o.linkTtlMs });
  const notification = reportNotification(record, report, params, at, { output, error, link });
  const deliveries = await Promise.all(report.delivery.channels.map((channel) => sendNotification(channel, notification, o.channels)));
  return {
    ok: error === '' && deliveries.every((d) => d.ok),
    rows: output?.rows ?? 0,
    bytes: output?.bytes ?? 0,
    error: error || deliveries.filter((d) => !d.ok).map((d) => `${d.channel} ${d.target}: ${d.error ?? d.status}`).join('; '),
    deliveries,
  };
}

async function produce(record: ReportRecord, params: Record<string, string>, format: ExportFormat, o: DeliveryOptions) {
  const exp = await o.store.exportSql({ sql: record.sql, params, projectIds: [record.project_id] }, format, o.limits);
  const kept: Buffer[] = [];
  const rows = new RowCounter(format);
  let bytes = 0;
  try {
    for await (const chunk of exp) {
      bytes += chunk.length;
      rows.add(chunk);
      if (bytes <= o.maxAttachmentBytes) kept.push(Buffer.from(chunk));
      else kept.length = 0;
    }
  } finally {
    await exp.close();
  }
  return { content: bytes <= o.maxAttachmentBytes ? Buffer.concat(kept) : null, bytes, rows: rows.count };
}

/**
 * Rows of a text export, counted as it streams: records end at a newline (for CSV, one
 * outside quotes), less the header line of CSV and TSV. Parquet is not counted (0).
 */
class RowCounter {
  #count = 0;
  #quoted = false;

  constructor(private readonly format: ExportFormat) {}

  add(chunk: Uint8Array): void {
    if (this.format === 'parquet') return;
    for (const byte of chunk) {
      if (this.format === 'csv' && byte === 0x22) this.#quoted = !this.#quoted;
      else if (byte === 0x0a && !this.#quoted) this.#count += 1;
    }
  }

  get count(): number {
    return this.format === 'csv' || this.format === 'tsv' ? Math.max(0, this.#count - 1) : this.#count;
  }
}

function reportNotification(
  record: ReportRecord,
  report: ReportInput,
  params: Record<string, string>,
  at: number,
  r: { output: { content: Buffer | null; bytes: number; rows: number } | null; error: string; link: string },
): Notification {
  const { format, attach } = report.delivery;
  const filename = `${record.name.replace(/[^\p{L}\p{N}._-]+/gu, '-')}-${new Date(at).toISOString().slice(0, 16).replace(':', '')}.${EXPORT_FORMATS[format].extension}`;
  const paramText = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(', ');
  const attached = attach && r.output?.content ? r.output.content : null;
  const title = r.error ? `Report "${record.name}" failed` : `Report "${record.name}"`;
  const lines = r.error
    ? [`The query of report "${record.name}" (project ${record.project_id}) failed: ${r.error}`]
    : [
        `Project ${record.project_id}, run at ${new Date(at).toISOString()}${paramText ? ` with ${paramText}` : ''}.`,
        `${format === 'parquet' ? '' : `${r.output?.rows ?? 0} rows, `}${r.output?.bytes ?? 0} bytes of ${format.toUpperCase()}${attached ? ', attached' : ''}.`,
        ...(r.output && r.output.content === null && attach ? ['Too large to attach: download it from the link.'] : []),
      ];
  return {
    title,
    text: lines.join('\n'),
    ...(r.error ? {} : { link: r.link }),
    json: {
      type: 'report',
      report: { id: record.report_id, name: record.name, project: record.project_id },
      run: { at: new Date(at).toISOString(), params, format, ok: r.error === '', error: r.error || undefined, rows: r.output?.rows, bytes: r.output?.bytes },
      ...(r.error ? {} : { link: r.link }),
      ...(attached ? { attachment: { filename, content_type: EXPORT_FORMATS[format].contentType, encoding: 'base64', content: attached.toString('base64') } } : {}),
    },
    ...(attached ? { attachments: [{ filename, content: attached, contentType: EXPORT_FORMATS[format].contentType }] } : {}),
  };
}
