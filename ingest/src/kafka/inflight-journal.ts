import * as fs from 'node:fs';
import { join } from 'node:path';

/** One insert a killed ingest left unfinished: its rows and the deduplication token they went in under. */
export interface UnfinishedInsert {
  token: string;
  rows: Buffer[];
  file: string;
}

const SUFFIX = '.rows';
const NEWLINE = Buffer.from('\n');
/** Under IOV_MAX (1,024 on Linux): a row and its newline are two entries. */
const ROWS_PER_WRITE = 500;

/**
 * The rows of every insert in flight, on disk until the insert returns, for an ingest whose
 * ClickHouse engine runs in its own process (the embedded default). The engine commits the part of
 * `requests`, then each rollup's; an ingest killed between them left rows in the request log that
 * the overview's rollups lacked, and the redelivered Kafka batch could not fill them in: its
 * boundaries and grouping need not match the first insert's, so it leaves out the rows it finds
 * stored. At its next start the ingest inserts each unfinished insert again, whole, under its own
 * token (unfinishedInserts), before it consumes: the table and each rollup deduplicate on their own,
 * so a rollup that missed the rows is filled in and nothing counts twice.
 *
 * A file is written under a temporary name and renamed when complete, so a kill while writing
 * leaves nothing to replay (that insert had not begun). Nothing is fsynced: a process crash
 * keeps the page cache, and a machine crash loses the embedded engine's own unsynced parts too.
 * A file is removed as soon as its insert returns, usually before the kernel writes it out.
 */
export class InflightJournal {
  #next = 0;

  /**
   * `generation` names this process's files (the consumer's generation, unique per process).
   * The directory is made by the first begin(): a disk that fails then fails that insert's
   * entry, not the ingest's start.
   */
  constructor(
    private readonly dir: string,
    private readonly generation: string,
  ) {
    try {
      // The rows hold prompts and answers: as private as the spool, also in a directory made
      // before (by hand, or with a looser umask).
      fs.chmodSync(dir, 0o700);
    } catch {
      // None yet (made by the first entry), or not ours to change: the files are 0600 anyway.
    }
  }

  /**
   * Writes an insert's rows and token before it is sent; returns the entry for done(). Throws
   * when the file cannot be written (a full disk), leaving nothing behind.
   */
  begin(rows: readonly Buffer[], token: string): string {
    const file = join(this.dir, `${this.generation}-${this.#next++}${SUFFIX}`);
    try {
      this.write(file, rows, token);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // No directory: not made yet, or removed while running (by hand).
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.write(file, rows, token);
    }
    return file;
  }

  /** The entry under a temporary name, renamed when complete; nothing left when that fails. */
  private write(file: string, rows: readonly Buffer[], token: string): void {
    const temp = `${file}.tmp`;
    try {
      // A new file, never one already there (a leftover of a crash, or anything else's).
      fs.rmSync(temp, { force: true });
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        writeAll(fd, [Buffer.from(`${JSON.stringify({ v: 1, token, rows: rows.length })}\n`)]);
        for (let i = 0; i < rows.length; i += ROWS_PER_WRITE) {
          writeAll(fd, rows.slice(i, i + ROWS_PER_WRITE).flatMap((row) => [row, NEWLINE]));
        }
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, file);
    } catch (err) {
      fs.rmSync(temp, { force: true });
      throw err;
    }
  }

  /** The insert returned (stored, refused or failed: a retry writes its own entry). */
  done(file: string): void {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // Replayed at the next start if still there: a no-op while the engine remembers the token
      // (its last 1,000 per table), counted twice in the rollups after that.
    }
  }

  /**
   * What a killed predecessor left: every complete entry, oldest first. Temporary files and
   * entries that do not read back whole are removed and reported in `damaged`: the batch is
   * redelivered anyway, so only its rollups can stay short.
   */
  unfinishedInserts(): { inserts: UnfinishedInsert[]; damaged: string[] } {
    const inserts: UnfinishedInsert[] = [];
    const damaged: string[] = [];
    const ages = new Map<string, number>();
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { inserts, damaged }; // never begun
      throw err;
    }
    for (const name of names) {
      const file = join(this.dir, name);
      let entry: { token: string; rows: Buffer[] } | undefined;
      try {
        if (!name.endsWith(SUFFIX)) {
          fs.rmSync(file, { force: true, recursive: true });
          continue;
        }
        entry = readEntry(fs.readFileSync(file));
        if (entry) ages.set(file, fs.statSync(file).mtimeMs);
      } catch {
        entry = undefined; // unreadable (a directory, an I/O error): as damaged
      }
      if (entry) inserts.push(Object.assign({}, entry, { file }));
      else {
        damaged.push(name);
        try {
          fs.rmSync(file, { force: true, recursive: true });
        } catch {
          // Left in place; reported as damaged again at the next start.
        }
      }
    }
    inserts.sort((a, b) => ages.get(a.file)! - ages.get(b.file)!);
    return { inserts, damaged };
  }
}

function readEntry(bytes: Buffer): { token: string; rows: Buffer[] } | undefined {
  const headerEnd = bytes.indexOf(0x0a);
  if (headerEnd === -1) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(bytes.subarray(0, headerEnd).toString('utf8'));
  } catch {
    return undefined;
  }
  const { v, token, rows: count } = (header ?? {}) as { v?: unknown; token?: unknown; rows?: unknown };
  if (v !== 1 || typeof token !== 'string' || token === '' || !Number.isSafeInteger(count) || (count as number) < 1) return undefined;
  const rows: Buffer[] = [];
  let start = headerEnd + 1;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) return undefined; // every row ends in a newline: a cut file is not replayed
    rows.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return rows.length === count && rows.every((row) => row.length > 0) ? { token, rows } : undefined;
}

/** writev(2) may write less than asked; loop until every buffer is written. */
function writeAll(fd: number, buffers: Buffer[]): void {
  let pending = buffers;
  while (pending.length > 0) {
    let n = fs.writevSync(fd, pending);
    if (n <= 0) throw new Error('inflight journal: write made no progress');
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (n >= b.length) n -= b.length;
      else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    pending = rest;
  }
}
