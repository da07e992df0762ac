import type { Driver } from '../driver/driver.ts';
import { privateTable } from '../private-tables.ts';
import type { ReportRecord, ReportRunRecord } from '../reports.ts';
import { toDateTime64 } from './datetime.ts';
import { epochMs, integer, invalid } from './validate.ts';

type Numeric = number | string;

const REPORT_SELECT = `report_id, project_id, name, description, sql, params, schedule, delivery, created_by, deleted,
  toUnixTimestamp64Milli(created_at) AS created_ms, toUnixTimestamp64Milli(updated_at) AS updated_ms`;

type RawReport = Omit<ReportRecord, 'params' | 'created_at' | 'updated_at'> & { params: string; created_ms: Numeric; updated_ms: Numeric };

/**
 * Writes a report version; the newest `updated_at` wins (a deletion is a version with
 * `deleted`). Two edits in the same millisecond are ordered by the engine, not by the caller.
 */
export async function saveReport(driver: Driver, r: ReportRecord): Promise<void> {
  if (!r.report_id || !r.project_id || !r.name) throw invalid('a report needs an id, a project and a name');
  epochMs('created_at', r.created_at);
  epochMs('updated_at', r.updated_at);
  await driver.insertJSONEachRow(privateTable(driver, 'reports'), [{
    report_id: r.report_id, project_id: r.project_id, name: r.name, description: r.description, sql: r.sql,
    params: JSON.stringify(r.params), schedule: r.schedule, delivery: r.delivery, created_by: r.created_by,
    created_at: toDateTime64(r.created_at), updated_at: toDateTime64(r.updated_at), deleted: r.deleted,
  }]);
}

/** The current version; null when absent or deleted. */
export async function getReport(driver: Driver, reportId: string): Promise<ReportRecord | null> {
  const [raw] = await driver.query<RawReport>(
    `SELECT ${REPORT_SELECT} FROM ${privateTable(driver, 'reports')} FINAL WHERE report_id = {reportId:String} AND NOT deleted`,
    { reportId },
  );
  return raw ? toReport(raw) : null;
}

/** Reports of these projects (every project when omitted: the scheduler), by name. */
export async function listReports(driver: Driver, projectIds?: string[]): Promise<ReportRecord[]> {
  if (projectIds?.length === 0) return [];
  const rows = await driver.query<RawReport>(
    `SELECT ${REPORT_SELECT} FROM ${privateTable(driver, 'reports')} FINAL
     WHERE NOT deleted ${projectIds ? 'AND project_id IN {projectIds:Array(String)}' : ''}
     ORDER BY name, report_id`,
    projectIds ? { projectIds } : {},
  );
  return rows.map(toReport);
}

function toReport(raw: RawReport): ReportRecord {
  return {
    report_id: raw.report_id, project_id: raw.project_id, name: raw.name, description: raw.description, sql: raw.sql,
    params: raw.params ? (JSON.parse(raw.params) as Record<string, string>) : {}, schedule: raw.schedule,
    delivery: raw.delivery, created_by: raw.created_by, created_at: Number(raw.created_ms), updated_at: Number(raw.updated_ms),
    deleted: Boolean(raw.deleted),
  };
}

export async function recordReportRun(driver: Driver, run: ReportRunRecord): Promise<void> {
  for (const name of ['scheduled_for', 'started_at', 'finished_at'] as const) epochMs(name, run[name]);
  await driver.insertJSONEachRow(privateTable(driver, 'report_runs'), [{
    ...run,
    scheduled_for: toDateTime64(run.scheduled_for), started_at: toDateTime64(run.started_at), finished_at: toDateTime64(run.finished_at),
  }]);
}

type RawRun = Omit<ReportRunRecord, 'scheduled_for' | 'started_at' | 'finished_at' | 'rows' | 'bytes'> & {
  scheduled_ms: Numeric; started_ms: Numeric; finished_ms: Numeric; rows: Numeric; bytes: Numeric;
};

/** The newest runs of one report first. */
export async function listReportRuns(driver: Driver, reportId: string, limit: number): Promise<ReportRunRecord[]> {
  integer('limit', limit, 1000);
  const rows = await driver.query<RawRun>(
    `SELECT report_id, project_id, ok, rows, bytes, error, delivery,
       toUnixTimestamp64Milli(scheduled_for) AS scheduled_ms, toUnixTimestamp64Milli(started_at) AS started_ms,
       toUnixTimestamp64Milli(finished_at) AS finished_ms
     FROM ${privateTable(driver, 'report_runs')} FINAL WHERE report_id = {reportId:String}
     ORDER BY scheduled_for DESC LIMIT {limit:UInt32}`,
    { reportId, limit },
  );
  return rows.map((r) => ({
    report_id: r.report_id, project_id: r.project_id, scheduled_for: Number(r.scheduled_ms), started_at: Number(r.started_ms),
    finished_at: Number(r.finished_ms), ok: Boolean(r.ok), rows: Number(r.rows), bytes: Number(r.bytes), error: r.error, delivery: r.delivery,
  }));
}
