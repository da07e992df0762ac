import { randomUUID } from 'node:crypto';
import type { Session } from 'chdb';
import { StoreError } from '../errors.ts';
import { PROJECTS_COMMENT, SANDBOX_DATABASE } from './chdb-engine-config.ts';
import type { QuerySettings } from './driver.ts';

/** Idle connections kept for reuse, newest first; more are closed as they finish. */
const MAX_IDLE = 8;
const SETTING_NAME = /^[a-z][a-z0-9_]*$/;
/** Project ids are letters, digits, `.`, `_` and `-` (the API refuses others); a comma would split one in two. */
const PROJECT = /^[A-Za-z0-9._-]+$/;

/**
 * Connections for users' SQL, on the store's data directory next to its own session. chDB
 * lets one process open several connections to one directory, each with its own query state,
 * and they run in parallel (measured: 3-7 ms store queries while a cross join ran on another
 * connection), so a user's heavy query holds no lock the store's readers wait on. (chDB 3.4
 * does serialize its bound single-shot queries process-wide, queryBindAsync: results are
 * streamed, and only the quick EXPLAIN of a statement is bound single-shot.)
 *
 * Each connection is opened `readonly = 1` with the statement's settings (limits, output
 * options) and the projects it may read (chdb-engine-config.ts) as engine arguments, so
 * nothing the statement says can change them; its current database is an empty one, so an
 * unqualified name that is not the statement's own cannot reach a table. A connection runs
 * one statement at a time, goes back to the pool only after a success (a failed chDB query
 * can leave output behind for the next one), and is closed otherwise.
 *
 * Every statement starts with a comment naming it, so `kill` (a KILL QUERY on another
 * connection) can stop it in the engine when its caller goes away: chDB cannot interrupt a
 * running query any other way (a stream is cancelled between chunks only, and a query that
 * aggregates produces its one chunk at the end).
 */
export class ReadOnlyConnections {
  #idle: { key: string; session: Session }[] = [];
  #closed = false;

  constructor(
    private readonly connect: (engineArgs: string[]) => Session,
    private readonly kill: (marker: string) => Promise<void>,
  ) {}

  /** Runs `work` on a connection for `settings` and `projects`; `work` must start its statement with `marker`. */
  async run<T>(
    settings: QuerySettings, projects: readonly string[], signal: AbortSignal | undefined,
    work: (session: Session, marker: string) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new StoreError('store_unavailable', 'the store is closed');
    signal?.throwIfAborted();
    const args = engineArgs(settings, projects);
    const key = args.join('\n');
    const reused = this.#idle.findIndex((c) => c.key === key);
    const session = reused >= 0 ? this.#idle.splice(reused, 1)[0]!.session : await this.#open(args);
    const marker = `/* periscope-sandbox:${randomUUID()} */ `;
    const stop = () => void this.kill(marker).catch(() => {});
    signal?.addEventListener('abort', stop, { once: true });
    let reusable = false;
    try {
      const result = await work(session, marker);
      reusable = !signal?.aborted;
      return result;
    } finally {
      signal?.removeEventListener('abort', stop);
      if (reusable && !this.#closed) this.#idle.unshift({ key, session });
      else session.close();
      for (const extra of this.#idle.splice(MAX_IDLE)) extra.session.close();
    }
  }

  close(): void {
    this.#closed = true;
    for (const { session } of this.#idle) session.close();
    this.#idle = [];
  }

  async #open(args: string[]): Promise<Session> {
    const session = this.connect(args);
    try {
      await session.queryAsync(`USE ${SANDBOX_DATABASE}`, { format: 'CSV' });
    } catch (err) {
      session.close();
      throw err;
    }
    return session;
  }
}

function engineArgs(settings: QuerySettings, projects: readonly string[]): string[] {
  for (const p of projects) if (!PROJECT.test(p)) throw new StoreError('invalid_argument', `invalid project id ${JSON.stringify(p)}`);
  const args = ['--readonly=1', `--log_comment=${PROJECTS_COMMENT}${projects.join(',')}`];
  for (const [name, value] of Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))) {
    if (!SETTING_NAME.test(name) || name === 'log_comment') throw new Error(`invalid setting name ${JSON.stringify(name)}`);
    if (name === 'readonly' && String(value) === '1') continue;
    if (name === 'readonly') throw new Error('read-only connections are opened with readonly = 1');
    args.push(`--${name}=${value}`);
  }
  return args;
}
