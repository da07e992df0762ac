import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A heartbeat that has not moved for this long belongs to a writer that is gone. Only consulted
 * for a holder this process cannot ask directly: in another PID namespace of another host name
 * (another host on shared storage), or anywhere without /proc.
 */
export const LOCK_STALE_MS = 10_000;
/** How often a newcomer looks whether such a holder's heartbeat moved. */
const WATCH_MS = 250;
const LOCK_FILE = 'writer.lock';

/** What the lock file says about its writer. */
interface Holder {
  token: string;
  host: string;
  /** The kernel's boot id: pids, and PID namespaces, compare only within one boot. */
  boot: string;
  /** The PID namespace the pid is in. */
  namespace: string;
  pid: number;
  /** The process's start time in clock ticks since boot: a reused pid does not share it. */
  started: string;
  beatAt: number;
}

/** Another writer appends to this spool directory (two gateways on one data directory). */
export class SpoolDirInUse extends Error {
  constructor(dir: string, holder: Holder) {
    super(`spool: ${dir} is in use by another gateway (pid ${holder.pid} on ${holder.host}); `
      + 'each gateway needs a data directory of its own: two writers on one spool lose events');
    this.name = 'SpoolDirInUse';
  }
}

const readOr = (read: () => string): string => {
  try {
    return read().trim();
  } catch {
    return '';
  }
};

const BOOT = readOr(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
const NAMESPACE = readOr(() => fs.readlinkSync('/proc/self/ns/pid'));

/** The start time of a running process; '' for none, and for one that exited but was not reaped yet (a zombie). */
function startTime(pid: number): string {
  const stat = readOr(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  // Fields from the third on, after the command name, which may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? '' : (fields[19] ?? '');
}

type Verdict = 'alive' | 'gone' | 'ask-the-heartbeat';

function verdict(holder: Holder): Verdict {
  if (BOOT === '' || holder.boot !== BOOT) return 'ask-the-heartbeat';
  if (holder.namespace === NAMESPACE) return holder.started !== '' && startTime(holder.pid) === holder.started ? 'alive' : 'gone';
  // Another PID namespace of the same machine under this host name: the container this one
  // replaces (a restarted container gets a new namespace and keeps its host name).
  return holder.host === os.hostname() ? 'gone' : 'ask-the-heartbeat';
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.token !== 'string' || typeof h.pid !== 'number' || typeof h.beatAt !== 'number') return undefined;
    return { token: h.token, host: String(h.host ?? ''), boot: String(h.boot ?? ''), namespace: String(h.namespace ?? ''), pid: h.pid, started: String(h.started ?? ''), beatAt: h.beatAt };
  } catch {
    return undefined;
  }
}

/**
 * One writer per spool directory. Two gateways appending to one spool lose events without a
 * trace: each deletes the other's segments as it ships them, and records appended to a deleted
 * segment are never read. A second writer is refused while the first runs. A lock left by a
 * writer that is gone is taken over: at once when /proc can tell (the same machine: the pid is
 * gone, a zombie or reused, or it was another container of this host name), else once its
 * heartbeat has not moved for LOCK_STALE_MS, watched for that long before the refusal.
 */
export class WriterLock {
  private constructor(private readonly file: string, private readonly self: Holder, private readonly now: () => number) {}

  static async acquire(dir: string, o: { now?: () => number; watchMs?: number } = {}): Promise<WriterLock> {
    const now = o.now ?? Date.now;
    const file = path.join(dir, LOCK_FILE);
    const self: Holder = {
      token: randomUUID(), host: os.hostname(), boot: BOOT, namespace: NAMESPACE, pid: process.pid, started: startTime(process.pid), beatAt: now(),
    };
    const lock = new WriterLock(file, self, now);
    let watched: { holder: Holder; since: number } | undefined;
    for (;;) {
      if (lock.create()) return lock;
      const text = readOr(() => fs.readFileSync(file, 'utf8'));
      if (text === '' && !fs.existsSync(file)) continue; // released meanwhile
      // A file that does not parse is a writer killed while creating it.
      const holder = parseHolder(text);
      const seen = holder ? verdict(holder) : 'gone';
      if (seen === 'alive') throw new SpoolDirInUse(dir, holder!);
      if (seen === 'ask-the-heartbeat') {
        // Its heartbeat moved while this one watched: it runs.
        if (watched?.holder.token === holder!.token && watched.holder.beatAt !== holder!.beatAt) throw new SpoolDirInUse(dir, holder!);
        if (watched?.holder.token !== holder!.token) watched = { holder: holder!, since: now() };
        // Old already (its clock), or still for as long as this one watched (this clock).
        if (now() - holder!.beatAt < LOCK_STALE_MS && now() - watched.since < LOCK_STALE_MS) {
          await sleep(o.watchMs ?? WATCH_MS);
          continue;
        }
      }
      lock.takeOver(text);
    }
  }

  /** The heartbeat; false once another writer holds the lock (it judged this one gone). */
  refresh(): boolean {
    const holder = parseHolder(readOr(() => fs.readFileSync(this.file, 'utf8')));
    if (holder?.token !== this.self.token) return false;
    this.self.beatAt = this.now();
    const tmp = `${this.file}.${this.self.token}.tmp`;
    // A new file, never one already there (left by a failed rename, or anything else's).
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, JSON.stringify(this.self), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, this.file);
    return true;
  }

  release(): void {
    const holder = parseHolder(readOr(() => fs.readFileSync(this.file, 'utf8')));
    if (holder?.token !== this.self.token) return;
    try {
      fs.unlinkSync(this.file);
    } catch {
      // Gone already.
    }
  }

  /** Creates the lock file if there is none; false if there is one. */
  private create(): boolean {
    try {
      fs.writeFileSync(this.file, JSON.stringify(this.self), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false;
    }
  }

  /**
   * Moves the stale lock (whose text was `stale`) aside under a name of this writer's own: of
   * two newcomers only one moves it, the other finds the file gone or new and looks again. A
   * lock that changed meanwhile (its writer came back, or a third took over) is put back.
   */
  private takeOver(stale: string): void {
    const aside = `${this.file}.${this.self.token}.stale`;
    try {
      fs.renameSync(this.file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (readOr(() => fs.readFileSync(aside, 'utf8')) !== stale) {
      // Put back unless a lock exists again; then the one moved aside was not the stale one.
      try {
        fs.linkSync(aside, this.file);
      } catch {
        // Someone holds the path now; looking again decides.
      }
    }
    fs.rmSync(aside, { force: true });
  }
}
