import type { Driver, ParamValue, QueryParams, QuerySettings } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import { privateDatabase } from '../private-tables.ts';
import { EXPORT_FORMATS, type ExportFormat, type SqlColumn, type SqlLimits, type SqlRequest, type SqlResult } from '../reports.ts';
import { checkQueryTree } from './check-scopes.ts';
import { checkTokens, type SqlParam } from './check-tokens.ts';
import { userFacingError } from './engine-errors.ts';
import { parseQueryTree } from './query-tree.ts';
import { scopeToProjects } from './scope.ts';
import { tokenize } from './tokenize.ts';
import { PROJECTS_PARAM, RESERVED_PREFIX, ROW_CAP_PARAM } from './views.ts';

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A statement that passed every check, bound to the caller's projects, ready to run. */
export interface PreparedSql {
  sql: string;
  params: QueryParams;
  /** The limits every statement of this request runs under. */
  settings: QuerySettings;
  /** Characters of wrapper before the user's text, for the engine's error positions. */
  userOffset: number;
}

export interface SandboxTarget {
  /** The database whose report views a query may read. */
  database: string;
}

/**
 * The engine's half of the sandbox for every statement of a request (the check's EXPLAIN
 * included): read-only, the analyzer whose scoping the check assumes, and the resource
 * limits. The embedded engine opens a read-only connection with them; a server gets them per
 * query. No result cap here: a cut EXPLAIN would hide the rest of the statement from the check.
 */
function limitSettings(limits: SqlLimits): QuerySettings {
  return {
    readonly: 1,
    enable_analyzer: 1,
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    max_rows_to_read: limits.maxRowsToRead,
    read_overflow_mode: 'throw',
    // chDB 3.4 (engine 26.7) fails a LIMIT over a subquery that orders rows of a parameterized view
    // ("Not found column ... in block"), which every ORDER BY is inside the wrapper (scope.ts).
    query_plan_optimize_lazy_materialization: 0,
  };
}

/** The result cap: the wrapper's LIMIT cuts the result exactly (scope.ts); max_result_rows backs it up. */
const resultCap = (rows: number): QuerySettings => ({ max_result_rows: rows, result_overflow_mode: 'break' });
const capped = (prepared: PreparedSql, rows: number): QueryParams => ({ ...prepared.params, [ROW_CAP_PARAM]: rows });

/** The `{name:Type}` parameters a statement declares (for forms and saved reports); checks the text only. */
export function declaredParams(sql: string): SqlParam[] {
  const seen = new Map<string, SqlParam>();
  for (const p of checkTokens(tokenize(sql).tokens)) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

/**
 * The application's half of the sandbox, in order: the lexer (one statement, no comments,
 * printable ASCII outside literals, brackets that pair up), the token checks (readable
 * refusals, reserved names, parameters of data types only), the wrapper that binds the view
 * names to the caller's projects (scope.ts), and the analysis of the engine's parse of the
 * wrapped statement, before anything in it is resolved or evaluated (check-scopes.ts).
 * Refusals are `sql_rejected`; the engine's complaints about the user's SQL are `sql_failed`.
 * Every statement then runs with the engine's half: `limitSettings` and the caller's projects
 * enforced below the views (ReadOptions.projects).
 */
export async function prepareSql(driver: Driver, target: SandboxTarget, req: SqlRequest, limits: SqlLimits): Promise<PreparedSql> {
  const { sql, tokens } = tokenize(req.sql);
  const userParams = checkParams(req.params ?? {}, checkTokens(tokens));
  const scoped = scopeToProjects(sql, target.database);
  const params = { ...userParams, [PROJECTS_PARAM]: req.projectIds, [ROW_CAP_PARAM]: limits.maxResultRows };
  const settings = limitSettings(limits);
  try {
    // Parsed, not analysed: no name is resolved and nothing is evaluated before the check.
    const tree = await driver.queryText(`EXPLAIN QUERY TREE run_passes = 0 ${scoped.sql}`, params, 'TSVRaw', settings, { projects: req.projectIds, signal: req.signal });
    checkQueryTree(parseQueryTree(tree), privateDatabase(target.database));
  } catch (err) {
    throw userFacingError(err, limits, scoped.userOffset);
  }
  return { sql: scoped.sql, params, settings, userOffset: scoped.userOffset };
}

/** Values for the declared parameters; others are refused by name or left out, never sent to the engine. */
function checkParams(given: Readonly<Record<string, ParamValue>>, declared: SqlParam[]): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!PARAM_NAME.test(name) || name.toLowerCase().startsWith(RESERVED_PREFIX)) {
      throw new StoreError('sql_rejected', `Parameter name ${JSON.stringify(name)} is not allowed.`);
    }
    const ok = value === null || ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) throw new StoreError('sql_rejected', `Parameter ${name} must be a string, number, boolean, null or list of strings.`);
    if (declared.some((p) => p.name === name)) params[name] = value;
  }
  const missing = declared.filter((p) => !(p.name in params));
  if (missing.length > 0) {
    throw new StoreError('sql_rejected', `Missing parameter values: ${missing.map((p) => `${p.name} (${p.type})`).join(', ')}.`);
  }
  return params;
}

/** Runs a user's SQL for the grid: at most `maxResultRows` rows, with a flag when there were more. */
export async function runSql(driver: Driver, target: SandboxTarget, req: SqlRequest, limits: SqlLimits): Promise<SqlResult> {
  const started = performance.now();
  const prepared = await prepareSql(driver, target, req, limits);
  const settings = { ...prepared.settings, ...resultCap(limits.maxResultRows + 1), output_format_json_quote_64bit_integers: 0 };
  let text: string;
  try {
    // Names, then types, then one JSON array per row.
    text = await driver.queryText(prepared.sql, capped(prepared, limits.maxResultRows + 1), 'JSONCompactEachRowWithNamesAndTypes', settings, {
      projects: req.projectIds, signal: req.signal,
    });
  } catch (err) {
    throw userFacingError(err, limits, prepared.userOffset);
  }
  const [names = [], types = [], ...rows] = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown[]);
  const meta: SqlColumn[] = names.map((name, i) => ({ name: String(name), type: String(types[i]) }));
  const truncated = rows.length > limits.maxResultRows;
  const data = (truncated ? rows.slice(0, limits.maxResultRows) : rows).map((row) => Object.fromEntries(meta.map((c, i) => [c.name, row[i]])));
  return { meta, data, rows: data.length, truncated, statistics: { elapsed_ms: Math.round(performance.now() - started) } };
}

/** A running export: iterate it to the end, or close it (a client that went away) to stop the engine and free its files. */
export interface SqlExport extends AsyncIterable<Uint8Array> {
  close(): Promise<void>;
}

/**
 * Starts an export. It resolves once the engine produced the first chunk (on the embedded
 * engine: the whole result, spooled to disk), so a query that fails, or outgrows the export's
 * bytes or the disk's free space, is an error the caller can still answer with a status; a
 * failure after that ends the stream early. CSV and TSV start with the column names, even
 * when there are no rows. At most `maxResultRows` rows. Aborting `req.signal`, or `close()`,
 * stops the query in the engine wherever it is.
 */
export async function exportSql(driver: Driver, target: SandboxTarget, req: SqlRequest, format: ExportFormat, limits: SqlLimits): Promise<SqlExport> {
  const closed = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, closed.signal]) : closed.signal;
  const prepared = await prepareSql(driver, target, { ...req, signal }, limits);
  const settings: QuerySettings = {
    ...prepared.settings,
    ...resultCap(limits.maxResultRows),
    // RFC 4180: CRLF line ends (fields and names are quoted by the engine as the RFC says).
    output_format_csv_crlf_end_of_line: 1,
    // The chDB driver joins its per-chunk Parquet files; page indexes could not be moved with them.
    output_format_parquet_write_page_index: 0,
    // Streams move one block at a time: 8,192-row blocks keep that small (measured on 1M rows of
    // 160 B: server RSS +58 MiB instead of +207 MiB with the default 65,536, and no slower).
    max_block_size: 8192,
  };
  const chunks = driver.stream(prepared.sql, capped(prepared, limits.maxResultRows), EXPORT_FORMATS[format].stream, settings, {
    projects: req.projectIds, signal, maxBytes: limits.maxResultBytes, minFreeDiskBytes: limits.minFreeDiskBytes,
  })[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await chunks.next();
  } catch (err) {
    throw userFacingError(err, limits, prepared.userOffset);
  }
  let held: Uint8Array | undefined = first.done ? undefined : first.value;
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
      closed.abort();
      await chunks.return?.();
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close: async () => void (await iterator.return!()) };
}
