import type { FastifyInstance, FastifyRequest } from 'fastify';
import { declaredParams, EXPORT_FORMATS, REPORT_TEMPLATES, SQL_VIEWS, type ExportFormat } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { array, object, oneOf, onlyKeys, string } from '../alerts/json-input.ts';
import { principalOf } from '../api/access.ts';
import type { ReadRoutesOptions } from '../api/read-routes-options.ts';
import { clientGone, replyWithExport } from './export-reply.ts';
import type { ExportSlots } from './export-slots.ts';
import type { QueryRateLimit } from './query-rate-limit.ts';
import { consoleLimits, exportLimits } from './report-limits.ts';
import { resolveValue } from './report-params.ts';

export interface SqlRoutesOptions extends ReadRoutesOptions {
  config: () => PeriscopeConfig;
  rateLimit: QueryRateLimit;
  exportSlots: ExportSlots;
}

/** Whose allowance a query takes: an account, or the admin token (one allowance for all its uses). */
export const queryCaller = (request: FastifyRequest): string => principalOf(request).account_id ?? 'admin-token';

/** The SQL body: `{ sql, params }`, params as the statement's `{name:Type}` values (relative times allowed). */
export function parseSqlBody(body: unknown, formats = false) {
  const o = object(body ?? {}, 'the body');
  onlyKeys(o, '', formats ? ['sql', 'params', 'format'] : ['sql', 'params']);
  return {
    sql: string(o.sql, 'sql', 100_000),
    params: parseParamValues(o.params),
    format: formats ? oneOf(o.format ?? 'csv', 'format', Object.keys(EXPORT_FORMATS) as ExportFormat[]) : ('csv' as ExportFormat),
  };
}

/** Values as sent; a string that is a relative time (`today-7d`, `now`) is resolved as for saved reports. */
function parseParamValues(value: unknown): Record<string, string | number | boolean | string[]> {
  if (value === undefined || value === null) return {};
  const o = object(value, 'params');
  const now = Date.now();
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [name, v] of Object.entries(o)) {
    out[name] = Array.isArray(v) ? array(v, `params.${name}`, 10_000).map((x, i) => string(x, `params.${name}[${i}]`))
      : typeof v === 'string' ? resolveValue(v, now)
      : typeof v === 'object' ? string(v, `params.${name}`) : (v as number | boolean);
  }
  return out;
}

/**
 * `POST /api/sql` (the console's grid), `POST /api/sql/export` (a download), the schema of
 * the views, and the built-in templates. Every query runs over the caller's projects
 * (`?project=` narrows to one) and takes one from the caller's per-minute allowance.
 */
export async function sqlRoutes(app: FastifyInstance, o: SqlRoutesOptions): Promise<void> {
  const { store, projectsFor, config, rateLimit, exportSlots } = o;

  app.post('/api/sql', async (request, reply) => {
    const { sql, params } = parseSqlBody(request.body);
    const projectIds = await projectsFor(request);
    rateLimit.take(queryCaller(request));
    return store.runSql({ sql, params, projectIds, signal: clientGone(reply) }, consoleLimits(config().reports));
  });

  app.post('/api/sql/export', async (request, reply) => {
    const { sql, params, format } = parseSqlBody(request.body, true);
    const projectIds = await projectsFor(request);
    const who = queryCaller(request);
    rateLimit.take(who);
    const limits = exportLimits(config().reports);
    const name = `periscope-${new Date().toISOString().slice(0, 10)}`;
    return replyWithExport(reply, { slots: exportSlots, who, name, format, rowCap: limits.maxResultRows }, (signal) =>
      store.exportSql({ sql, params, projectIds, signal }, format, limits));
  });

  app.get('/api/sql/schema', async () => ({
    views: SQL_VIEWS.map(({ name, description, columns }) => ({ name, description, columns })),
    limits: { max_result_rows: config().reports.max_result_rows, export_max_rows: config().reports.export_max_rows },
  }));

  app.get('/api/reports/templates', async () => ({
    data: REPORT_TEMPLATES.map((t) => ({ ...t, declared_params: declaredParams(t.sql) })),
  }));
}
