import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { EXPORT_FORMATS, type ExportFormat, type ReportRecord } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { ApiError } from '../errors.ts';
import { channelContextFromConfig, SecretBox } from '../alerts/channels/index.ts';
import { object, onlyKeys } from '../alerts/json-input.ts';
import { canRead, principalOf, requireWrite } from '../api/access.ts';
import { int, one, oneOf, type Query } from '../api/query-params.ts';
import type { ReadRoutesOptions } from '../api/read-routes-options.ts';
import { clientGone, replyWithExport } from './export-reply.ts';
import type { ExportSlots } from './export-slots.ts';
import { fromRecord, parseReportInput, reportResponse, toRecord, type ReportInput } from './report.ts';
import { deliverReport } from './report-delivery.ts';
import { consoleLimits, exportLimits } from './report-limits.ts';
import { resolveParams } from './report-params.ts';
import type { QueryRateLimit } from './query-rate-limit.ts';
import { ReportLinks } from './signed-links.ts';
import { queryCaller } from './sql-routes.ts';

export interface ReportRoutesOptions extends ReadRoutesOptions {
  keySecret: Buffer;
  config: () => PeriscopeConfig;
  rateLimit: QueryRateLimit;
  exportSlots: ExportSlots;
}

const FORMATS = Object.keys(EXPORT_FORMATS) as ExportFormat[];

/** `param.<name>=value` query parameters: a report's parameter values in a URL. */
function queryParams(q: Query): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(q)) if (name.startsWith('param.')) out[name.slice('param.'.length)] = one(q, name) ?? '';
  return out;
}

/**
 * `/api/reports`: saved reports, shared within their project (read by whoever reads it,
 * changed by its writers), run for the grid, exported as a download, delivered now, their
 * scheduled runs, and the signed download links deliveries carry. A report's query always
 * runs over its own project alone.
 */
export async function reportRoutes(app: FastifyInstance, o: ReportRoutesOptions): Promise<void> {
  const { store, config, rateLimit, exportSlots } = o;
  const box = new SecretBox(o.keySecret);
  const links = new ReportLinks(o.keySecret);
  const author = (request: FastifyRequest) => principalOf(request).email ?? 'admin token';

  async function readable(request: FastifyRequest): Promise<ReportRecord> {
    const { id } = request.params as { id: string };
    const record = await store.getReport(id);
    if (!record || !canRead(principalOf(request), record.project_id)) throw new ApiError('not_found', `No report ${id}`);
    return record;
  }

  async function checkNameFree(input: ReportInput, exceptId?: string): Promise<void> {
    const taken = (await store.listReports([input.project])).some((r) => r.name === input.name && r.report_id !== exceptId);
    if (taken) throw new ApiError('conflict', `Project ${input.project} already has a report named "${input.name}".`);
  }

  app.get('/api/reports', async (request) => {
    const records = await store.listReports(await o.projectsFor(request));
    return { data: records.map((r) => reportResponse(r, box)) };
  });

  app.post('/api/reports', async (request, reply) => {
    const input = parseReportInput(request.body);
    requireWrite(request, input.project);
    await checkNameFree(input);
    const now = Date.now();
    const record = toRecord(`rep_${randomUUID()}`, input, box, { created_by: author(request), created_at: now, updated_at: now });
    await store.saveReport(record);
    reply.code(201);
    return reportResponse(record, box);
  });

  app.get('/api/reports/:id', async (request) => reportResponse(await readable(request), box));

  app.put('/api/reports/:id', async (request) => {
    const current = await readable(request);
    requireWrite(request, current.project_id);
    const input = parseReportInput({ ...object(request.body ?? {}, 'the body'), project: current.project_id }, fromRecord(current, box));
    await checkNameFree(input, current.report_id);
    const record = toRecord(current.report_id, input, box, { created_by: current.created_by, created_at: current.created_at, updated_at: Math.max(Date.now(), current.updated_at + 1) });
    await store.saveReport(record);
    return reportResponse(record, box);
  });

  app.delete('/api/reports/:id', async (request) => {
    const current = await readable(request);
    requireWrite(request, current.project_id);
    await store.saveReport({ ...current, deleted: true, updated_at: Math.max(Date.now(), current.updated_at + 1) });
    return { id: current.report_id, deleted: true };
  });

  /** The grid: `{ params }` over the report's defaults. */
  app.post('/api/reports/:id/run', async (request, reply) => {
    const record = await readable(request);
    const body = object(request.body ?? {}, 'the body');
    onlyKeys(body, '', ['params']);
    const given = body.params === undefined ? {} : (object(body.params, 'params') as Record<string, string>);
    rateLimit.take(queryCaller(request));
    const params = resolveParams(record.params, Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)])), Date.now());
    return store.runSql({ sql: record.sql, params, projectIds: [record.project_id], signal: clientGone(reply) }, consoleLimits(config().reports));
  });

  app.get('/api/reports/:id/export', async (request, reply) => {
    const record = await readable(request);
    const q = request.query as Query;
    const format = oneOf(q, 'format', FORMATS) ?? 'csv';
    const who = queryCaller(request);
    rateLimit.take(who);
    const limits = exportLimits(config().reports);
    const params = resolveParams(record.params, queryParams(q), Date.now());
    return replyWithExport(reply, { slots: exportSlots, who, name: record.name, format, rowCap: limits.maxResultRows }, (signal) =>
      store.exportSql({ sql: record.sql, params, projectIds: [record.project_id], signal }, format, limits));
  });

  // For recipients of a delivery, who may have no account: the link's signature is the credential.
  app.get('/api/reports/:id/download', { config: { public: true } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const q = request.query as Query;
    const grant = { reportId: id, format: oneOf(q, 'format', FORMATS) ?? 'csv', params: queryParams(q), expires: int(q, 'expires', 0, Number.MAX_SAFE_INTEGER) ?? 0 };
    if (!links.verify(grant, one(q, 'signature') ?? '')) throw new ApiError('forbidden', 'This download link is invalid or has expired.');
    const record = await store.getReport(id);
    if (!record) throw new ApiError('not_found', `No report ${id}`);
    const who = `link:${id}`;
    rateLimit.take(who);
    const limits = exportLimits(config().reports);
    return replyWithExport(reply, { slots: exportSlots, who, name: record.name, format: grant.format, rowCap: limits.maxResultRows }, (signal) =>
      store.exportSql({ sql: record.sql, params: grant.params, projectIds: [record.project_id], signal }, grant.format, limits));
  });

  app.get('/api/reports/:id/runs', async (request) => {
    const record = await readable(request);
    const runs = await store.listReportRuns(record.report_id, int(request.query as Query, 'limit', 1, 1000) ?? 50);
    return {
      data: runs.map((r) => ({
        ...r,
        scheduled_for: new Date(r.scheduled_for).toISOString(), started_at: new Date(r.started_at).toISOString(),
        finished_at: new Date(r.finished_at).toISOString(), delivery: r.delivery ? JSON.parse(r.delivery) : [],
      })),
    };
  });

  /** Sends the report to its channels now (a test of the delivery); not recorded as a scheduled run. */
  app.post('/api/reports/:id/deliver', async (request) => {
    const record = await readable(request);
    requireWrite(request, record.project_id);
    const report = fromRecord(record, box);
    if (report.delivery.channels.length === 0) throw new ApiError('invalid_body', 'This report has no delivery channels.');
    rateLimit.take(queryCaller(request));
    const c = config();
    const now = Date.now();
    const outcome = await deliverReport(record, report, resolveParams(report.params, {}, now), now, {
      store, links, publicUrl: c.alerts.public_url ?? `${request.protocol}://${request.host}`, limits: exportLimits(c.reports),
      maxAttachmentBytes: c.reports.max_attachment_bytes, linkTtlMs: c.reports.link_ttl_hours * 3_600_000, channels: channelContextFromConfig(c.alerts),
    });
    return outcome;
  });
}
