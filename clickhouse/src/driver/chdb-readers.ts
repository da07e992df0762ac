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
 * options) and, in `log_comment`, the projects it may read (chdb-engine-config.ts) and an id
 * of its own, all as engine arguments, so nothing the statement says can change them; its
 * current database is an empty one, so an unqualified name that is not the statement's own
 * cannot reach a table. A connection runs one statement at a time, goes back to the pool
 * only after a success (a failed chDB query can leave output behind for the next one), and is
 * closed otherwise.
 *
 * When the caller goes away, `kill` stops the connection's statement in the engine with a
 * KILL QUERY on another connection, found by its `log_comment`: chDB cannot interrupt a
 * running query any other way (a stream is cancelled between chunks only, and a query that
 * aggregates produces its one chunk at the end), and a comment in the statement does not
 * survive the engine's binding of its parameters.
 */
export class ReadOnlyConnections {
  #idle: { key: string; connection: Connection }[] = [];
  readonly #busy = new Set<Connection>();
  #closed = false;

  constructor(
    private readonly connect: (engineArgs: string[]) => Session,
    private readonly kill: (logComment: string) => Promise<void>,
  ) {}

  /** Runs `work` on a connection for `settings` and `projects`. */
  async run<T>(settings: QuerySettings, projects: readonly string[], signal: AbortSignal | undefined, work: (session: Session) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('store_unavailable', 'the store is closed');
    signal?.throwIfAborted();
    const args = engineArgs(settings);
    const key = [...args, projects.join(',')].join('\n');
    const reused = this.#idle.findIndex((c) => c.key === key);
    const connection = reused >= 0 ? this.#idle.splice(reused, 1)[0]!.connection : await this.#open(args, projects);
    const stop = () => void this.kill(connection.logComment).catch(() => {});
    signal?.addEventListener('abort', stop, { once: true });
    this.#busy.add(connection);
    let reusable = false;
    try {
      const result = await work(connection.session);
      reusable = !signal?.aborted;
      return result;
    } finally {
      this.#busy.delete(connection);
      signal?.removeEventListener('abort', stop);
      if (reusable && !this.#closed) this.#idle.unshift({ key, connection });
      else connection.session.close();
      for (const extra of this.#idle.splice(MAX_IDLE)) extra.connection.session.close();
    }
  }

  /** Stops the statements still running (a closed connection would wait for them) and closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#busy].map((c) => this.kill(c.logComment).catch(() => {})));
    for (const { connection } of this.#idle) connection.session.close();
    this.#idle = [];
  }

  async #open(args: string[], projects: readonly string[]): Promise<Connection> {
    for (const p of projects) if (!PROJECT.test(p)) throw new StoreError('invalid_argument', `invalid project id ${JSON.stringify(p)}`);
    const logComment = `${PROJECTS_COMMENT}${projects.join(',')}#${randomUUID()}`;
    const session = this.connect([...args, `--log_comment=${logComment}`]);
    try {
      await session.queryAsync(`USE ${SANDBOX_DATABASE}`, { format: 'CSV' });
    } catch (err) {
      session.close();
      throw err;
    }
    return { session, logComment };
  }
}

interface Connection {
  session: Session;
  /** The projects it may read and its id, as it was opened with. */
  logComment: string;
}

function engineArgs(settings: QuerySettings): string[] {
  const args = ['--readonly=1'];
  for (const [name, value] of Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))) {
    if (!SETTING_NAME.test(name) || name === 'log_comment') throw new Error(`invalid setting name ${JSON.stringify(name)}`);
    if (name === 'readonly' && String(value) === '1') continue;
    if (name === 'readonly') throw new Error('read-only connections are opened with readonly = 1');
    args.push(`--${name}=${value}`);
  }
  return args;
}
