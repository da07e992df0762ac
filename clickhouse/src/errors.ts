/**
 * The one error catalog of @periscope/clickhouse. Every failure the package raises is a
 * StoreError with a stable code and the HTTP status an API should answer with, so ingest
 * needs one error handler, not a try/catch per route.
 */
export const STORE_ERRORS = {
  /** Another process holds the embedded data directory. */
  store_locked: { status: 409 },
  /** The store could not be opened or reached. */
  store_unavailable: { status: 503 },
  /** ClickHouse rejected or failed a statement. */
  query_failed: { status: 500 },
  /** A migration file is malformed or failed to apply. */
  migration_failed: { status: 500 },
  /** A caller-supplied filter, limit or setting is out of range. */
  invalid_argument: { status: 400 },
  /** A pagination cursor that this package did not produce. */
  invalid_cursor: { status: 400 },
  /** An event that breaks the RequestEvent contract (it would be stored wrongly). */
  invalid_event: { status: 400 },
  /** The engine refused inserted rows for their content (a parse or type error): retrying the same rows cannot help. */
  rows_refused: { status: 400 },
  /** The report sandbox refused a user's SQL before it ran; the message says why. */
  sql_rejected: { status: 400 },
  /** The engine refused a user's SQL (syntax, unknown column, types); the message is the engine's. */
  sql_failed: { status: 400 },
  /** A user's SQL hit a resource limit (time, memory, rows read or returned, export bytes). */
  sql_limit_exceeded: { status: 400 },
  /** An export would take disk space the store needs. */
  insufficient_storage: { status: 507 },
} as const satisfies Record<string, { status: number }>;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly status: number;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
    this.status = STORE_ERRORS[code].status;
  }
}

/**
 * chDB lets one process own a data directory. The CLI turns this into "use --url", so it
 * gets its own class carrying what the message needs.
 */
export class StoreLockedError extends StoreError {
  readonly dataDir: string;
  readonly pid: number;

  constructor(dataDir: string, pid: number, options?: { cause?: unknown }) {
    super(
      'store_locked',
      `The data directory ${dataDir} is in use by a running Periscope (pid ${pid}). ` +
        'Only one process can open it; talk to that process through its API with --url instead.',
      options,
    );
    this.name = 'StoreLockedError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
