import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import { StoreError } from '../errors.ts';
import type { ExportFormat, ReportRecord, SqlLimits, SqlRequest } from '../reports.ts';
import { REPORT_TEMPLATES } from '../sql/templates.ts';
import { SQL_VIEWS } from '../sql/views.ts';
import type { Store } from '../store.ts';
import { makeEvent, newProjectId } from './fixtures.ts';

const LIMITS: SqlLimits = { maxExecutionSeconds: 10, maxMemoryBytes: 1e9, maxRowsToRead: 1e8, maxResultRows: 1000 };

/** Splits RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; records end in CRLF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** SQL reports: the sandboxed views, exports, saved reports and their runs, the same on both drivers. */
export function reportsContract(getStore: () => Store): void {
  let store: Store;
  const mine = newProjectId('sql');
  const canary = newProjectId('canary');
  const now = Date.now();
  const run = (sql: string, params: SqlRequest['params'] = {}, limits = LIMITS) => store.runSql({ sql, params, projectIds: [mine] }, limits);
  const exported = async (sql: string, format: ExportFormat) => collect(await store.exportSql({ sql, projectIds: [mine] }, format, LIMITS));
  const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (err: unknown) => err as StoreError);

  beforeAll(async () => {
    store = getStore();
    await store.insertRequests([
      makeEvent({ project_id: mine, model: 'gpt-4o', cost_usd: 1.25, created_at: now - 3000, user_id: 'say "hi", then\r\nleave' }),
      makeEvent({ project_id: mine, model: 'claude', cost_usd: 2.5, created_at: now - 2000, status: 500, error_type: 'upstream_error' }),
      makeEvent({ project_id: canary, model: 'CANARY-MODEL', cost_usd: 999, created_at: now - 1000, user_id: 'CANARY' }),
    ]);
  });

  it('documents every column of every report view exactly as the engine has it', async () => {
    for (const view of SQL_VIEWS) {
      const result = await run(`SELECT * FROM ${view.name} LIMIT 0`);
      expect(result.meta, view.name).toEqual(view.columns.map(({ name, type }) => ({ name, type })));
    }
  });

  it('shows only the projects of the request, whatever the query asks for', async () => {
    const all = await run('SELECT project_id, model, cost_usd FROM requests ORDER BY cost_usd');
    expect(all.data).toEqual([
      { project_id: mine, model: 'gpt-4o', cost_usd: 1.25 },
      { project_id: mine, model: 'claude', cost_usd: 2.5 },
    ]);
    expect((await run(`SELECT count() AS n FROM requests WHERE project_id = {p:String}`, { p: canary })).data).toEqual([{ n: 0 }]);
    expect((await run('SELECT sum(requests) AS n FROM requests_1m')).data).toEqual([{ n: 2 }]);
    expect((await run('SELECT sum(requests) AS n FROM requests_1h')).data).toEqual([{ n: 2 }]);
    const nobody = await store.runSql({ sql: 'SELECT count() AS n FROM requests', projectIds: [] }, LIMITS);
    expect(nobody.data).toEqual([{ n: 0 }]);
  });

  it('binds named parameters and says which are missing', async () => {
    const result = await run('SELECT model FROM requests WHERE model = {model:String} AND created_at >= {from:DateTime64(3)}', {
      model: 'claude', from: new Date(now - 60_000).toISOString().slice(0, 23).replace('T', ' '),
    });
    expect(result.data).toEqual([{ model: 'claude' }]);
    const err = await errorOf(run('SELECT {model:String}'));
    expect(err?.code).toBe('sql_rejected');
    expect(err?.message).toContain('model (String)');
  });

  it('cuts the grid at maxResultRows and says so', async () => {
    const result = await run('SELECT number FROM numbers(50)', {}, { ...LIMITS, maxResultRows: 10 });
    expect(result.rows).toBe(10);
    expect(result.truncated).toBe(true);
    expect(result.meta).toEqual([{ name: 'number', type: 'UInt64' }]);
    expect((await run('SELECT number FROM numbers(10)', {}, { ...LIMITS, maxResultRows: 10 })).truncated).toBe(false);
  });

  it("answers the engine's complaints about a query as sql_failed, with the engine's reason", async () => {
    const err = await errorOf(run('SELECT no_such_column FROM requests'));
    expect(err?.code).toBe('sql_failed');
    expect(err?.message).toMatch(/no_such_column/);
    expect(err?.status).toBe(400);
  });

  it('exports CSV by RFC 4180: a header, every field quoted where needed, CRLF', async () => {
    const csv = (await exported("SELECT user_id, model, cost_usd FROM requests WHERE model = 'gpt-4o'", 'csv')).toString('utf8');
    expect(parseCsv(csv)).toEqual([['user_id', 'model', 'cost_usd'], ['say "hi", then\r\nleave', 'gpt-4o', '1.25']]);
    expect(csv.startsWith('"user_id","model","cost_usd"\r\n')).toBe(true);
    expect(parseCsv((await exported('SELECT model FROM requests WHERE 0', 'csv')).toString())).toEqual([['model']]);
  });

  it('exports TSV, JSON lines and Parquet', async () => {
    const sql = 'SELECT model, cost_usd FROM requests ORDER BY cost_usd';
    expect((await exported(sql, 'tsv')).toString()).toBe('model\tcost_usd\ngpt-4o\t1.25\nclaude\t2.5\n');
    expect((await exported(sql, 'jsonl')).toString()).toBe('{"model":"gpt-4o","cost_usd":1.25}\n{"model":"claude","cost_usd":2.5}\n');
    const parquet = await exported(sql, 'parquet');
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    expect(parquet.subarray(-4).toString()).toBe('PAR1');
  });

  it('runs every built-in template', async () => {
    const params = { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' };
    for (const template of REPORT_TEMPLATES) {
      const result = await run(template.sql, params);
      expect(result.meta.length, template.id).toBeGreaterThan(1);
    }
    const spend = await run(REPORT_TEMPLATES.find((t) => t.id === 'spend-by-model-per-day')!.sql, params);
    expect(spend.data.map((r) => [r.model, r.cost_usd])).toEqual([['claude', 2.5], ['gpt-4o', 1.25]]);
  });

  it('saves, lists, updates and deletes reports within their project', async () => {
    const report: ReportRecord = {
      report_id: `rep_${randomUUID()}`, project_id: mine, name: 'Spend', description: 'd', sql: 'SELECT 1',
      params: { from: '2026-01-01 00:00:00' }, schedule: '0 8 * * 1', delivery: '{"channel":"webhook"}', created_by: 'me',
      created_at: now, updated_at: now, deleted: false,
    };
    await store.saveReport(report);
    expect(await store.getReport(report.report_id)).toEqual(report);
    expect((await store.listReports([mine])).map((r) => r.report_id)).toEqual([report.report_id]);
    expect(await store.listReports([canary])).toEqual([]);
    expect((await store.listReports()).some((r) => r.report_id === report.report_id)).toBe(true);

    const renamed = { ...report, name: 'Spend v2', updated_at: now + 1 };
    await store.saveReport(renamed);
    expect(await store.getReport(report.report_id)).toEqual(renamed);
    await store.saveReport({ ...renamed, deleted: true, updated_at: now + 2 });
    expect(await store.getReport(report.report_id)).toBeNull();
    expect(await store.listReports([mine])).toEqual([]);
  });

  it('records one run per report and scheduled minute, newest first', async () => {
    const reportId = `rep_${randomUUID()}`;
    const base = { report_id: reportId, project_id: mine, ok: true, rows: 3, bytes: 10, error: '', delivery: '{}' };
    await store.recordReportRun({ ...base, scheduled_for: now - 60_000, started_at: now - 59_000, finished_at: now - 58_000 });
    await store.recordReportRun({ ...base, scheduled_for: now, started_at: now, finished_at: now + 1, ok: false, error: 'first try' });
    await store.recordReportRun({ ...base, scheduled_for: now, started_at: now, finished_at: now + 2, delivery: '{"ok":true}' });
    const runs = await store.listReportRuns(reportId, 10);
    expect(runs.map((r) => [r.scheduled_for, r.ok, r.delivery])).toEqual([[now, true, '{"ok":true}'], [now - 60_000, true, '{}']]);
  });
}
