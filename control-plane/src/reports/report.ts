import { EXPORT_FORMATS, type ExportFormat, type ReportRecord } from '@periscope/clickhouse';
import { bad, boolean, object, oneOf, onlyKeys, optionalString, string } from '../alerts/json-input.ts';
import { maskChannel, parseChannels, type SecretBox } from '../alerts/channels/index.ts';
import { type Channel } from '@periscope/contract';
import { PROJECT_PATTERN } from '../api/access.ts';
import { CronError, nextRun, parseCron } from './cron.ts';
import { paramsOf } from './report-params.ts';

/** Where a scheduled run goes: the alert channels, the export's format, attached or linked. */
export interface ReportDelivery {
  channels: Channel[];
  format: ExportFormat;
  /** Attach the export (email; webhooks get it base64 in the body) when it is small enough; else a link. */
  attach: boolean;
}

/** What a client sends to create or replace a report. */
export interface ReportInput {
  project: string;
  name: string;
  description: string;
  sql: string;
  params: Record<string, string>;
  schedule: string;
  delivery: ReportDelivery;
}

const FORMATS = Object.keys(EXPORT_FORMATS) as ExportFormat[];
const MAX_SQL = 100_000;

/** `previous`: the stored report (secrets in clear), whose masked secrets an update keeps. */
export function parseReportInput(body: unknown, previous?: ReportInput): ReportInput {
  const o = object(body ?? {}, 'the body');
  onlyKeys(o, '', ['project', 'name', 'description', 'sql', 'params', 'schedule', 'delivery']);
  const project = string(o.project ?? previous?.project, 'project', 64);
  if (!PROJECT_PATTERN.test(project)) throw bad('project', 'must be 1-64 letters, digits, ".", "_" or "-"');
  const sql = string(o.sql, 'sql', MAX_SQL);
  const declared = paramsOf(sql);
  const params = parseParams(o.params);
  // '' clears a schedule or a description, like leaving it out.
  const schedule = o.schedule === '' ? '' : optionalString(o.schedule, 'schedule', 200)?.trim() ?? '';
  if (schedule !== '') {
    try {
      if (nextRun(parseCron(schedule), Date.now()) === null) throw bad('schedule', 'never runs');
    } catch (err) {
      if (err instanceof CronError) throw bad('schedule', err.message);
      throw err;
    }
    const missing = declared.filter((p) => !(p.name in params)).map((p) => p.name);
    if (missing.length > 0) throw bad('params', `needs a default for ${missing.join(', ')}: a scheduled run has no one to ask (relative times like today-7d work)`);
  }
  return {
    project,
    name: string(o.name, 'name', 200),
    description: o.description === '' ? '' : optionalString(o.description, 'description', 2000) ?? '',
    sql,
    params,
    schedule,
    delivery: parseDelivery(o.delivery, schedule !== '', previous?.delivery.channels),
  };
}

function parseParams(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const o = object(value, 'params');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(o)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw bad(`params.${name}`, 'is not a parameter name');
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(`params.${name}`, 'must be a string or a number');
    out[name] = String(v);
  }
  return out;
}

function parseDelivery(value: unknown, scheduled: boolean, previous: readonly Channel[] | undefined): ReportDelivery {
  if (value === undefined || value === null) {
    if (scheduled) throw bad('delivery', 'is needed for a scheduled report: { channels: [...], format }');
    return { channels: [], format: 'csv', attach: true };
  }
  const o = object(value, 'delivery');
  onlyKeys(o, 'delivery', ['channels', 'format', 'attach']);
  const channels = parseChannels(o.channels, 'delivery.channels', previous);
  if (scheduled && channels.length === 0) throw bad('delivery.channels', 'must name at least one channel for a scheduled report');
  return {
    channels,
    format: o.format === undefined ? 'csv' : oneOf(o.format, 'delivery.format', FORMATS),
    attach: o.attach === undefined ? true : boolean(o.attach, 'delivery.attach'),
  };
}

/** The store row: delivery as JSON with channel secrets sealed. */
export function toRecord(id: string, input: ReportInput, box: SecretBox, meta: { created_by: string; created_at: number; updated_at: number }): ReportRecord {
  const delivery: ReportDelivery = { ...input.delivery, channels: input.delivery.channels.map((c) => box.seal(c)) };
  return {
    report_id: id, project_id: input.project, name: input.name, description: input.description, sql: input.sql,
    params: input.params, schedule: input.schedule, delivery: JSON.stringify(delivery), deleted: false, ...meta,
  };
}

/** The report with channel secrets in clear: for runs and updates, never for a response. */
export function fromRecord(record: ReportRecord, box: SecretBox): ReportInput {
  const delivery = (record.delivery ? JSON.parse(record.delivery) : { channels: [], format: 'csv', attach: true }) as ReportDelivery;
  return {
    project: record.project_id, name: record.name, description: record.description, sql: record.sql, params: record.params,
    schedule: record.schedule, delivery: { ...delivery, channels: delivery.channels.map((c) => box.open(c)) },
  };
}

/** A report as the API shows it: secrets masked, its parameters, the next scheduled run. */
export function reportResponse(record: ReportRecord, box: SecretBox) {
  const report = fromRecord(record, box);
  const next = report.schedule ? nextRun(parseCron(report.schedule), Date.now()) : null;
  return {
    id: record.report_id,
    ...report,
    declared_params: paramsOf(report.sql),
    delivery: { ...report.delivery, channels: report.delivery.channels.map(maskChannel) },
    next_run_at: next === null ? null : new Date(next).toISOString(),
    created_by: record.created_by,
    created_at: new Date(record.created_at).toISOString(),
    updated_at: new Date(record.updated_at).toISOString(),
  };
}
