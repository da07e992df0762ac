import type { Driver, ParamValue, QueryParams, QuerySettings } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import { EXPORT_FORMATS, type ExportFormat, type SqlColumn, type SqlLimits, type SqlRequest, type SqlResult } from '../reports.ts';
import { bindViews } from './bind-views.ts';
import { checkAst } from './check-ast.ts';
import { checkResolvedTables } from './check-resolved-tables.ts';
import { checkTokens, type SqlParam } from './check-tokens.ts';
import { userFacingError } from './engine-errors.ts';
import { parseExplainAst } from './explain-ast.ts';
import { tokenize } from './tokenize.ts';
import { PROJECTS_PARAM, RESERVED_PREFIX } from './views.ts';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A statement that passed every check, bound to the caller's projects, ready to run. */
export interface PreparedSql {
  sql: string;
  params: QueryParams;
  /** Settings every statement of this request carries (the row policy's projects). */
  settings: QuerySettings;
}

export interface SandboxTarget {
  /** The database whose report views a query may read. */
  database: string;
  /**
   * The connection is the report reader of a ClickHouse server, whose row policy keeps
   * rows whose project_id is in the SQL_periscope_projects setting (clickhouse/sql/report-reader.sql).
   */
  rowPolicy: boolean;
}

/** The custom setting the server's row policy reads; the server config must allow the SQL_ prefix. */
const ROW_POLICY_SETTING = 'SQL_periscope_projects';

/**
 * The engine's half of the sandbox: read-only, and the resource limits. Per query, so a
 * connection shared with the rest of Periscope keeps its own settings.
 */
export function limitSettings(limits: SqlLimits): QuerySettings {
  return {
    readonly: 1,
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    max_rows_to_read: limits.maxRowsToRead,
    read_overflow_mode: 'throw',
    // The result cap: `limit` cuts the outermost result exactly; max_result_rows backs it up.
    limit: limits.maxResultRows,
    max_result_rows: limits.maxResultRows,
    result_overflow_mode: 'break',
  };
}

/** The `{name:Type}` parameters a statement declares (for forms and saved reports); checks the text only. */
export function declaredParams(sql: string): SqlParam[] {
  const seen = new Map<string, SqlParam>();
  for (const p of checkTokens(tokenize(sql).tokens).params) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

/**
 * The application's half of the sandbox, in order: the lexer (one statement, no comments,
 * printable ASCII outside literals), the token checks (no SETTINGS / FORMAT / INTO, no
 * reserved names), the engine's own parse (EXPLAIN AST: node kinds, tables, functions), the
 * binding of view names to the project-scoped views, and the engine's resolution of the
 * bound statement (EXPLAIN QUERY TREE: only those views are read). Refusals are
 * `sql_rejected`; the engine's complaints about the user's SQL are `sql_failed`.
 */
export async function prepareSql(driver: Driver, target: SandboxTarget, req: SqlRequest, limits: SqlLimits): Promise<PreparedSql> {
  const { sql, tokens } = tokenize(req.sql);
  const facts = checkTokens(tokens);
  const userParams = checkParams(req.params ?? {}, facts.params);
  const settings: QuerySettings = target.rowPolicy ? { [ROW_POLICY_SETTING]: req.projectIds.join(',') } : {};
  try {
    const ast = parseExplainAst(await driver.queryText(`EXPLAIN AST ${sql}`, userParams, 'TSVRaw', settings));
    const { tableNames } = checkAst(ast, facts.cteNames);
    const bound = bindViews(sql, tokens, facts.tableRefs, tableNames);
    const params = { ...userParams, [PROJECTS_PARAM]: req.projectIds };
    // Analysis evaluates scalar subqueries, so it runs under the same limits as the query.
    const tree = await driver.queryText(`EXPLAIN QUERY TREE ${bound}`, params, 'TSVRaw', { ...limitSettings(limits), ...settings });
    checkResolvedTables(tree, target.database);
    return { sql: bound, params, settings };
  } catch (err) {
    throw userFacingError(err, limits);
  }
}

function checkParams(given: Readonly<Record<string, ParamValue>>, declared: SqlParam[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!PARAM_NAME.test(name) || name.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new StoreError('sql_rejected', `Parameter name ${JSON.stringify(name)} is not allowed.`);
    }
    const ok = value === null || ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new StoreError('sql_rejected', `Parameter ${name} must be a string, number, boolean, null or list of strings.`);
    params[name] = value;
  }
  const missing = declared.filter((p) => !(p.name in params));
  if (missing.length > 0) {
    throw new StoreError('sql_rejected', `Missing parameter values: ${missing.map((p) => `${p.name} (${p.type})`).join(', ')}.`);
  }
  return params;
}

/** The result's columns, from the engine's analysis (DESCRIBE), which writes nothing until it succeeded. */
async function describe(driver: Driver, prepared: PreparedSql, limits: SqlLimits): Promise<SqlColumn[]> {
  const text = await driver.queryText(`DESCRIBE TABLE (${prepared.sql})`, prepared.params, 'JSONEachRow', { ...limitSettings(limits), ...prepared.settings });
  return text.split('\n').filter((line) => line !== '').map((line) => {
    const { name, type } = JSON.parse(line) as SqlColumn;
    return { name, type };
  });
}

/** Runs a user's SQL for the grid: at most `maxResultRows` rows, with a flag when there were more. */
export async function runSql(driver: Driver, target: SandboxTarget, req: SqlRequest, limits: SqlLimits): Promise<SqlResult> {
  const started = performance.now();
  const prepared = await prepareSql(driver, target, req, limits);
  const settings = { ...limitSettings({ ...limits, maxResultRows: limits.maxResultRows + 1 }), output_format_json_quote_64bit_integers: 0, ...prepared.settings };
  let meta: SqlColumn[];
  let text: string;
  try {
    meta = await describe(driver, prepared, limits);
    // One JSON array per row and nothing before the first: see the chDB driver's queryText.
    text = await driver.queryText(prepared.sql, prepared.params, 'JSONCompactEachRow', settings);
  } catch (err) {
    throw userFacingError(err, limits);
  }
  const rows = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown[]);
  const truncated = rows.length > limits.maxResultRows;
  const data = (truncated ? rows.slice(0, limits.maxResultRows) : rows).map((row) => Object.fromEntries(meta.map((c, i) => [c.name, row[i]])));
  return { meta, data, rows: data.length, truncated, statistics: { elapsed_ms: Math.round(performance.now() - started) } };
}

/** RFC 4180: every name quoted, quotes doubled, CRLF. */
const csvHeader = (columns: SqlColumn[]) => `${columns.map((c) => `"${c.name.replaceAll('"', '""')}"`).join(',')}\r\n`;
/** ClickHouse's TSV escaping, so the header reads back like the rows. */
const tsvHeader = (columns: SqlColumn[]) =>
  `${columns.map((c) => c.name.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n')).join('\t')}\n`;

/** A running export: iterate it to the end, or close it (a client that went away) to free the engine. */
export interface SqlExport extends AsyncIterable<Uint8Array> {
  close(): Promise<void>;
}

/**
 * Starts an export. It resolves once the engine produced the first chunk, so a query that
 * fails at once is an error the caller can still answer with a status; a failure after
 * that ends the stream early. At most `maxResultRows` rows.
 */
export async function exportSql(driver: Driver, target: SandboxTarget, req: SqlRequest, format: ExportFormat, limits: SqlLimits): Promise<SqlExport> {
  const prepared = await prepareSql(driver, target, req, limits);
  let header = '';
  try {
    if (format === 'csv') header = csvHeader(await describe(driver, prepared, limits));
    if (format === 'tsv') header = tsvHeader(await describe(driver, prepared, limits));
  } catch (err) {
    throw userFacingError(err, limits);
  }
  const settings: QuerySettings = {
    ...limitSettings(limits),
    // RFC 4180: CRLF line ends (fields are quoted by the engine as the RFC says).
    output_format_csv_crlf_end_of_line: 1,
    // The chDB driver joins its per-chunk Parquet files; page indexes could not be moved with them.
    output_format_parquet_write_page_index: 0,
    // Streams move one block at a time: 8,192-row blocks keep that small (measured on 1M rows of
    // 160 B: server RSS +58 MiB instead of +207 MiB with the default 65,536, and no slower).
    max_block_size: 8192,
    ...prepared.settings,
  };
  const chunks = driver.stream(prepared.sql, prepared.params, EXPORT_FORMATS[format].stream, settings)[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await chunks.next();
  } catch (err) {
    throw userFacingError(err, limits);
  }
  // The header goes with the first chunk: an empty result is still a file with its column names.
  let held: Uint8Array | undefined = header === '' ? (first.done ? undefined : first.value) : Buffer.concat([Buffer.from(header), first.done ? Buffer.alloc(0) : first.value]);
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      if (held !== undefined) {
        const value = held;
        held = undefined;
        return { done: false, value };
      }
      return first.done ? { done: true, value: undefined } : chunks.next();
    },
    async return() {
      held = undefined;
      await chunks.return?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close: async () => void (await iterator.return!()) };
}
